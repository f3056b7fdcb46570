package sync

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/photosync/photosync/photosapi"
	"github.com/photosync/photosync/photosapi/api"
)

// TestTwoInstallsConverge syncs two installs that share an OAuth client:
// additions, a change on both sides at once and a delete cross over, the
// emulator ends with one item per content, and a third sync does nothing.
func TestTwoInstallsConverge(t *testing.T) {
	h := newHarness(t)
	a, b := newInstall(t, h, "laptop"), newInstall(t, h, "nas")
	a.write("Trips/2024/one.jpg", orientation(1))
	a.write("root.jpg", orientation(2))
	b.write("Beach/two.jpg", orientation(3))

	a.sync()
	if sum := b.sync(); sum.Downloaded != 2 {
		t.Errorf("b downloaded %d, want 2 (Trips/2024/one.jpg and root.jpg)", sum.Downloaded)
	}
	if sum := a.sync(); sum.Downloaded != 1 {
		t.Errorf("a downloaded %d, want 1 (Beach/two.jpg)", sum.Downloaded)
	}
	want := []string{"Beach/two.jpg", "Trips/2024/one.jpg", "root.jpg"}
	if diff := cmp.Diff(want, a.files()); diff != "" {
		t.Errorf("a's files (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, b.files()); diff != "" {
		t.Errorf("b's files (-want +got):\n%s", diff)
	}
	if n := len(h.itemsBySHA()); n != 3 {
		t.Errorf("emulator holds %d items, want 3", n)
	}

	// The same name with different content on both sides: both are kept.
	a.write("Beach/same.jpg", orientation(4))
	b.write("Beach/same.jpg", orientation(5))
	a.sync()
	b.sync()
	a.sync()
	for _, side := range []struct {
		in          *install
		own, theirs string
	}{{a, orientation(4), orientation(5)}, {b, orientation(5), orientation(4)}} {
		shas := map[string]string{}
		for _, rel := range side.in.files() {
			shas[shaOfFile(t, side.in.abs(rel))] = rel
		}
		if len(shas) != 5 {
			t.Errorf("%s has %d distinct files, want 5: %v", side.in.root, len(shas), side.in.files())
		}
		own := shaOfFile(t, filepath.Join(repoMedia(t), side.own))
		if shas[own] != "Beach/same.jpg" {
			t.Errorf("%s: own version is at %q, want Beach/same.jpg", side.in.root, shas[own])
		}
		theirs := shaOfFile(t, filepath.Join(repoMedia(t), side.theirs))
		if got := shas[theirs]; got == "" || got == "Beach/same.jpg" || path.Dir(got) != "Beach" {
			t.Errorf("%s: other version is at %q, want a suffixed name in Beach", side.in.root, got)
		}
	}

	// A delete on one side moves the file to the trash on the other.
	if err := os.Remove(a.abs("Trips/2024/one.jpg")); err != nil {
		t.Fatal(err)
	}
	a.sync()
	if sum := b.sync(); sum.Trashed != 1 {
		t.Errorf("b trashed %d, want 1", sum.Trashed)
	}
	if exists(b.root, "Trips/2024/one.jpg") {
		t.Error("b still has Trips/2024/one.jpg")
	}
	day := time.Now().Format("2006-01-02")
	if !exists(TrashPath(b.root, day), "Trips/2024/one.jpg") {
		t.Errorf("b's trash has no Trips/2024/one.jpg")
	}
	if n := len(h.itemsBySHA()); n != 5 {
		t.Errorf("emulator holds %d items, want 5", n)
	}

	// Nothing is left to do on either side.
	before := h.requests()
	for _, in := range []*install{a, b, a, b} {
		sum := in.sync()
		if sum.Uploaded+sum.Downloaded+sum.Trashed+sum.Removed != 0 {
			t.Errorf("quiet sync of %s: uploaded %d, downloaded %d, trashed %d, removed %d; want 0",
				in.root, sum.Uploaded, sum.Downloaded, sum.Trashed, sum.Removed)
		}
	}
	after := h.requests()
	for _, m := range []string{"uploads", "download", "mediaItems.batchCreate"} {
		if n := after.ByMethod[m] - before.ByMethod[m]; n != 0 {
			t.Errorf("quiet syncs made %d %s requests, want 0", n, m)
		}
	}
}

// TestDownloadedFileIsNotUploaded checks echo suppression: a downloaded
// file, whose bytes may differ from the uploaded ones, is never uploaded
// back.
func TestDownloadedFileIsNotUploaded(t *testing.T) {
	h := newHarness(t)
	a, b := newInstall(t, h, "laptop"), newInstall(t, h, "nas")
	a.write("GPS/canon.jpg", filepath.Join("Tricky", "canon_eos_gps.jpg"))
	a.sync()
	b.sync()
	got := shaOfFile(t, b.abs("GPS/canon.jpg"))
	if got == shaOfFile(t, a.abs("GPS/canon.jpg")) {
		t.Log("the emulator served the original bytes; the check still runs")
	}
	for range 2 {
		if sum := b.sync(); sum.Uploaded != 0 || sum.AlreadyPresent != 1 {
			t.Errorf("b uploaded %d, already present %d; want 0 and 1", sum.Uploaded, sum.AlreadyPresent)
		}
	}
	if n := len(h.items()); n != 1 {
		t.Errorf("emulator holds %d items, want 1", n)
	}
}

// TestFolderModes checks that an upload-only folder downloads
// nothing and a download-only folder uploads nothing.
func TestFolderModes(t *testing.T) {
	h := newHarness(t)
	a := newInstall(t, h, "laptop")
	up := newInstall(t, h, "uploader")
	up.cfg.Mode = "upload-only"
	down := newInstall(t, h, "viewer")
	down.cfg.Mode = "download-only"
	a.write("A/one.jpg", orientation(1))
	a.sync()
	up.write("U/up.jpg", orientation(2))
	down.write("D/local.jpg", orientation(3))
	if sum := up.sync(); sum.Downloaded != 0 || sum.Uploaded != 1 {
		t.Errorf("upload-only: downloaded %d, uploaded %d; want 0 and 1", sum.Downloaded, sum.Uploaded)
	}
	sum := down.sync()
	if sum.Uploaded != 0 {
		t.Errorf("download-only uploaded %d, want 0", sum.Uploaded)
	}
	want := []string{"A/one.jpg", "D/local.jpg", "U/up.jpg"}
	if diff := cmp.Diff(want, down.files()); diff != "" {
		t.Errorf("download-only files (-want +got):\n%s", diff)
	}
	// A local delete in a download-only folder is not pushed, and the item
	// is not downloaded again.
	if err := os.Remove(down.abs("A/one.jpg")); err != nil {
		t.Fatal(err)
	}
	down.sync()
	if exists(down.root, "A/one.jpg") {
		t.Error("deleted file came back in the download-only folder")
	}
	if !hasString(h.albums()["A"].MediaItemIDs, h.itemsBySHA()[shaOfFile(t, a.abs("A/one.jpg"))].ID) {
		t.Error("a local delete in a download-only folder removed the item from its album")
	}
}

// TestMissingRootStopsFolder checks that a folder whose root vanished stops
// with an error and nothing is trashed.
func TestMissingRootStopsFolder(t *testing.T) {
	h := newHarness(t)
	a, b := newInstall(t, h, "laptop"), newInstall(t, h, "nas")
	a.write("A/one.jpg", orientation(1))
	a.sync()
	b.sync()
	moved := b.root + ".unmounted"
	if err := os.Rename(b.root, moved); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Rename(moved, b.root) })
	if err := os.Remove(a.abs("A/one.jpg")); err != nil {
		t.Fatal(err)
	}
	a.sync()
	sum, err := b.syncErr()
	if err != nil {
		t.Fatalf("sync: %v", err)
	}
	if len(sum.Folders) != 1 || sum.Trashed != 0 {
		t.Errorf("folder problems %v, trashed %d; want one problem and nothing trashed", sum.Folders, sum.Trashed)
	}
	if err := os.Rename(moved, b.root); err != nil {
		t.Fatal(err)
	}
	if !exists(b.root, "A/one.jpg") {
		t.Error("b lost A/one.jpg while its folder was missing")
	}
	if _, err := os.Stat(filepath.Join(b.root, MetaDir, trashDir)); err == nil {
		t.Error("b's trash exists after a pass over a missing folder")
	}
}

