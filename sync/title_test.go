package sync

import (
	"path"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestShortenTitleKeepsShortTitles(t *testing.T) {
	for _, title := range []string{"Trips", "2024/Summer/Beach", strings.Repeat("x", maxTitleRunes)} {
		if got := shortenTitle(title); got != title {
			t.Errorf("shortenTitle(%.20q...) = %.20q..., want it unchanged", title, got)
		}
	}
}

func TestShortenTitleLongPaths(t *testing.T) {
	a, b, c := strings.Repeat("a", 200), strings.Repeat("b", 200), strings.Repeat("c", 200)
	tests := []struct {
		name     string
		title    string
		wantTail string
	}{
		{name: "three long components", title: a + "/" + b + "/" + c, wantTail: "/" + b + "/" + c},
		{name: "one component over the limit", title: strings.Repeat("d", 600), wantTail: strings.Repeat("d", 100)},
		{name: "multibyte characters", title: strings.Repeat("é", 300) + "/" + strings.Repeat("ü", 300), wantTail: "üüü"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := shortenTitle(tc.title)
			if n := utf8.RuneCountInString(got); n > maxTitleRunes {
				t.Errorf("title has %d characters, want at most %d", n, maxTitleRunes)
			}
			if !utf8.ValidString(got) {
				t.Errorf("title %q is not valid UTF-8", got)
			}
			if !strings.HasPrefix(got, "…") {
				t.Errorf("title %.30q does not start with an ellipsis", got)
			}
			body, _, ok := strings.Cut(got, " #")
			if !ok {
				t.Fatalf("title %q carries no hash", got)
			}
			if !strings.HasSuffix(body, tc.wantTail) {
				t.Errorf("title %q does not keep the path's end %.30q", got, tc.wantTail)
			}
			if again := shortenTitle(tc.title); again != got {
				t.Errorf("second call gave %q, want the same title %q", again, got)
			}
		})
	}
}

func TestShortenTitleDistinguishesSameEnding(t *testing.T) {
	end := "/" + strings.Repeat("b", 200) + "/" + strings.Repeat("c", 200)
	one := shortenTitle(strings.Repeat("a", 200) + end)
	two := shortenTitle(strings.Repeat("z", 200) + end)
	if one == two {
		t.Errorf("two long paths with the same end share the title %q", one)
	}
}

func TestSyncLongDirectoryNames(t *testing.T) {
	h := newHarness(t)
	root := t.TempDir()
	dir := path.Join(strings.Repeat("a", 200), strings.Repeat("b", 200), strings.Repeat("c", 200))
	writeFrom(t, root, dir+"/photo.jpg", orientation(1))
	want := map[string]string{dir + "/photo.jpg": shaOfFile(t, filepath.Join(root, filepath.FromSlash(dir), "photo.jpg"))}

	sum := h.sync(folderAt(root))
	if len(sum.Failed) != 0 || len(sum.Pending) != 0 {
		t.Fatalf("sync left failed %v and pending %v, want none", sum.Failed, sum.Pending)
	}
	bySHA := h.itemsBySHA()
	item, ok := bySHA[want[dir+"/photo.jpg"]]
	if !ok {
		t.Fatal("no item for the photo")
	}
	album, ok := h.albums()[shortenTitle(dir)]
	if !ok {
		t.Fatalf("no album titled %q", shortenTitle(dir))
	}
	if !hasString(album.MediaItemIDs, item.ID) {
		t.Errorf("item %s is not in the album of its directory", item.ID)
	}
	if again := h.sync(folderAt(root)); again.Uploaded != 0 || again.AlbumsCreated != 0 {
		t.Errorf("second sync uploaded %d and created %d albums, want 0 and 0", again.Uploaded, again.AlbumsCreated)
	}
}
