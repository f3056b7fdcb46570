package sync

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var t0 = time.Date(2024, 7, 15, 18, 30, 0, 0, time.UTC)

func local(p, sha string) LocalFile {
	return LocalFile{Path: p, Size: int64(len(sha)), ModTime: t0, SHA256: sha}
}

func synced(p, sha, item, album string) KnownFile {
	return KnownFile{Path: p, Size: int64(len(sha)), ModTime: t0, SHA256: sha,
		MediaItemID: item, AlbumID: album, Status: KnownSynced}
}

func contentOf(m map[string]string) func(string) (string, bool) {
	return func(sha string) (string, bool) {
		id, ok := m[sha]
		return id, ok
	}
}

func TestReconcileUploadRules(t *testing.T) {
	tests := []struct {
		name    string
		in      ReconcileInput
		want    []Op
		albums  []string
		held    []Held
		noPause bool
	}{
		{
			name:   "new file in sub-folder",
			in:     ReconcileInput{Local: []LocalFile{local("Trips/a.jpg", "aa")}},
			want:   []Op{{Kind: OpUpload, Path: "Trips/a.jpg", Dir: "Trips", SHA256: "aa", Size: 2, ModTime: t0}},
			albums: []string{"Trips"},
		},
		{
			name:   "new root file without root album",
			in:     ReconcileInput{Local: []LocalFile{local("a.jpg", "aa")}},
			want:   []Op{{Kind: OpUpload, Path: "a.jpg", SHA256: "aa", Size: 2, ModTime: t0}},
			albums: []string{},
		},
		{
			name: "new root file with root album",
			in: ReconcileInput{Local: []LocalFile{local("a.jpg", "aa")},
				Rules: Rules{RootAlbum: "Everything"}},
			want:   []Op{{Kind: OpUpload, Path: "a.jpg", SHA256: "aa", Size: 2, ModTime: t0}},
			albums: []string{""},
		},
		{
			name: "bytes equal to an uploaded item",
			in: ReconcileInput{Local: []LocalFile{local("G/b.jpg", "aa")},
				Content: contentOf(map[string]string{"aa": "m1"})},
			want: []Op{{Kind: OpAdd, Path: "G/b.jpg", Dir: "G", SHA256: "aa", Size: 2, ModTime: t0,
				MediaItemID: "m1", AddToAlbum: true}},
			albums: []string{"G"},
		},
		{
			name: "copy next to an item already in the album",
			in: ReconcileInput{
				Local:   []LocalFile{local("G/a.jpg", "aa"), local("G/b.jpg", "aa")},
				Known:   []KnownFile{synced("G/a.jpg", "aa", "m1", "alb")},
				Content: contentOf(map[string]string{"aa": "m1"})},
			want: []Op{{Kind: OpAdd, Path: "G/b.jpg", Dir: "G", SHA256: "aa", Size: 2, ModTime: t0,
				MediaItemID: "m1"}},
			albums: []string{},
		},
		{
			name: "three identical new files",
			in: ReconcileInput{Local: []LocalFile{
				local("T/c.jpg", "aa"), local("T/a.jpg", "aa"), local("T/b.jpg", "aa")}},
			want: []Op{
				{Kind: OpUpload, Path: "T/a.jpg", Dir: "T", SHA256: "aa", Size: 2, ModTime: t0},
				{Kind: OpAdd, Path: "T/b.jpg", Dir: "T", SHA256: "aa", Size: 2, ModTime: t0},
				{Kind: OpAdd, Path: "T/c.jpg", Dir: "T", SHA256: "aa", Size: 2, ModTime: t0},
			},
			albums: []string{"T"},
		},
		{
			name: "identical new files in two directories",
			in: ReconcileInput{Local: []LocalFile{
				local("A/x.jpg", "aa"), local("B/x.jpg", "aa"), local("B/y.jpg", "aa")}},
			want: []Op{
				{Kind: OpUpload, Path: "A/x.jpg", Dir: "A", SHA256: "aa", Size: 2, ModTime: t0},
				{Kind: OpAdd, Path: "B/x.jpg", Dir: "B", SHA256: "aa", Size: 2, ModTime: t0, AddToAlbum: true},
				{Kind: OpAdd, Path: "B/y.jpg", Dir: "B", SHA256: "aa", Size: 2, ModTime: t0},
			},
			albums: []string{"A", "B"},
		},
		{
			name: "content changed",
			in: ReconcileInput{
				Local:   []LocalFile{local("F/a.jpg", "bbb")},
				Known:   []KnownFile{synced("F/a.jpg", "aa", "m1", "alb")},
				Content: contentOf(map[string]string{"aa": "m1"})},
			want: []Op{
				{Kind: OpUpload, Path: "F/a.jpg", Dir: "F", SHA256: "bbb", Size: 3, ModTime: t0, Replaces: true},
				{Kind: OpRemove, Path: "F/a.jpg", Dir: "F", SHA256: "aa", MediaItemID: "m1", AlbumID: "alb"},
			},
			albums: []string{"F"},
		},
		{
			name: "content changed while a copy keeps the old item",
			in: ReconcileInput{
				Local: []LocalFile{local("F/a.jpg", "bbb"), local("F/b.jpg", "aa")},
				Known: []KnownFile{synced("F/a.jpg", "aa", "m1", "alb"), synced("F/b.jpg", "aa", "m1", "alb")}},
			want: []Op{
				{Kind: OpUpload, Path: "F/a.jpg", Dir: "F", SHA256: "bbb", Size: 3, ModTime: t0, Replaces: true},
			},
			albums: []string{"F"},
		},
		{
			name: "rename inside a folder",
			in: ReconcileInput{
				Local: []LocalFile{local("F/new.jpg", "aa")},
				Known: []KnownFile{synced("F/old.jpg", "aa", "m1", "alb")}},
			want: []Op{{Kind: OpRecord, Path: "F/new.jpg", OldPath: "F/old.jpg", Dir: "F",
				SHA256: "aa", Size: 2, ModTime: t0, MediaItemID: "m1"}},
			albums: []string{},
		},
		{
			name: "move between folders",
			in: ReconcileInput{
				Local: []LocalFile{local("G/a.jpg", "aa")},
				Known: []KnownFile{synced("F/a.jpg", "aa", "m1", "albF")}},
			want: []Op{
				{Kind: OpMove, Path: "G/a.jpg", OldPath: "F/a.jpg", Dir: "G", SHA256: "aa", Size: 2,
					ModTime: t0, MediaItemID: "m1", AddToAlbum: true},
				{Kind: OpRemove, Path: "G/a.jpg", Dir: "F", SHA256: "aa", MediaItemID: "m1", AlbumID: "albF"},
			},
			albums: []string{"F", "G"},
		},
		{
			name: "rename preferred over move for the same content",
			in: ReconcileInput{
				Local: []LocalFile{local("G/b.jpg", "aa"), local("F/b.jpg", "aa")},
				Known: []KnownFile{synced("F/a.jpg", "aa", "m1", "albF")}},
			want: []Op{
				{Kind: OpRecord, Path: "F/b.jpg", OldPath: "F/a.jpg", Dir: "F", SHA256: "aa", Size: 2,
					ModTime: t0, MediaItemID: "m1"},
				{Kind: OpAdd, Path: "G/b.jpg", Dir: "G", SHA256: "aa", Size: 2, ModTime: t0,
					MediaItemID: "m1", AddToAlbum: true},
			},
			albums: []string{"G"},
		},
		{
			name: "delete with remote_delete album",
			in: ReconcileInput{
				Known: []KnownFile{synced("F/a.jpg", "aa", "m1", "alb")},
				Rules: Rules{RemoteDelete: RemoteDeleteAlbum}},
			want: []Op{
				{Kind: OpForget, OldPath: "F/a.jpg", Dir: "F", SHA256: "aa", MediaItemID: "m1"},
				{Kind: OpRemove, Path: "F/a.jpg", OldPath: "F/a.jpg", Dir: "F", SHA256: "aa",
					MediaItemID: "m1", AlbumID: "alb"},
			},
			albums: []string{"F"},
		},
		{
			name: "delete with remote_delete never",
			in: ReconcileInput{
				Known: []KnownFile{synced("F/a.jpg", "aa", "m1", "alb")},
				Rules: Rules{RemoteDelete: RemoteDeleteNever}},
			want:   []Op{{Kind: OpForget, OldPath: "F/a.jpg", Dir: "F", SHA256: "aa", MediaItemID: "m1"}},
			albums: []string{},
		},
		{
			name:   "delete of a root file without album",
			in:     ReconcileInput{Known: []KnownFile{synced("a.jpg", "aa", "m1", "")}},
			want:   []Op{{Kind: OpForget, OldPath: "a.jpg", SHA256: "aa", MediaItemID: "m1"}},
			albums: []string{},
		},
		{
			name: "delete of a root file with root album",
			in: ReconcileInput{
				Known: []KnownFile{synced("a.jpg", "aa", "m1", "root")},
				Rules: Rules{RootAlbum: "All"}},
			want: []Op{
				{Kind: OpForget, OldPath: "a.jpg", SHA256: "aa", MediaItemID: "m1"},
				{Kind: OpRemove, Path: "a.jpg", OldPath: "a.jpg", SHA256: "aa", MediaItemID: "m1", AlbumID: "root"},
			},
			albums: []string{""},
		},
		{
			name: "touched file keeps its item",
			in: ReconcileInput{
				Local: []LocalFile{{Path: "F/a.jpg", Size: 2, ModTime: t0.Add(time.Hour), SHA256: "aa"}},
				Known: []KnownFile{synced("F/a.jpg", "aa", "m1", "alb")}},
			want: []Op{{Kind: OpRecord, Path: "F/a.jpg", OldPath: "F/a.jpg", Dir: "F", SHA256: "aa",
				Size: 2, ModTime: t0.Add(time.Hour), MediaItemID: "m1"}},
			albums: []string{},
		},
		{
			name: "unchanged file",
			in: ReconcileInput{
				Local: []LocalFile{local("F/a.jpg", "aa")},
				Known: []KnownFile{synced("F/a.jpg", "aa", "m1", "alb")}},
			albums: []string{},
		},
		{
			name: "failed file unchanged is held",
			in: ReconcileInput{
				Local: []LocalFile{local("F/a.jpg", "aa")},
				Known: []KnownFile{{Path: "F/a.jpg", Size: 2, ModTime: t0, SHA256: "aa",
					Status: KnownFailed, Reason: "BAD_IMAGE"}}},
			held:   []Held{{Path: "F/a.jpg", Reason: "failed earlier: BAD_IMAGE"}},
			albums: []string{},
		},
		{
			name: "failed file changed is retried",
			in: ReconcileInput{
				Local: []LocalFile{local("F/a.jpg", "bbb")},
				Known: []KnownFile{{Path: "F/a.jpg", Size: 2, ModTime: t0, SHA256: "aa",
					Status: KnownFailed, Reason: "BAD_IMAGE"}}},
			want:   []Op{{Kind: OpUpload, Path: "F/a.jpg", Dir: "F", SHA256: "bbb", Size: 3, ModTime: t0}},
			albums: []string{"F"},
		},
		{
			name: "pending file is uploaded again",
			in: ReconcileInput{
				Local: []LocalFile{local("F/a.jpg", "aa")},
				Known: []KnownFile{{Path: "F/a.jpg", Size: 2, ModTime: t0, SHA256: "aa"}}},
			want:   []Op{{Kind: OpUpload, Path: "F/a.jpg", Dir: "F", SHA256: "aa", Size: 2, ModTime: t0}},
			albums: []string{"F"},
		},
		{
			name: "unsettled known file is not deleted",
			in: ReconcileInput{
				Present: []string{"F/a.jpg"},
				Known:   []KnownFile{synced("F/a.jpg", "aa", "m1", "alb")}},
			albums: []string{},
		},
		{
			name:   "gone pending file is forgotten",
			in:     ReconcileInput{Known: []KnownFile{{Path: "F/a.jpg", SHA256: "aa"}}},
			want:   []Op{{Kind: OpForget, OldPath: "F/a.jpg", Dir: "F", SHA256: "aa"}},
			albums: []string{},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			plan := Reconcile(tc.in)
			if diff := cmp.Diff(tc.want, plan.Ops); diff != "" {
				t.Errorf("ops (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.albums, plan.Albums); diff != "" {
				t.Errorf("albums (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.held, plan.Held); diff != "" {
				t.Errorf("held (-want +got):\n%s", diff)
			}
			if plan.Paused != "" {
				t.Errorf("plan paused: %s", plan.Paused)
			}
		})
	}
}

func TestReconcileDeleteGuard(t *testing.T) {
	var known []KnownFile
	var kept []LocalFile
	for i := range 12 {
		sha := fmt.Sprintf("sha%02d", i)
		known = append(known, synced(fmt.Sprintf("F/%02d.jpg", i), sha, "m"+sha, "alb"))
		if i >= 7 {
			kept = append(kept, local(fmt.Sprintf("F/%02d.jpg", i), sha))
			kept[len(kept)-1].Size = int64(len(sha))
		}
	}
	tests := []struct {
		name       string
		rules      Rules
		wantPaused bool
	}{
		{name: "half share pauses", rules: Rules{DeleteShare: 0.5}, wantPaused: true},
		{name: "zero share pauses", rules: Rules{}, wantPaused: true},
		{name: "confirmed", rules: Rules{Confirmed: true}, wantPaused: false},
		{name: "remote delete never", rules: Rules{RemoteDelete: RemoteDeleteNever}, wantPaused: false},
		{name: "share above deletes", rules: Rules{DeleteShare: 0.6}, wantPaused: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			plan := Reconcile(ReconcileInput{Local: kept, Known: known, Rules: tc.rules})
			if got := plan.Paused != ""; got != tc.wantPaused {
				t.Errorf("paused = %v (%q), want %v", got, plan.Paused, tc.wantPaused)
			}
			if got := plan.Count(OpForget); got != 7 {
				t.Errorf("forget ops = %d, want 7", got)
			}
		})
	}
}

func TestReconcileDeleteGuardSmallFolder(t *testing.T) {
	known := []KnownFile{synced("F/a.jpg", "aa", "m1", "alb"), synced("F/b.jpg", "bb", "m2", "alb")}
	plan := Reconcile(ReconcileInput{Known: known})
	if plan.Paused != "" {
		t.Errorf("folder of %d items paused: %s", len(known), plan.Paused)
	}
	if got := plan.Count(OpRemove); got != 2 {
		t.Errorf("remove ops = %d, want 2", got)
	}
}
