package sync

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"testing"

	"github.com/photosync/photosync/internal/media"
	"github.com/photosync/photosync/state"
)

// sampleFile is a file of the sample media with what the sync should do
// with it.
type sampleFile struct {
	rel       string
	sha       string
	supported bool
}

// sampleFiles lists the files of a copy of the sample media. It decides
// support with the media package's detection and size limits, and skips the
// metadata directory.
func sampleFiles(t *testing.T, root string) []sampleFile {
	t.Helper()
	var files []sampleFile
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == MetaDir {
			return filepath.SkipDir
		}
		if d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		info, err := d.Info()
		if err != nil {
			return err
		}
		format, err := media.DetectFile(p)
		if err != nil {
			return err
		}
		ok := info.Size() > 0 && format.Supported() && media.CheckSize(format, info.Size()) == nil
		files = append(files, sampleFile{rel: filepath.ToSlash(rel), sha: shaOfFile(t, p), supported: ok})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestSyncSampleMedia(t *testing.T) {
	h := newHarness(t)
	root := filepath.Join(t.TempDir(), "Photos")
	copyTree(t, repoMedia(t), root)
	files := sampleFiles(t, root)

	sum := h.sync(folderAt(root))

	bySHA := h.itemsBySHA()
	albums := h.albums()
	want := map[string]bool{}
	var unsupported int
	for _, f := range files {
		if !f.supported {
			unsupported++
			continue
		}
		want[f.sha] = true
		item, ok := bySHA[f.sha]
		if !ok {
			t.Errorf("%s: no media item with its content", f.rel)
			continue
		}
		dir := path.Dir(f.rel)
		if dir == "." {
			if len(item.AlbumIDs) != 0 {
				t.Errorf("%s: root file is in albums %v, want none", f.rel, item.AlbumIDs)
			}
			continue
		}
		album, ok := albums[dir]
		if !ok {
			t.Errorf("%s: no album titled %q", f.rel, dir)
			continue
		}
		if !hasString(album.MediaItemIDs, item.ID) {
			t.Errorf("%s: item %s is not in album %q", f.rel, item.ID, dir)
		}
	}
	if len(bySHA) != len(want) {
		t.Errorf("emulator has %d items, want %d (one per distinct supported content)", len(bySHA), len(want))
	}
	if sum.Uploaded != len(want) {
		t.Errorf("summary uploaded = %d, want %d", sum.Uploaded, len(want))
	}
	if sum.skippedCount() < unsupported {
		t.Errorf("summary skipped = %d, want at least the %d unsupported or empty files", sum.skippedCount(), unsupported)
	}
	if got := sum.Skipped["empty"]; len(got) != 1 || path.Base(got[0]) != "empty.jpg" {
		t.Errorf("skipped as empty = %v, want Tricky/empty.jpg", got)
	}
	if len(sum.Failed)+len(sum.Pending) != 0 {
		t.Errorf("failures after first sync:\n%s%s", joinProblems(sum.Failed), joinProblems(sum.Pending))
	}
	for _, name := range []string{"IMG_0001.JPG", "canon_eos_gps.jpg", "duplicate_of_canon.jpg"} {
		sha := shaOfFile(t, filepath.Join(root, "Tricky", name))
		if _, ok := bySHA[sha]; !ok {
			t.Errorf("Tricky/%s has no item", name)
		}
	}

	before := h.requests()
	again := h.sync(folderAt(root))
	after := h.requests()
	if again.Uploaded != 0 {
		t.Errorf("second sync uploaded %d files, want 0", again.Uploaded)
	}
	if n := after.Total - before.Total; n > 2 {
		t.Errorf("second sync made %d requests (%v before, %v after), want at most 2", n, before.ByMethod, after.ByMethod)
	}
	if again.AlreadyPresent != len(files)-unsupported {
		t.Errorf("second sync already present = %d, want %d", again.AlreadyPresent, len(files)-unsupported)
	}
}

func TestSyncFileNamesKept(t *testing.T) {
	h := newHarness(t)
	root := t.TempDir()
	writeFrom(t, root, "Trip/Café – 東京 #1.jpg", "Tricky/Café – 東京 #1.jpg")
	h.sync(folderAt(root))
	items := h.items()
	if len(items) != 1 {
		t.Fatalf("emulator has %d items, want 1", len(items))
	}
	if items[0].Filename != "Café – 東京 #1.jpg" {
		t.Errorf("item file name = %q, want %q", items[0].Filename, "Café – 東京 #1.jpg")
	}
}

func TestSyncMissingMarkerStopsFolder(t *testing.T) {
	h := newHarness(t)
	root := t.TempDir()
	writeFrom(t, root, "A/one.jpg", "Orientation/f1-exif.jpg")
	writeFrom(t, root, "A/two.jpg", "Orientation/f2-exif.jpg")
	h.sync(folderAt(root))

	if err := os.RemoveAll(filepath.Join(root, MetaDir)); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(root, "A", "one.jpg")); err != nil {
		t.Fatal(err)
	}
	sum := h.sync(folderAt(root))
	if len(sum.Folders) != 1 {
		t.Fatalf("folder problems = %v, want one for the missing marker", sum.Folders)
	}
	album := h.albums()["A"]
	if len(album.MediaItemIDs) != 2 {
		t.Errorf("album A has %d items after a sync without marker, want 2", len(album.MediaItemIDs))
	}
	if _, err := os.Stat(MarkerPath(root)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("marker recreated for a known folder (stat error %v)", err)
	}
}

func TestSyncDryRunChangesNothing(t *testing.T) {
	h := newHarness(t)
	root := t.TempDir()
	writeFrom(t, root, "A/one.jpg", "Orientation/f1-exif.jpg")
	h.settings = func(o *Options) { o.DryRun = true }
	sum := h.sync(folderAt(root))
	plan := sum.Plans[root]
	if plan == nil || plan.Count(OpUpload) != 1 {
		t.Fatalf("dry-run plan = %+v, want one upload", plan)
	}
	if n := h.requests().Total; n != 0 {
		t.Errorf("dry run made %d requests, want 0", n)
	}
	if _, err := os.Stat(filepath.Join(root, MetaDir)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("dry run created %s (stat error %v)", MetaDir, err)
	}
	err := h.store.View(func(tx *state.Tx) error {
		_, ok, err := tx.GetFolder(root)
		if ok {
			t.Errorf("dry run recorded folder %s", root)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
