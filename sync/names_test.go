package sync

import (
	"bytes"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/photosync/photosync/photosapi/api"
)

// checkSafePart fails the test unless part is a safe local name.
func checkSafePart(t *testing.T, part string) {
	t.Helper()
	switch {
	case part == "", part == ".", part == "..":
		t.Errorf("unsafe part %q", part)
	case len(part) > maxNameBytes:
		t.Errorf("part of %d bytes: %q", len(part), part)
	case !utf8.ValidString(part):
		t.Errorf("part is not UTF-8: %q", part)
	case strings.ContainsAny(part, "/\\\x00"):
		t.Errorf("part has a separator or NUL: %q", part)
	case strings.HasSuffix(part, ".") || strings.HasSuffix(part, " "):
		t.Errorf("part ends in a dot or space: %q", part)
	case strings.HasPrefix(part, MetaDir):
		t.Errorf("part clashes with the metadata directory: %q", part)
	}
	for _, r := range part {
		if unicode.IsControl(r) {
			t.Errorf("part has a control character: %q", part)
		}
	}
}

func TestSafeName(t *testing.T) {
	long := strings.Repeat("é", 200) + ".jpeg"
	for _, tc := range []struct {
		name, in, want string
	}{
		{"plain", "IMG_1.jpg", "IMG_1.jpg"},
		{"unicode", "Café – 東京 #1.jpg", "Café – 東京 #1.jpg"},
		{"separators", `a/b\c.jpg`, "a_b_c.jpg"},
		{"control", "a\nb\x00c.jpg", "a_b_c.jpg"},
		{"trailing dots", "photo.jpg. . ", "photo.jpg"},
		{"dot dot", "..", WithSuffix(fallbackName, "id")},
		{"empty", "", WithSuffix(fallbackName, "id")},
		{"metadata dir", ".photosync", "_.photosync"},
		{"temporary", ".photosync-tmp-1", "_.photosync-tmp-1"},
		{"long", long, WithSuffix(long, "id")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := SafeName(tc.in, "id")
			if got != tc.want {
				t.Errorf("SafeName(%q) = %q, want %q", tc.in, got, tc.want)
			}
			checkSafePart(t, got)
		})
	}
}

func TestWithSuffixKeepsExtension(t *testing.T) {
	long := strings.Repeat("界", 100) + ".jpeg"
	got := WithSuffix(long, "item-1")
	if !strings.HasSuffix(got, ".jpeg") || len(got) > maxNameBytes || !utf8.ValidString(got) {
		t.Errorf("WithSuffix(%d bytes) = %q (%d bytes)", len(long), got, len(got))
	}
	if WithSuffix(long, "item-1") != got {
		t.Error("WithSuffix is not deterministic")
	}
	if WithSuffix(long, "item-2") == got {
		t.Error("two ids give the same suffix")
	}
}

func TestNameKeyFoldsCaseAndNormalization(t *testing.T) {
	for _, tc := range []struct{ name, a, b string }{
		{"case", "IMG.JPG", "img.jpg"},
		{"sharp s", "Straße", "STRASSE"},
		{"nfd", "Cafe\u0301", "Caf\u00e9"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if NameKey(tc.a) != NameKey(tc.b) {
				t.Errorf("NameKey(%q) = %q, NameKey(%q) = %q; want equal", tc.a, NameKey(tc.a), tc.b, NameKey(tc.b))
			}
		})
	}
}

func TestAlbumDir(t *testing.T) {
	for _, tc := range []struct{ name, title, want string }{
		{"nested", "Trips/2024", "Trips/2024"},
		{"empty parts", "/Trips//2024/", "Trips/2024"},
		{"dot dot", "../../etc", WithSuffix(fallbackName, "alb") + "/" + WithSuffix(fallbackName, "alb") + "/etc"},
		{"blank", " / ", WithSuffix("album", "alb")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := AlbumDir(tc.title, "alb"); got != tc.want {
				t.Errorf("AlbumDir(%q) = %q, want %q", tc.title, got, tc.want)
			}
		})
	}
}

func FuzzAlbumDir(f *testing.F) {
	for _, s := range []string{"Trips/2024", "../..", "a\x00b", strings.Repeat("ü", 300), "x/./y", " . / .. /"} {
		f.Add(s, "id")
	}
	f.Fuzz(func(t *testing.T, title, id string) {
		dir := AlbumDir(title, id)
		for _, part := range strings.Split(dir, "/") {
			checkSafePart(t, part)
		}
		if !insideRoot("/root", dir) {
			t.Errorf("AlbumDir(%q) = %q leaves the root", title, dir)
		}
		if AlbumDir(title, id) != dir {
			t.Error("AlbumDir is not deterministic")
		}
		name := SafeName(title, id)
		checkSafePart(t, name)
		if !insideRoot("/root", path.Join(dir, name)) {
			t.Errorf("file name %q leaves the root", name)
		}
	})
}

