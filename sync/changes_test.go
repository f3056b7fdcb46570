package sync

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/photosync/photosync/config"
)

// orientation returns the n-th distinct sample photo (1 to 8).
func orientation(n int) string {
	return filepath.Join("Orientation", "f"+string(rune('0'+n))+"-exif.jpg")
}

// changeFixture is a synced folder with two albums and a root file:
// A/x.jpg, A/y.jpg, B/z.jpg and r.jpg.
type changeFixture struct {
	h    *harness
	root string
	cfg  config.Folder
	sha  map[string]string
}

func newChangeFixture(t *testing.T, edit func(*config.Folder)) *changeFixture {
	h := newHarness(t)
	root := t.TempDir()
	f := &changeFixture{h: h, root: root, cfg: folderAt(root), sha: map[string]string{}}
	if edit != nil {
		edit(&f.cfg)
	}
	for i, rel := range []string{"A/x.jpg", "A/y.jpg", "B/z.jpg", "r.jpg"} {
		writeFrom(t, root, rel, orientation(i+1))
		f.sha[rel] = shaOfFile(t, f.abs(rel))
	}
	sum := h.sync(f.cfg)
	if sum.Uploaded != 4 {
		t.Fatalf("first sync uploaded %d files, want 4", sum.Uploaded)
	}
	return f
}

func (f *changeFixture) abs(rel string) string {
	return filepath.Join(f.root, filepath.FromSlash(rel))
}

// albumHas reports whether the album titled title holds the item with the
// content sha.
func (f *changeFixture) albumHas(title, sha string) bool {
	item, ok := f.h.itemsBySHA()[sha]
	if !ok {
		f.h.t.Fatalf("no item with content %s", sha[:12])
	}
	return hasString(f.h.albums()[title].MediaItemIDs, item.ID)
}

func (f *changeFixture) uploadsSoFar() int {
	return f.h.requests().ByMethod["uploads"]
}

func TestSyncNewFile(t *testing.T) {
	f := newChangeFixture(t, nil)
	writeFrom(t, f.root, "A/new.jpg", orientation(5))
	sum := f.h.sync(f.cfg)
	if sum.Uploaded != 1 {
		t.Errorf("uploaded %d, want 1", sum.Uploaded)
	}
	if !f.albumHas("A", shaOfFile(t, f.abs("A/new.jpg"))) {
		t.Error("new file's item is not in album A")
	}
}

func TestSyncCopyOfUploadedContent(t *testing.T) {
	f := newChangeFixture(t, nil)
	writeFrom(t, f.root, "B/copy-of-x.jpg", orientation(1))
	uploads := f.uploadsSoFar()
	sum := f.h.sync(f.cfg)
	if got := f.uploadsSoFar() - uploads; got != 0 {
		t.Errorf("byte uploads = %d, want 0", got)
	}
	if sum.Uploaded != 0 {
		t.Errorf("summary uploaded = %d, want 0", sum.Uploaded)
	}
	if !f.albumHas("B", f.sha["A/x.jpg"]) {
		t.Error("existing item was not added to album B")
	}
	if !f.albumHas("A", f.sha["A/x.jpg"]) {
		t.Error("existing item left album A")
	}
	if n := len(f.h.items()); n != 4 {
		t.Errorf("emulator has %d items, want 4", n)
	}
}

func TestSyncContentChanged(t *testing.T) {
	f := newChangeFixture(t, nil)
	writeFrom(t, f.root, "A/x.jpg", orientation(6))
	newSHA := shaOfFile(t, f.abs("A/x.jpg"))
	sum := f.h.sync(f.cfg)
	if sum.Uploaded != 1 {
		t.Errorf("uploaded %d, want 1", sum.Uploaded)
	}
	if !f.albumHas("A", newSHA) {
		t.Error("new content is not in album A")
	}
	if f.albumHas("A", f.sha["A/x.jpg"]) {
		t.Error("old content is still in album A")
	}
	if n := len(f.h.items()); n != 5 {
		t.Errorf("emulator has %d items, want 5 (the old item stays in the library)", n)
	}
}