// TestRemoteRemovalsPauseAboveThreshold checks that removals that would
// trash more than the folder's delete threshold wait for confirmation.
func TestRemoteRemovalsPauseAboveThreshold(t *testing.T) {
	h := newHarness(t)
	a, b := newInstall(t, h, "laptop"), newInstall(t, h, "nas")
	a.settings = func(o *Options) { o.Confirmed = true }
	samples := []string{orientation(1), orientation(2), orientation(3), orientation(4),
		orientation(5), orientation(6), orientation(7), orientation(8),
		"Camera Roll/IMG_1811.JPG", "Camera Roll/portrait.jpg", "Tricky/no_exif.jpg", "Tricky/exif_no_date.jpg"}
	for i, s := range samples {
		a.write(fmt.Sprintf("A/%02d.jpg", i), s)
	}
	a.sync()
	b.sync()
	for i := range 10 {
		if err := os.Remove(a.abs(fmt.Sprintf("A/%02d.jpg", i))); err != nil {
			t.Fatal(err)
		}
	}
	a.sync()
	sum, err := b.syncErr()
	if err != nil {
		t.Fatal(err)
	}
	if sum.Trashed != 0 || len(sum.Folders) != 1 || !strings.Contains(sum.Folders[0].Reason, "--confirm-removals") {
		t.Errorf("trashed %d, folder problems %v; want 0 and one pause naming --confirm-removals", sum.Trashed, sum.Folders)
	}
	if n := len(b.files()); n != len(samples) {
		t.Errorf("b has %d files while paused, want %d", n, len(samples))
	}
	if rec, _, _ := b.store.GetFolder(b.root); !rec.Paused || !strings.Contains(rec.PauseReason, "--confirm-removals") {
		t.Errorf("stored folder %+v, want paused with the reason", rec)
	}
	b.settings = func(o *Options) { o.Confirmed = true }
	if sum := b.sync(); sum.Trashed != 10 {
		t.Errorf("confirmed sync trashed %d, want 10", sum.Trashed)
	}
	if rec, _, _ := b.store.GetFolder(b.root); rec.Paused {
		t.Errorf("stored folder %+v is still paused after the confirmed sync", rec)
	}
	if diff := cmp.Diff(a.files(), b.files()); diff != "" {
		t.Errorf("files after the confirmed sync (-a +b):\n%s", diff)
	}
}

