package sync

import (
	"context"
	gosync "sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// racingRemote is an install's client Remote that calls before once, just
// before the install's first album creation. A before that syncs another
// install lets that install create its album after this one listed the
// albums, as when two installs create one title at about the same moment.
type racingRemote struct {
	clientRemote
	before func()
	once   gosync.Once
}

func (r *racingRemote) CreateAlbum(ctx context.Context, title string) (string, error) {
	r.once.Do(r.before)
	return r.clientRemote.CreateAlbum(ctx, title)
}

// contents maps each file of the install's folder to its SHA-256.
func (in *install) contents() map[string]string {
	in.t.Helper()
	out := map[string]string{}
	for _, rel := range in.files() {
		out[rel] = shaOfFile(in.t, in.abs(rel))
	}
	return out
}

// TestSameTitleAlbumsStayApart has two installs create an album of one
// title before either has seen the other's. Both albums stay, each install
// keeps its own album in the plain directory and gets the other's in a
// directory suffixed with that album's id, and a third install puts the
// album with the smaller id in the plain directory. Repeated full polls
// change no name.
func TestSameTitleAlbumsStayApart(t *testing.T) {
	h := newHarness(t)
	a, b, c := newInstall(t, h, "laptop"), newInstall(t, h, "nas"), newInstall(t, h, "tablet")
	for _, in := range []*install{a, b, c} {
		in.settings = func(o *Options) { o.FullPollInterval = time.Nanosecond }
	}
	a.write("Trips/one.jpg", orientation(1))
	b.write("Trips/two.jpg", orientation(2))
	race := &racingRemote{clientRemote: NewRemote(b.client).(clientRemote), before: func() { a.sync() }}
	b.settings = func(o *Options) {
		o.FullPollInterval = time.Nanosecond
		o.Remote = race
	}
	b.sync()
	a.sync()
	c.sync()

	if diff := cmp.Diff(map[string]int{"Trips": 2}, h.albumTitles()); diff != "" {
		t.Fatalf("emulator's album titles (-want +got):\n%s", diff)
	}
	items := h.itemsBySHA()
	albumOf := func(in *install, rel string) string {
		t.Helper()
		it, ok := items[shaOfFile(t, in.abs(rel))]
		if !ok || len(it.AlbumIDs) != 1 {
			t.Fatalf("item of %s: %+v, want one item in one album", rel, it)
		}
		return it.AlbumIDs[0]
	}
	albumA, albumB := albumOf(a, "Trips/one.jpg"), albumOf(b, "Trips/two.jpg")
	if albumA == albumB {
		t.Fatalf("both files are in album %s, want two albums", albumA)
	}

	wantA := []string{"Trips/one.jpg", WithSuffix("Trips", albumB) + "/two.jpg"}
	if diff := cmp.Diff(wantA, a.files()); diff != "" {
		t.Errorf("a's files (-want +got):\n%s", diff)
	}
	wantB := []string{"Trips/two.jpg", WithSuffix("Trips", albumA) + "/one.jpg"}
	if diff := cmp.Diff(wantB, b.files()); diff != "" {
		t.Errorf("b's files (-want +got):\n%s", diff)
	}
	wantC := []string{"Trips/one.jpg", WithSuffix("Trips", albumB) + "/two.jpg"}
	if albumB < albumA {
		wantC = []string{"Trips/two.jpg", WithSuffix("Trips", albumA) + "/one.jpg"}
	}
	if diff := cmp.Diff(wantC, c.files()); diff != "" {
		t.Errorf("c's files (-want +got):\n%s", diff)
	}

	before := map[*install]map[string]string{a: a.contents(), b: b.contents(), c: c.contents()}
	for round := range 3 {
		for _, in := range []*install{a, b, c} {
			sum := in.sync()
			if sum.Uploaded+sum.Downloaded+sum.Trashed+sum.Removed != 0 {
				t.Errorf("round %d, sync of %s: uploaded %d, downloaded %d, trashed %d, removed %d; want 0",
					round, in.root, sum.Uploaded, sum.Downloaded, sum.Trashed, sum.Removed)
			}
			if diff := cmp.Diff(before[in], in.contents()); diff != "" {
				t.Errorf("round %d, files of %s changed (-before +after):\n%s", round, in.root, diff)
			}
		}
	}
	if diff := cmp.Diff(map[string]int{"Trips": 2}, h.albumTitles()); diff != "" {
		t.Errorf("emulator's album titles after the repeated polls (-want +got):\n%s", diff)
	}
}