func TestSyncRenameInsideFolder(t *testing.T) {
	f := newChangeFixture(t, nil)
	if err := os.Rename(f.abs("A/y.jpg"), f.abs("A/y-renamed.jpg")); err != nil {
		t.Fatal(err)
	}
	before := f.h.nonPollRequests()
	sum := f.h.sync(f.cfg)
	if got := f.h.nonPollRequests() - before; got != 0 {
		t.Errorf("rename made %d requests, want 0", got)
	}
	if sum.Renamed != 1 {
		t.Errorf("renamed = %d, want 1", sum.Renamed)
	}
	if !f.albumHas("A", f.sha["A/y.jpg"]) {
		t.Error("renamed file's item left album A")
	}
}

func TestSyncMoveBetweenFolders(t *testing.T) {
	f := newChangeFixture(t, nil)
	if err := os.Rename(f.abs("A/y.jpg"), f.abs("B/y.jpg")); err != nil {
		t.Fatal(err)
	}
	uploads := f.uploadsSoFar()
	sum := f.h.sync(f.cfg)
	if got := f.uploadsSoFar() - uploads; got != 0 {
		t.Errorf("byte uploads = %d, want 0", got)
	}
	if sum.Moved != 1 {
		t.Errorf("moved = %d, want 1", sum.Moved)
	}
	if f.albumHas("A", f.sha["A/y.jpg"]) {
		t.Error("moved file's item is still in album A")
	}
	if !f.albumHas("B", f.sha["A/y.jpg"]) {
		t.Error("moved file's item is not in album B")
	}
}

func TestSyncDeleteRemovesFromAlbum(t *testing.T) {
	f := newChangeFixture(t, nil)
	if err := os.Remove(f.abs("B/z.jpg")); err != nil {
		t.Fatal(err)
	}
	sum := f.h.sync(f.cfg)
	if sum.Removed != 1 || sum.Forgotten != 1 {
		t.Errorf("removed = %d, forgotten = %d, want 1 and 1", sum.Removed, sum.Forgotten)
	}
	if f.albumHas("B", f.sha["B/z.jpg"]) {
		t.Error("deleted file's item is still in album B")
	}
	again := f.h.sync(f.cfg)
	if again.Removed != 0 || again.Forgotten != 0 {
		t.Errorf("second sync removed %d, forgot %d, want nothing", again.Removed, again.Forgotten)
	}
}

func TestSyncDeleteWithRemoteDeleteNever(t *testing.T) {
	f := newChangeFixture(t, func(c *config.Folder) { c.RemoteDelete = config.RemoteDeleteNever })
	if err := os.Remove(f.abs("B/z.jpg")); err != nil {
		t.Fatal(err)
	}
	before := f.h.nonPollRequests()
	sum := f.h.sync(f.cfg)
	if got := f.h.nonPollRequests() - before; got != 0 {
		t.Errorf("delete with remote_delete never made %d requests, want 0", got)
	}
	if sum.Forgotten != 1 {
		t.Errorf("forgotten = %d, want 1", sum.Forgotten)
	}
	if !f.albumHas("B", f.sha["B/z.jpg"]) {
		t.Error("deleted file's item left album B")
	}
}

func TestSyncRootFilesWithoutAlbum(t *testing.T) {
	f := newChangeFixture(t, nil)
	item := f.h.itemsBySHA()[f.sha["r.jpg"]]
	if len(item.AlbumIDs) != 0 {
		t.Errorf("root file's item is in albums %v, want none", item.AlbumIDs)
	}
	if n := len(f.h.albums()); n != 2 {
		t.Errorf("emulator has %d albums, want 2 (A and B)", n)
	}
}

func TestSyncRootFilesWithRootAlbum(t *testing.T) {
	f := newChangeFixture(t, func(c *config.Folder) { c.RootAlbum = "Everything loose" })
	if !f.albumHas("Everything loose", f.sha["r.jpg"]) {
		t.Error("root file's item is not in the root album")
	}
	if err := os.Remove(f.abs("r.jpg")); err != nil {
		t.Fatal(err)
	}
	f.h.sync(f.cfg)
	if f.albumHas("Everything loose", f.sha["r.jpg"]) {
		t.Error("deleted root file's item is still in the root album")
	}
}