// TestRemoteAlbumRenameKeepsFolder checks that a remote rename is recorded
// and shown while the folder keeps its name.
func TestRemoteAlbumRenameKeepsFolder(t *testing.T) {
	h := newHarness(t)
	a, b := newInstall(t, h, "laptop"), newInstall(t, h, "nas")
	a.write("Trips/one.jpg", orientation(1))
	a.sync()
	b.sync()
	album := h.albums()["Trips"]
	_, err := a.client.PatchAlbum(t.Context(), api.Album{ID: album.ID, Title: "Voyages"}, photosapi.AlbumFieldTitle)
	if err != nil {
		t.Fatalf("rename album: %v", err)
	}
	sum := b.sync()
	if len(sum.AlbumsRenamed) != 1 {
		t.Errorf("renamed albums %q, want one", sum.AlbumsRenamed)
	}
	if !exists(b.root, "Trips/one.jpg") || exists(b.root, "Voyages") {
		t.Errorf("b's files after the rename: %q, want Trips/one.jpg only", b.files())
	}
	rec, _, err := b.store.GetAlbum(album.ID)
	if err != nil || rec.RemoteTitle != "Voyages" {
		t.Errorf("stored album %+v (%v), want RemoteTitle Voyages", rec, err)
	}
	if sum := b.sync(); len(sum.AlbumsRenamed) != 0 {
		t.Errorf("second sync reported renames %q again", sum.AlbumsRenamed)
	}
}

// TestLostStateAdopts checks that a sync after the state directory was lost
// adopts the local files: no duplicate item, no duplicate local file, and
// bytes sent again only for a file whose download differs (its location
// was stripped).
func TestLostStateAdopts(t *testing.T) {
	h := newHarness(t)
	a, b := newInstall(t, h, "laptop"), newInstall(t, h, "nas")
	a.write("Trips/one.jpg", orientation(1))
	a.write("root.jpg", orientation(2))
	b.write("Beach/two.jpg", orientation(3))
	b.write("GPS/canon.jpg", filepath.Join("Tricky", "canon_eos_gps.jpg"))
	a.sync()
	b.sync()
	a.sync()
	items, files := len(h.items()), b.files()

	b.loseState()
	before := h.requests()
	b.sync()
	after := h.requests()
	if n := len(h.items()); n != items {
		t.Errorf("emulator holds %d items after the adoption, want %d", n, items)
	}
	if diff := cmp.Diff(files, b.files()); diff != "" {
		t.Errorf("b's files after the adoption (-before +after):\n%s", diff)
	}
	canon, err := os.Stat(b.abs("GPS/canon.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	if got := after.UploadBytes - before.UploadBytes; got > canon.Size() {
		t.Errorf("adoption sent %d bytes, want at most %d (GPS/canon.jpg only)", got, canon.Size())
	}
	if n := len(h.albums()); n != 3 {
		t.Errorf("emulator holds %d albums, want 3", n)
	}
	for _, in := range []*install{a, b} {
		if sum := in.sync(); sum.Uploaded+sum.Downloaded+sum.Trashed != 0 {
			t.Errorf("sync after the adoption: uploaded %d, downloaded %d, trashed %d; want 0",
				sum.Uploaded, sum.Downloaded, sum.Trashed)
		}
	}
}

// TestRemoteMoveBetweenAlbums checks that an item moved from one album to
// another remotely leaves its old directory for the trash and appears in
// the new one.
func TestRemoteMoveBetweenAlbums(t *testing.T) {
	h := newHarness(t)
	a, b := newInstall(t, h, "laptop"), newInstall(t, h, "nas")
	a.write("From/one.jpg", orientation(1))
	a.write("To/two.jpg", orientation(2))
	a.sync()
	b.sync()
	if err := os.MkdirAll(a.abs("To"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(a.abs("From/one.jpg"), a.abs("To/one.jpg")); err != nil {
		t.Fatal(err)
	}
	a.sync()
	sum := b.sync()
	if sum.Trashed != 1 || sum.Downloaded != 1 {
		t.Errorf("trashed %d, downloaded %d; want 1 and 1", sum.Trashed, sum.Downloaded)
	}
	if diff := cmp.Diff(a.files(), b.files()); diff != "" {
		t.Errorf("files after the move (-a +b):\n%s", diff)
	}
}
