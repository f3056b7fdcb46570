package check

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/photosync/photosync/state"
	photosync "github.com/photosync/photosync/sync"
)

func TestCheckCleanAfterSync(t *testing.T) {
	f := newFixture(t)
	report := f.check(false)
	if !report.Clean() {
		t.Errorf("findings after a sync: %v, want none", report.Findings)
	}
	if report.Files != 3 || report.MediaItems != 3 || report.Albums != 1 {
		t.Errorf("compared %d files, %d media items and %d albums; want 3, 3 and 1",
			report.Files, report.MediaItems, report.Albums)
	}
	if !report.RemoteChecked {
		t.Error("RemoteChecked is false with a Remote")
	}
	var out bytes.Buffer
	report.Write(&out)
	want := "checked 3 files, 3 media items and 1 albums (compared with the server): 0 problems\n"
	if out.String() != want {
		t.Errorf("report output %q, want %q", out.String(), want)
	}
}

func TestCheckWithoutRemote(t *testing.T) {
	f := newFixture(t)
	before := f.requests()
	opts := f.options(false)
	opts.Remote = nil
	report, err := Run(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if report.RemoteChecked {
		t.Error("RemoteChecked is true without a Remote")
	}
	if report.MediaItems != 0 || report.Albums != 0 {
		t.Errorf("compared %d media items and %d albums without a Remote, want 0", report.MediaItems, report.Albums)
	}
	after := f.requests()
	for _, method := range []string{"mediaItems.batchGet", "albums.list"} {
		if after[method] != before[method] {
			t.Errorf("%s requests went from %d to %d without a Remote", method, before[method], after[method])
		}
	}
	var out bytes.Buffer
	report.Write(&out)
	if !strings.Contains(out.String(), "(not compared with the server)") {
		t.Errorf("report output %q does not say the server was not compared", out.String())
	}
}

func TestCheckLocalFindings(t *testing.T) {
	f := newFixture(t)
	// A synced file removed, a synced file touched, a new file, and the
	// record of a never-synced file that is gone.
	if err := os.Remove(f.path("r.jpg")); err != nil {
		t.Fatal(err)
	}
	touched := time.Now().Add(-30 * time.Minute)
	if err := os.Chtimes(f.path("Trips/a.jpg"), touched, touched); err != nil {
		t.Fatal(err)
	}
	f.writeSample("Trips/c.jpg", 4)
	if err := f.store.PutFile(state.File{Folder: f.root, Path: "gone.jpg", Size: 10, ModTime: touched,
		Status: state.StatusPending}); err != nil {
		t.Fatal(err)
	}
	before := f.snapshot()

	report := f.check(false)
	want := []string{
		"file-changed " + f.root + "/Trips/a.jpg",
		"file-gone " + f.root + "/gone.jpg",
		"file-gone " + f.root + "/r.jpg",
		"file-unrecorded " + f.root + "/Trips/c.jpg",
	}
	if got := kinds(report); !slices.Equal(got, want) {
		t.Fatalf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, finding := range report.Findings {
		if finding.Repair != "" {
			t.Errorf("check without --repair repaired %s: %s", finding.location(), finding.Repair)
		}
	}
	if after := f.snapshot(); after != before {
		t.Errorf("check without --repair changed the store:\nbefore:\n%s\nafter:\n%s", before, after)
	}

	report = f.check(true)
	for _, finding := range report.Findings {
		wantRepair := ""
		if finding.Path == "gone.jpg" {
			wantRepair = "dropped the record"
		}
		if finding.Repair != wantRepair {
			t.Errorf("%s %s: repair %q, want %q", finding.Kind, finding.Path, finding.Repair, wantRepair)
		}
	}
	if _, ok, err := f.store.GetFile(f.root, "gone.jpg"); err != nil || ok {
		t.Errorf("record of the gone pending file after --repair: ok %v, err %v; want it dropped", ok, err)
	}
	if r := f.file("r.jpg"); r.Status != state.StatusSynced || r.MediaItemID == "" {
		t.Errorf("record of the gone synced file after --repair: %+v, want it kept for the next sync", r)
	}
	if r := f.file("Trips/a.jpg"); r.Status != state.StatusSynced || r.ModTime.Equal(touched) {
		t.Errorf("record of the changed file after --repair: %+v, want it unchanged", r)
	}
	if _, ok, err := f.store.GetFile(f.root, "Trips/c.jpg"); err != nil || ok {
		t.Errorf("record of the new file after --repair: ok %v, err %v; want none", ok, err)
	}

	report = f.check(false)
	if got := kinds(report); len(got) != 3 || slices.Contains(got, "file-gone "+f.root+"/gone.jpg") {
		t.Errorf("findings after --repair: %v, want the three that --repair leaves", got)
	}
}

func TestCheckStoreDamage(t *testing.T) {
	f := newFixture(t)
	dbPath := f.store.Path()
	f.store.Close()
	// A bucket that no version of the schema has.
	db, err := bolt.Open(dbPath, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucket([]byte("stray"))
		return err
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	f.store, err = state.Open(dbPath, state.Options{})
	if err != nil {
		t.Fatalf("reopen the store: %v", err)
	}
	t.Cleanup(func() { f.store.Close() })
	before := f.snapshot()

	report := f.check(true)
	if got := kinds(report); !slices.Equal(got, []string{"store stray "}) {
		t.Fatalf("findings %v, want the stray bucket", got)
	}
	finding := report.Findings[0]
	if !strings.Contains(finding.Meaning, "unknown bucket") || !strings.Contains(finding.Meaning, "keep a copy") {
		t.Errorf("meaning %q does not name the damage and the advice", finding.Meaning)
	}
	if finding.Repair != "" {
		t.Errorf("--repair changed a damaged store: %s", finding.Repair)
	}
	if after := f.snapshot(); after != before {
		t.Errorf("--repair changed the records of a damaged store:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// breakItem points the record of rel at a media item id the server never
// created, as after a lost creation, and returns the id.
func (f *fixture) breakItem(rel string) string {
	f.t.Helper()
	const id = "never-created"
	r := f.file(rel)
	item, ok, err := f.store.GetMediaItem(r.MediaItemID)
	if err != nil || !ok {
		f.t.Fatalf("media item of %s: ok %v, err %v", rel, ok, err)
	}
	if err := f.store.DeleteMediaItem(item.ID); err != nil {
		f.t.Fatal(err)
	}
	item.ID, r.MediaItemID = id, id
	if err := f.store.PutMediaItem(item); err != nil {
		f.t.Fatal(err)
	}
	if err := f.store.PutFile(r); err != nil {
		f.t.Fatal(err)
	}
	return id
}

// breakAlbum gives the album of dir an id the server does not know, and
// returns the old and the new id. The old record stays, detached from the
// directory.
func (f *fixture) breakAlbum(dir string) (oldID, newID string) {
	f.t.Helper()
	newID = "unknown-album"
	album, ok, err := f.store.AlbumForDir(f.root, dir, 0)
	if err != nil || !ok {
		f.t.Fatalf("album of %s: ok %v, err %v", dir, ok, err)
	}
	oldID = album.ID
	album.Folder, album.Dir = "", ""
	if err := f.store.PutAlbum(album); err != nil {
		f.t.Fatal(err)
	}
	album.ID, album.Folder, album.Dir = newID, f.root, dir
	if err := f.store.PutAlbum(album); err != nil {
		f.t.Fatal(err)
	}
	err = f.store.Update(func(tx *state.Tx) error {
		return tx.ForEachFile(f.root, func(r state.File) error {
			if r.AlbumID != oldID {
				return nil
			}
			r.AlbumID = newID
			return tx.PutFile(r)
		})
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return oldID, newID
}

func TestCheckRepairsMissingItem(t *testing.T) {
	f := newFixture(t)
	id := f.breakItem("r.jpg")
	before := f.snapshot()

	report := f.check(false)
	if got := kinds(report); !slices.Equal(got, []string{"item-missing " + id}) {
		t.Fatalf("findings %v, want the missing item", got)
	}
	if after := f.snapshot(); after != before {
		t.Errorf("check without --repair changed the store:\nbefore:\n%s\nafter:\n%s", before, after)
	}

	report = f.check(true)
	want := "dropped the record; 1 files are pending and upload again on the next sync"
	if len(report.Findings) != 1 || report.Findings[0].Repair != want {
		t.Fatalf("findings %+v, want one repaired with %q", report.Findings, want)
	}
	if _, ok, err := f.store.GetMediaItem(id); err != nil || ok {
		t.Errorf("media item record after --repair: ok %v, err %v; want it dropped", ok, err)
	}
	if r := f.file("r.jpg"); r.Status != state.StatusPending || r.MediaItemID != "" {
		t.Errorf("record of r.jpg after --repair: %+v, want pending with no media item", r)
	}

	// The server still has the bytes under the old item, so the upload of
	// the next sync returns that item and makes no duplicate.
	sum := f.sync()
	if sum.Uploaded != 1 {
		t.Errorf("sync after the repair uploaded %d files, want 1", sum.Uploaded)
	}
	if report := f.check(false); !report.Clean() {
		t.Errorf("findings after the repair and a sync: %v, want none", report.Findings)
	}
	if report := f.check(false); report.MediaItems != 3 {
		t.Errorf("store has %d media items after the repair and a sync, want 3", report.MediaItems)
	}
}

func TestCheckItemOfAnotherClient(t *testing.T) {
	f := newFixture(t)
	// Another OAuth client uploads o.jpg first, and the store records its
	// item, as after a state file copied from another install.
	f.writeSample("o.jpg", 5)
	data, err := os.ReadFile(f.path("o.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	other := photosync.NewRemote(newClient(t, f.emu, "other-client"))
	token, err := other.UploadRaw(t.Context(), bytes.NewReader(data), int64(len(data)), "o.jpg", "image/jpeg")
	if err != nil {
		t.Fatalf("upload as the other client: %v", err)
	}
	results, err := other.BatchCreate(t.Context(), "", []photosync.NewItem{{UploadToken: token, FileName: "o.jpg"}})
	if err != nil || len(results) != 1 || results[0].Err != nil {
		t.Fatalf("create as the other client: %v, results %+v", err, results)
	}
	id := results[0].MediaItemID
	info, err := os.Stat(f.path("o.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	digest := sha256.Sum256(data)
	sha := hex.EncodeToString(digest[:])
	if err := f.store.PutMediaItem(state.MediaItem{ID: id, SHA256: sha, Filename: "o.jpg", MimeType: "image/jpeg"}); err != nil {
		t.Fatal(err)
	}
	if err := f.store.PutFile(state.File{Folder: f.root, Path: "o.jpg", Size: info.Size(), ModTime: info.ModTime(),
		SHA256: sha, MediaItemID: id, Status: state.StatusSynced}); err != nil {
		t.Fatal(err)
	}

	report := f.check(true)
	if got := kinds(report); !slices.Equal(got, []string{"item-missing " + id}) {
		t.Fatalf("findings %v, want the other client's item", got)
	}
	if report.Findings[0].Repair == "" {
		t.Fatal("first --repair left the item, want its record dropped")
	}
	// The upload of the same bytes returns the other client's item again.
	if sum := f.sync(); sum.Uploaded != 1 {
		t.Errorf("sync after the repair uploaded %d files, want 1", sum.Uploaded)
	}
	if r := f.file("o.jpg"); r.MediaItemID != id {
		t.Fatalf("record of o.jpg after the sync: %+v, want the other client's item %s again", r, id)
	}

	before := f.snapshot()
	report = f.check(true)
	if got := kinds(report); !slices.Equal(got, []string{"item-missing " + id}) {
		t.Fatalf("findings %v, want the other client's item again", got)
	}
	finding := report.Findings[0]
	if finding.Repair != "" {
		t.Errorf("second --repair repaired the other client's item again: %s", finding.Repair)
	}
	if !strings.Contains(finding.Meaning, "another OAuth client") {
		t.Errorf("meaning %q does not name another OAuth client", finding.Meaning)
	}
	if after := f.snapshot(); after != before {
		t.Errorf("second --repair changed the store:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

func TestCheckRepairsMissingAlbum(t *testing.T) {
	f := newFixture(t)
	_, newID := f.breakAlbum("Trips")

	report := f.check(true)
	want := "detached the record from its directory; 2 files are pending and the next sync " +
		"creates the album again and adds them"
	if got := kinds(report); !slices.Equal(got, []string{"album-missing " + newID}) {
		t.Fatalf("findings %v, want the missing album", got)
	}
	if report.Findings[0].Repair != want {
		t.Errorf("repair %q, want %q", report.Findings[0].Repair, want)
	}
	for _, rel := range []string{"Trips/a.jpg", "Trips/b.jpg"} {
		r := f.file(rel)
		if r.Status != state.StatusPending || r.AlbumID != "" || r.MediaItemID == "" {
			t.Errorf("record of %s after --repair: %+v, want pending, no album, the media item kept", rel, r)
		}
	}
	if r := f.file("r.jpg"); r.Status != state.StatusSynced {
		t.Errorf("record of r.jpg, in no album, after --repair: %+v, want it synced", r)
	}

	uploadBytes := f.requests()["uploadBytes"]
	f.sync()
	if sent := f.requests()["uploadBytes"] - uploadBytes; sent != 0 {
		t.Errorf("sync after the album repair sent %d upload bytes, want 0", sent)
	}
	for _, rel := range []string{"Trips/a.jpg", "Trips/b.jpg"} {
		r := f.file(rel)
		if r.Status != state.StatusSynced || r.AlbumID == "" || r.AlbumID == newID {
			t.Errorf("record of %s after the repair and a sync: %+v, want synced in a new album", rel, r)
		}
	}
	if report := f.check(false); !report.Clean() {
		t.Errorf("findings after the repair and a sync: %v, want none", report.Findings)
	}
}

func TestCheckMissingFolder(t *testing.T) {
	f := newFixture(t)
	itemID := f.breakItem("r.jpg")
	_, albumID := f.breakAlbum("Trips")
	// The disk is unmounted: the marker and the files are gone.
	if err := os.RemoveAll(filepath.Dir(photosync.MarkerPath(f.root))); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(f.path("Trips/a.jpg")); err != nil {
		t.Fatal(err)
	}
	before := f.snapshot()

	report := f.check(true)
	want := []string{"album-missing " + albumID, "folder-missing " + f.root, "item-missing " + itemID}
	if got := kinds(report); !slices.Equal(got, want) {
		t.Fatalf("findings %v, want %v: the folder's files are not compared", got, want)
	}
	for _, finding := range report.Findings {
		if finding.Repair != "" {
			t.Errorf("%s %s repaired in a missing folder: %s", finding.Kind, finding.location(), finding.Repair)
		}
		if finding.Kind != KindFolderMissing && !strings.Contains(finding.Meaning, "--repair leaves it") {
			t.Errorf("%s %s: meaning %q does not say why --repair leaves it", finding.Kind, finding.location(),
				finding.Meaning)
		}
	}
	if after := f.snapshot(); after != before {
		t.Errorf("--repair changed the records of a missing folder:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

func TestFindingStringEscapesControlCharacters(t *testing.T) {
	finding := Finding{Kind: KindFileGone, Folder: "/photos", Path: "a\nb\tc.jpg", Meaning: "gone\r"}
	want := `file-gone /photos/a\nb\tc.jpg: gone\r`
	if got := finding.String(); got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}