func TestSyncDeleteGuardPausesFolder(t *testing.T) {
	h := newHarness(t)
	root := t.TempDir()
	for i := range 12 {
		rel := filepath.Join("Many", "f"+string(rune('a'+i))+".jpg")
		// Twelve distinct contents: eight orientation samples and four
		// camera files.
		samples := []string{orientation(1), orientation(2), orientation(3), orientation(4),
			orientation(5), orientation(6), orientation(7), orientation(8),
			"Camera Roll/portrait.jpg", "Camera Roll/IMG_1811.JPG", "Tricky/no_exif.jpg", "Tricky/exif_no_date.jpg"}
		writeFrom(t, root, filepath.ToSlash(rel), samples[i])
	}
	cfg := folderAt(root)
	h.sync(cfg)

	for i := range 7 {
		if err := os.Remove(filepath.Join(root, "Many", "f"+string(rune('a'+i))+".jpg")); err != nil {
			t.Fatal(err)
		}
	}
	sum := h.sync(cfg)
	if len(sum.Folders) != 1 {
		t.Fatalf("folder problems = %v, want the delete pause", sum.Folders)
	}
	if n := len(h.albums()["Many"].MediaItemIDs); n != 12 {
		t.Errorf("paused folder's album has %d items, want 12", n)
	}

	h.settings = func(o *Options) { o.Confirmed = true }
	sum = h.sync(cfg)
	if sum.Removed != 7 {
		t.Errorf("confirmed sync removed %d, want 7", sum.Removed)
	}
	if n := len(h.albums()["Many"].MediaItemIDs); n != 5 {
		t.Errorf("album has %d items after the confirmed sync, want 5", n)
	}
}

func TestSyncSameContentInTwoFolders(t *testing.T) {
	h := newHarness(t)
	first, second := t.TempDir(), t.TempDir()
	writeFrom(t, first, "Trip/a.jpg", orientation(1))
	writeFrom(t, second, "Backup/a.jpg", orientation(1))
	sum := h.sync(folderAt(first), folderAt(second))
	if n := h.requests().ByMethod["uploads"]; n != 1 {
		t.Errorf("byte uploads = %d, want 1 for one content in two folders", n)
	}
	if sum.Uploaded != 1 {
		t.Errorf("uploaded = %d, want 1", sum.Uploaded)
	}
	sha := shaOfFile(t, filepath.Join(first, "Trip", "a.jpg"))
	item := h.itemsBySHA()[sha]
	albums := h.albums()
	for _, title := range []string{"Trip", "Backup"} {
		if !hasString(albums[title].MediaItemIDs, item.ID) {
			t.Errorf("item %s is not in album %q", item.ID, title)
		}
	}
}

func TestSyncMoveRemovalRetriedNextPass(t *testing.T) {
	f := newChangeFixture(t, nil)
	if err := os.Rename(f.abs("A/y.jpg"), f.abs("B/y.jpg")); err != nil {
		t.Fatal(err)
	}
	f.h.post("faults", map[string]any{"method": "albums.batchRemoveMediaItems", "status": 503, "count": 100})
	sum := f.h.sync(f.cfg)
	if len(sum.Pending) != 1 {
		t.Errorf("pending = %v, want the failed removal", sum.Pending)
	}
	if !f.albumHas("A", f.sha["A/y.jpg"]) {
		t.Fatal("the removal from album A happened despite the fault")
	}

	f.h.clearFaults()
	again := f.h.sync(f.cfg)
	if again.Removed != 1 {
		t.Errorf("next pass removed %d items, want the 1 left over", again.Removed)
	}
	if f.albumHas("A", f.sha["A/y.jpg"]) {
		t.Error("moved file's item is still in album A after the next pass")
	}
	if !f.albumHas("B", f.sha["A/y.jpg"]) {
		t.Error("moved file's item is not in album B")
	}
	last := f.h.sync(f.cfg)
	if last.Removed != 0 || len(last.Pending) != 0 {
		t.Errorf("third pass removed %d and left %v pending, want nothing", last.Removed, last.Pending)
	}
}