// createRemote uploads the sample file with the given name into album
// albumID through the client, as another install would.
func (in *install) createRemote(sample, fileName, albumID string) {
	in.t.Helper()
	data, err := os.ReadFile(filepath.Join(repoMedia(in.t), sample))
	if err != nil {
		in.t.Fatal(err)
	}
	ctx := in.t.Context()
	token, err := in.client.UploadRaw(ctx, bytes.NewReader(data), int64(len(data)), "upload.jpg", "image/jpeg")
	if err != nil {
		in.t.Fatalf("upload %s: %v", sample, err)
	}
	res, err := in.client.BatchCreate(ctx, api.BatchCreateMediaItemsRequest{AlbumID: albumID,
		NewMediaItems: []api.NewMediaItem{{SimpleMediaItem: &api.SimpleMediaItem{UploadToken: token, FileName: fileName}}}})
	if err != nil || res[0].Err() != nil {
		in.t.Fatalf("create %q: %v %v", fileName, err, res)
	}
}

func TestHostileRemoteNames(t *testing.T) {
	h := newHarness(t)
	writer, b := newInstall(t, h, "writer"), newInstall(t, h, "nas")
	album := func(title string) string {
		a, err := writer.client.CreateAlbum(t.Context(), title)
		if err != nil {
			t.Fatalf("create album %q: %v", title, err)
		}
		return a.ID
	}
	trips := album("Trips/2024")
	escape := album("../../escape")
	newline := album("line\nbreak 😀")
	long := album(strings.Repeat("é", 500))
	upper, lower := album("Straße"), album("STRASSE")
	nfc, nfd := album("Caf\u00e9"), album("Cafe\u0301")

	samples := []string{orientation(1), orientation(2), orientation(3), orientation(4),
		orientation(5), orientation(6), orientation(7), orientation(8),
		"Camera Roll/IMG_1811.JPG", "Camera Roll/portrait.jpg", "Tricky/no_exif.jpg"}
	writer.createRemote(samples[0], "..", trips)
	writer.createRemote(samples[1], "IMG.JPG", trips)
	writer.createRemote(samples[2], "img.jpg", trips)
	writer.createRemote(samples[3], strings.Repeat("ñ", 200)+".jpg", escape)
	writer.createRemote(samples[4], "a\x01b.jpg", newline)
	writer.createRemote(samples[5], "x.jpg", long)
	writer.createRemote(samples[6], "y.jpg", upper)
	writer.createRemote(samples[7], "z.jpg", lower)
	writer.createRemote(samples[8], "Caf\u00e9.jpg", nfc)
	writer.createRemote(samples[9], "Cafe\u0301.jpg", nfd)
	writer.createRemote(samples[10], ".photosync", "")

	sum := b.sync()
	if sum.Downloaded != len(samples) {
		t.Fatalf("downloaded %d, want %d", sum.Downloaded, len(samples))
	}
	first := b.files()
	keys := map[string]string{}
	for _, rel := range first {
		for _, part := range strings.Split(rel, "/") {
			checkSafePart(t, part)
		}
		dir, name := path.Split(rel)
		key := NameKey(dir) + "|" + NameKey(name)
		if prev, dup := keys[key]; dup {
			t.Errorf("%q and %q are one file on a case-insensitive file system", prev, rel)
		}
		keys[key] = rel
	}
	if len(first) != len(samples) {
		t.Errorf("b has %d files, want %d: %q", len(first), len(samples), first)
	}
	parent := filepath.Dir(b.root)
	if _, err := os.Stat(filepath.Join(parent, "escape")); err == nil {
		t.Error("an album title created a directory outside the folder")
	}

	// Names are stable across polls and across a restart with the same store.
	for range 2 {
		if sum := b.sync(); sum.Downloaded != 0 {
			t.Errorf("a later sync downloaded %d, want 0", sum.Downloaded)
		}
	}
	b.store.Close()
	b.openStore()
	b.sync()
	if got := b.files(); strings.Join(got, "\n") != strings.Join(first, "\n") {
		t.Errorf("names changed across syncs:\nbefore %q\nafter  %q", first, got)
	}
}

// TestDownloadRefusesSymlinkedParent checks that an album whose directory
// is a symbolic link out of the folder receives nothing.
func TestDownloadRefusesSymlinkedParent(t *testing.T) {
	h := newHarness(t)
	a, b := newInstall(t, h, "laptop"), newInstall(t, h, "nas")
	a.write("Linked/one.jpg", orientation(1))
	a.sync()
	outside := t.TempDir()
	if err := os.MkdirAll(filepath.Join(b.root, MetaDir), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, b.abs("Linked")); err != nil {
		t.Fatal(err)
	}
	sum, err := b.syncErr()
	if err != nil {
		t.Fatalf("sync: %v", err)
	}
	if sum.Downloaded != 0 || len(sum.Pending) != 1 || !strings.Contains(sum.Pending[0].Reason, "symbolic link") {
		t.Errorf("downloaded %d, pending %v; want 0 and one naming the symbolic link", sum.Downloaded, sum.Pending)
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 0 {
		t.Errorf("the download wrote %d entries outside the folder", len(entries))
	}
}
