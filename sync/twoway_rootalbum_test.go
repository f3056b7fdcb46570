package sync

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// albumList returns the emulator's albums. Unlike albums, it accepts two
// albums of one title.
func (h *harness) albumList() []emuAlbum {
	var out struct{ Albums []emuAlbum }
	h.inspect("albums", &out)
	return out.Albums
}

// albumTitles returns the titles of the emulator's albums, with a count
// for each.
func (h *harness) albumTitles() map[string]int {
	titles := map[string]int{}
	for _, a := range h.albumList() {
		titles[a.Title]++
	}
	return titles
}

// TestRootAlbumComesDownToRoot syncs two installs whose folders have the
// same root_album: the root album of one comes down into the root of the
// other, and files added there on either side go into that one album.
func TestRootAlbumComesDownToRoot(t *testing.T) {
	h := newHarness(t)
	a, b := newInstall(t, h, "laptop"), newInstall(t, h, "nas")
	a.cfg.RootAlbum = "Family"
	b.cfg.RootAlbum = "Family"
	a.write("one.jpg", orientation(1))
	a.write("Trips/two.jpg", orientation(2))
	a.sync()

	if sum := b.sync(); sum.Downloaded != 2 {
		t.Errorf("b downloaded %d, want 2", sum.Downloaded)
	}
	if diff := cmp.Diff([]string{"Trips/two.jpg", "one.jpg"}, b.files()); diff != "" {
		t.Errorf("b's files (-want +got):\n%s", diff)
	}

	b.write("three.jpg", orientation(3))
	b.sync()
	if sum := a.sync(); sum.Downloaded != 1 {
		t.Errorf("a downloaded %d, want 1 (three.jpg)", sum.Downloaded)
	}
	want := []string{"Trips/two.jpg", "one.jpg", "three.jpg"}
	if diff := cmp.Diff(want, a.files()); diff != "" {
		t.Errorf("a's files (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, b.files()); diff != "" {
		t.Errorf("b's files (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]int{"Family": 1, "Trips": 1}, h.albumTitles()); diff != "" {
		t.Errorf("emulator's album titles (-want +got):\n%s", diff)
	}
	for _, album := range h.albumList() {
		if album.Title == "Family" && len(album.MediaItemIDs) != 2 {
			t.Errorf("album Family holds %d items, want 2 (one.jpg and three.jpg)", len(album.MediaItemIDs))
		}
	}
}

// TestRootAlbumNeedsSetting checks that an album titled like another
// install's root_album comes down as a sub-directory into a folder that has
// no root_album.
func TestRootAlbumNeedsSetting(t *testing.T) {
	h := newHarness(t)
	a, b := newInstall(t, h, "laptop"), newInstall(t, h, "nas")
	a.cfg.RootAlbum = "Family"
	a.write("one.jpg", orientation(1))
	a.sync()

	b.sync()
	if diff := cmp.Diff([]string{"Family/one.jpg"}, b.files()); diff != "" {
		t.Errorf("b's files (-want +got):\n%s", diff)
	}
}

// TestLostStateAdoptsRootAlbum checks that an install with root_album set
// that lost its state directory adopts its root files as the items of the
// root album, instead of downloading them again beside themselves.
func TestLostStateAdoptsRootAlbum(t *testing.T) {
	h := newHarness(t)
	a, b := newInstall(t, h, "laptop"), newInstall(t, h, "nas")
	a.cfg.RootAlbum = "Family"
	b.cfg.RootAlbum = "Family"
	a.write("one.jpg", orientation(1))
	a.write("Trips/two.jpg", orientation(2))
	a.sync()
	b.sync()
	items, files := len(h.items()), b.files()

	b.loseState()
	before := h.requests()
	sum := b.sync()
	if got := h.requests().UploadBytes - before.UploadBytes; got != 0 {
		t.Errorf("adoption sent %d bytes, want 0", got)
	}
	if sum.Downloaded != 0 {
		t.Errorf("sync after the lost state downloaded %d, want 0", sum.Downloaded)
	}
	if diff := cmp.Diff(files, b.files()); diff != "" {
		t.Errorf("b's files after the adoption (-before +after):\n%s", diff)
	}
	if n := len(h.items()); n != items {
		t.Errorf("emulator holds %d items after the adoption, want %d", n, items)
	}
	if diff := cmp.Diff(map[string]int{"Family": 1, "Trips": 1}, h.albumTitles()); diff != "" {
		t.Errorf("emulator's album titles (-want +got):\n%s", diff)
	}
}
