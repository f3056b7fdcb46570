package scan

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/photosync/photosync/internal/media"
)

func TestScanSampleMedia(t *testing.T) {
	root := t.TempDir()
	copyTree(t, sampleMedia, root)

	res := mustScan(t, Options{Root: root, HashWorkers: 3}, nil)

	jpeg := entryOf("image/jpeg")
	want := map[string]outcome{
		"README.md":                              skipOf(Unsupported),
		"licenses/goexif-BSD-2-Clause.txt":       skipOf(Unsupported),
		"licenses/imagemeta-MIT.txt":             skipOf(Unsupported),
		"licenses/mimetype-debian-copyright.txt": skipOf(Unsupported),

		"Camera Roll/2003 Beijing/DSC_0001.jpg":     jpeg,
		"Camera Roll/GOPR0042.JPG":                  jpeg,
		"Camera Roll/IMG_1811.JPG":                  jpeg,
		"Camera Roll/Phone/IMG_20140426_190919.jpg": jpeg,
		"Camera Roll/Phone/IMG_4401.jpg":            jpeg,
		"Camera Roll/Phone/sunset.avif":             entryOf("image/avif"),
		"Camera Roll/RAW/CRW_0001.CRW":              entryOf("image/x-canon-crw"),
		"Camera Roll/RAW/CRW_0001.xmp":              skipOf(Unsupported),
		"Camera Roll/portrait.jpg":                  jpeg,
		"Tricky/Café – 東京 #1.jpg":                   jpeg,
		"Tricky/IMG_0001.JPG":                       jpeg,
		"Tricky/animated.gif":                       entryOf("image/gif"),
		"Tricky/canon_eos_gps.jpg":                  jpeg,
		"Tricky/canon_eos_gps.webp":                 entryOf("image/webp"),
		"Tricky/clip.mov":                           entryOf("video/quicktime"),
		"Tricky/clip.mp4":                           entryOf("video/mp4"),
		"Tricky/duplicate_of_canon.jpg":             jpeg,
		"Tricky/empty.jpg":                          skipOf(Empty),
		"Tricky/exif_no_date.jpg":                   jpeg,
		"Tricky/future_date.jpg":                    jpeg,
		"Tricky/gps_null_island.jpg":                jpeg,
		"Tricky/huge_tag_exif.jpg":                  jpeg,
		"Tricky/infinite_loop_exif.jpg":             jpeg,
		"Tricky/iphone.heic":                        entryOf("image/heic"),
		"Tricky/iphone_sw.jpg":                      jpeg,
		"Tricky/max_uint32_exif.jpg":                jpeg,
		"Tricky/no_exif.jpg":                        jpeg,
		"Tricky/png_named_as.jpg":                   entryOf("image/png"),
		"Tricky/screenshot.png":                     entryOf("image/png"),
		"Tricky/truncated.jpg":                      jpeg,
		"Videos/clip-2010.mp4":                      entryOf("video/mp4"),
		"Videos/clip.mov":                           entryOf("video/quicktime"),
		"Videos/old-phone.3gp":                      entryOf("video/3gpp"),
	}
	for i := 1; i <= 8; i++ {
		want["Orientation/f"+string(rune('0'+i))+"-exif.jpg"] = jpeg
	}
	for _, name := range []string{
		"2004-01-11-22-45-15-sep-2004-01-11-22-45-15a.jpg",
		"2006-12-21-15-55-26-sep-2006-12-21-15-55-26a.jpg",
		"2007-05-12-08-19-07-sep-2007-05-12-08-19-07a.jpg",
		"2007-07-13-17-02-30-sep-2007-07-13-17-02-30a.jpg",
		"2008-06-06-13-29-29-sep-2008-06-06-13-29-29a.jpg",
		"2009-04-23-07-21-35-sep-2009-04-23-07-21-35a.jpg",
		"2010-06-20-20-07-39-sep-2010-06-20-20-07-39a.jpg",
		"2011-08-07-19-22-57-sep-2011-08-07-19-22-57a.jpg",
		"2012-09-21-22-07-34-sep-2012-09-21-22-07-34.jpg",
		"2216-11-15-11-46-51-sep-2216-11-15-11-46-51a.jpg",
	} {
		want["Tricky/exif-only/"+name] = jpeg
	}
	checkOutcomes(t, res, want)

	wantDirs := []string{"", "Camera Roll", "Camera Roll/2003 Beijing", "Camera Roll/Phone",
		"Camera Roll/RAW", "Orientation", "Tricky", "Tricky/exif-only", "Videos", "licenses"}
	if diff := cmp.Diff(wantDirs, res.Dirs); diff != "" {
		t.Errorf("Dirs (-want +got):\n%s", diff)
	}
}

func TestScanWorkerCountSameResult(t *testing.T) {
	root := t.TempDir()
	copyTree(t, sampleMedia, root)

	one := mustScan(t, Options{Root: root, HashWorkers: 1, walkWorkers: 1}, nil)
	many := mustScan(t, Options{Root: root, HashWorkers: 8, walkWorkers: 8}, nil)

	if diff := cmp.Diff(one, many); diff != "" {
		t.Errorf("result with 8 workers differs from 1 worker (-one +many):\n%s", diff)
	}
}

func TestScanEntryFields(t *testing.T) {
	root := t.TempDir()
	data := sampleBytes(t, "Tricky/png_named_as.jpg")
	path := writeFile(t, root, "a/shot.jpg", data)
	mtime := time.Date(2021, 6, 1, 12, 30, 15, 123456789, time.UTC)
	if err := os.Chtimes(path, mtime, mtime); err != nil {
		t.Fatal(err)
	}

	res := mustScan(t, Options{Root: root}, nil)

	sum := sha256.Sum256(data)
	want := []Entry{{
		Path:    "a/shot.jpg",
		Size:    int64(len(data)),
		ModTime: mtime,
		SHA256:  hex.EncodeToString(sum[:]),
		Format:  media.Detect(data),
		Hashed:  true,
	}}
	if diff := cmp.Diff(want, res.Entries, cmpopts.EquateApproxTime(0)); diff != "" {
		t.Errorf("Entries (-want +got):\n%s", diff)
	}
	if res.HashedFiles != 1 {
		t.Errorf("HashedFiles = %d, want 1", res.HashedFiles)
	}
	if res.HashedBytes != int64(len(data)) {
		t.Errorf("HashedBytes = %d, want %d", res.HashedBytes, len(data))
	}
}

// TestScanHashAtReadBoundaries checks the digest and the byte count of
// files around the sizes where examine changes how it reads: the sniffed
// head, one read for a small file, and the read buffer.
func TestScanHashAtReadBoundaries(t *testing.T) {
	root := t.TempDir()
	jpeg := jpegBytes(t)
	sizes := []int{
		len(jpeg),
		media.SniffLen - 1, media.SniffLen, media.SniffLen + 1,
		wholeReadMax - 1, wholeReadMax, wholeReadMax + 1,
		hashBufferSize - 1, hashBufferSize, hashBufferSize + 1,
		2*hashBufferSize + media.SniffLen,
	}
	want := map[string]string{}
	var total int64
	for i, size := range sizes {
		// A JPEG is recognized by its first bytes, so any tail keeps it
		// supported.
		data := make([]byte, size)
		copy(data, jpeg)
		for j := len(jpeg); j < size; j++ {
			data[j] = byte(j*7 + i)
		}
		rel := fmt.Sprintf("size-%d.jpg", size)
		writeFile(t, root, rel, data)
		sum := sha256.Sum256(data)
		want[rel] = hex.EncodeToString(sum[:])
		total += int64(size)
	}

	res := mustScan(t, Options{Root: root}, nil)

	got := map[string]string{}
	for _, e := range res.Entries {
		got[e.Path] = e.SHA256
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("SHA256 by path (-want +got):\n%s", diff)
	}
	if res.HashedBytes != total {
		t.Errorf("HashedBytes = %d, want %d", res.HashedBytes, total)
	}
	if len(res.Skipped) != 0 {
		t.Errorf("Skipped = %v, want none", res.Skipped)
	}
}

func TestScanIncludeExclude(t *testing.T) {
	root := t.TempDir()
	jpeg := jpegBytes(t)
	for _, rel := range []string{
		"top.jpg",
		"Trips/2024/a.jpg",
		"Trips/2024/raw/b.jpg",
		"Trips/2023/c.jpg",
		"Private/d.jpg",
		"Private/deep/e.jpg",
		"Work/f.jpg",
		"Work/notes/g.jpg",
	} {
		writeFile(t, root, rel, jpeg)
	}

	tests := []struct {
		name             string
		include, exclude []string
		want             []string
	}{{
		name: "everything",
		want: []string{"Private/d.jpg", "Private/deep/e.jpg", "Trips/2023/c.jpg",
			"Trips/2024/a.jpg", "Trips/2024/raw/b.jpg", "Work/f.jpg", "Work/notes/g.jpg", "top.jpg"},
	}, {
		name:    "exclude directory by name",
		exclude: []string{"Private"},
		want: []string{"Trips/2023/c.jpg", "Trips/2024/a.jpg", "Trips/2024/raw/b.jpg",
			"Work/f.jpg", "Work/notes/g.jpg", "top.jpg"},
	}, {
		name:    "exclude directory contents",
		exclude: []string{"Private/**"},
		want: []string{"Trips/2023/c.jpg", "Trips/2024/a.jpg", "Trips/2024/raw/b.jpg",
			"Work/f.jpg", "Work/notes/g.jpg", "top.jpg"},
	}, {
		name:    "exclude at any depth",
		exclude: []string{"**/raw", "**/notes/**"},
		want: []string{"Private/d.jpg", "Private/deep/e.jpg", "Trips/2023/c.jpg",
			"Trips/2024/a.jpg", "Work/f.jpg", "top.jpg"},
	}, {
		name:    "include subtree",
		include: []string{"Trips/**"},
		want:    []string{"Trips/2023/c.jpg", "Trips/2024/a.jpg", "Trips/2024/raw/b.jpg"},
	}, {
		name:    "include directory by name",
		include: []string{"Work"},
		want:    []string{"Work/f.jpg", "Work/notes/g.jpg"},
	}, {
		name:    "include one level of files",
		include: []string{"Trips/*/*.jpg"},
		want:    []string{"Trips/2023/c.jpg", "Trips/2024/a.jpg"},
	}, {
		name:    "include with braces",
		include: []string{"{top,Work/f}.jpg"},
		want:    []string{"Work/f.jpg", "top.jpg"},
	}, {
		name:    "include then exclude",
		include: []string{"Trips/**"},
		exclude: []string{"Trips/2024/**"},
		want:    []string{"Trips/2023/c.jpg"},
	}, {
		name:    "exclude wins over include",
		include: []string{"Private/**"},
		exclude: []string{"**/deep"},
		want:    []string{"Private/d.jpg"},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := mustScan(t, Options{Root: root, Include: tc.include, Exclude: tc.exclude}, nil)
			if diff := cmp.Diff(tc.want, paths(res)); diff != "" {
				t.Errorf("entries (-want +got):\n%s", diff)
			}
			if len(res.Skipped) != 0 {
				t.Errorf("Skipped = %+v, want none", res.Skipped)
			}
		})
	}
}

func TestScanExcludedDirNotListed(t *testing.T) {
	root := t.TempDir()
	writeFile(t, root, "keep/a.jpg", jpegBytes(t))
	writeFile(t, root, "skip/b.jpg", jpegBytes(t))

	res := mustScan(t, Options{Root: root, Exclude: []string{"skip"}}, nil)

	if diff := cmp.Diff([]string{"", "keep"}, res.Dirs); diff != "" {
		t.Errorf("Dirs (-want +got):\n%s", diff)
	}
}

func TestScanRejectsBadPattern(t *testing.T) {
	root := t.TempDir()
	tests := []struct {
		name             string
		include, exclude []string
		wantInMessage    string
	}{
		{name: "unclosed bracket", include: []string{"a/[b"}, wantInMessage: `include pattern "a/[b"`},
		{name: "unclosed brace", exclude: []string{"{a,b"}, wantInMessage: `exclude pattern "{a,b"`},
		{name: "absolute", exclude: []string{"/abs/*"}, wantInMessage: "leading '/'"},
		{name: "empty", include: []string{""}, wantInMessage: "pattern is empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Scan(t.Context(), Options{Root: root, Include: tc.include, Exclude: tc.exclude}, nil)
			if err == nil {
				t.Fatal("Scan returned no error")
			}
			if !strings.Contains(err.Error(), tc.wantInMessage) {
				t.Errorf("error %q does not contain %q", err, tc.wantInMessage)
			}
		})
	}
}

func TestScanIgnoresHiddenAndTemp(t *testing.T) {
	root := t.TempDir()
	jpeg := jpegBytes(t)
	for _, rel := range []string{
		".photosync/folder.json",
		".photosync/trash/2026-01-01/a.jpg",
		".photosync-tmp-12345",
		"album/.photosync-tmp-abc",
		".hidden.jpg",
		".hiddendir/x.jpg",
		"album/.DS_Store",
		"album/a.jpg.tmp",
		"album/b.JPG.TMP",
		"album/c.jpg.part",
		"album/d.jpg.crdownload",
		"album/e.jpg.download/f.jpg",
		"album/~$report.docx",
		"album/.g.jpg.swp",
		"album/h.swp",
	} {
		writeFile(t, root, rel, jpeg)
	}
	writeFile(t, root, "album/kept.jpg", jpeg)
	writeFile(t, root, "album/tmp.jpg", jpeg)
	writeFile(t, root, "album/part", jpeg)

	res := mustScan(t, Options{Root: root}, nil)

	want := []string{"album/kept.jpg", "album/part", "album/tmp.jpg"}
	if diff := cmp.Diff(want, paths(res)); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
	if len(res.Skipped) != 0 {
		t.Errorf("Skipped = %+v, want none", res.Skipped)
	}
	if diff := cmp.Diff([]string{"", "album"}, res.Dirs); diff != "" {
		t.Errorf("Dirs (-want +got):\n%s", diff)
	}
}

func TestScanUnicodeAndLongNames(t *testing.T) {
	root := t.TempDir()
	jpeg := jpegBytes(t)
	nfc := "caf\u00e9.jpg"
	nfd := "cafe\u0301.jpg"
	invalid := "bad-\xff\xfe-name.jpg"
	long := strings.Repeat("x", 251) + ".jpg"
	if len(long) != 255 {
		t.Fatalf("long name has %d bytes, want 255", len(long))
	}
	for _, name := range []string{nfc, nfd, invalid, long} {
		writeFile(t, root, "dir/"+name, jpeg)
	}

	res := mustScan(t, Options{Root: root}, nil)

	want := []string{"dir/" + nfc, "dir/" + nfd, "dir/" + invalid, "dir/" + long}
	slices.Sort(want)
	if diff := cmp.Diff(want, paths(res)); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
	for _, e := range res.Entries {
		if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(e.Path))); err != nil {
			t.Errorf("entry path %q does not name a file: %v", e.Path, err)
		}
	}
}

func TestScanRescanHashesNothing(t *testing.T) {
	root := t.TempDir()
	copyTree(t, sampleMedia, root)
	first := mustScan(t, Options{Root: root}, nil)
	if first.HashedFiles != len(first.Entries) {
		t.Fatalf("first scan hashed %d files, want %d", first.HashedFiles, len(first.Entries))
	}

	second := mustScan(t, Options{Root: root}, previousFrom(first))

	if second.HashedFiles != 0 {
		t.Errorf("HashedFiles = %d, want 0", second.HashedFiles)
	}
	if second.HashedBytes != 0 {
		t.Errorf("HashedBytes = %d, want 0", second.HashedBytes)
	}
	want := slices.Clone(first.Entries)
	for i := range want {
		want[i].Hashed = false
		want[i].Format = media.Format{}
	}
	if diff := cmp.Diff(want, second.Entries); diff != "" {
		t.Errorf("Entries (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(first.Skipped, second.Skipped); diff != "" {
		t.Errorf("Skipped (-first +second):\n%s", diff)
	}
}

func TestScanRescanHashesChanged(t *testing.T) {
	root := t.TempDir()
	jpeg := jpegBytes(t)
	writeFile(t, root, "same.jpg", jpeg)
	changed := writeFile(t, root, "changed.jpg", jpeg)
	touched := writeFile(t, root, "touched.jpg", jpeg)
	first := mustScan(t, Options{Root: root}, nil)

	if err := os.WriteFile(changed, append(slices.Clone(jpeg), 0), 0o644); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(touched, later, later); err != nil {
		t.Fatal(err)
	}
	writeFile(t, root, "new.jpg", jpeg)
	second := mustScan(t, Options{Root: root}, previousFrom(first))

	hashed := map[string]bool{}
	for _, e := range second.Entries {
		hashed[e.Path] = e.Hashed
	}
	want := map[string]bool{"same.jpg": false, "changed.jpg": true, "touched.jpg": true, "new.jpg": true}
	if diff := cmp.Diff(want, hashed); diff != "" {
		t.Errorf("Hashed by path (-want +got):\n%s", diff)
	}
	if second.HashedFiles != 3 {
		t.Errorf("HashedFiles = %d, want 3", second.HashedFiles)
	}
}

func TestScanPreviousWithoutHash(t *testing.T) {
	root := t.TempDir()
	path := writeFile(t, root, "a.jpg", jpegBytes(t))
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	prev := func(string) (int64, time.Time, string, bool) {
		return info.Size(), info.ModTime(), "", true
	}

	res := mustScan(t, Options{Root: root}, prev)

	if len(res.Entries) != 1 || !res.Entries[0].Hashed {
		t.Errorf("Entries = %+v, want a.jpg hashed", res.Entries)
	}
}

func TestScanSettleTime(t *testing.T) {
	root := t.TempDir()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	jpeg := jpegBytes(t)
	times := map[string]time.Time{
		"old.jpg":            now.Add(-time.Hour),
		"edge.jpg":           now.Add(-10 * time.Second),
		"fresh.jpg":          now.Add(-9 * time.Second),
		"slightly-ahead.jpg": now.Add(5 * time.Second),
		"far-future.jpg":     now.Add(24 * time.Hour),
	}
	for name, mtime := range times {
		path := writeFile(t, root, name, jpeg)
		if err := os.Chtimes(path, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	opts := Options{Root: root, SettleTime: 10 * time.Second, Now: func() time.Time { return now }}

	res := mustScan(t, opts, nil)

	checkOutcomes(t, res, map[string]outcome{
		"old.jpg":            entryOf("image/jpeg"),
		"edge.jpg":           entryOf("image/jpeg"),
		"fresh.jpg":          skipOf(Unsettled),
		"slightly-ahead.jpg": skipOf(Unsettled),
		"far-future.jpg":     entryOf("image/jpeg"),
	})
	if got := skipFor(t, res, "fresh.jpg").Reason; !strings.Contains(got, "settle time is 10s") {
		t.Errorf("Reason = %q, want it to name the settle time", got)
	}
}

func TestScanRecordedFileSkipsSettle(t *testing.T) {
	root := t.TempDir()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	jpeg := jpegBytes(t)
	fresh := now.Add(-time.Second)
	for _, name := range []string{"recorded.jpg", "unknown.jpg"} {
		path := writeFile(t, root, name, jpeg)
		if err := os.Chtimes(path, fresh, fresh); err != nil {
			t.Fatal(err)
		}
	}
	prev := func(path string) (int64, time.Time, string, bool) {
		if path != "recorded.jpg" {
			return 0, time.Time{}, "", false
		}
		return int64(len(jpeg)), fresh, "recorded-hash", true
	}
	opts := Options{Root: root, SettleTime: 10 * time.Second, Now: func() time.Time { return now }}

	res := mustScan(t, opts, prev)

	if len(res.Entries) != 1 || res.Entries[0].Path != "recorded.jpg" {
		t.Fatalf("Entries = %+v, want only recorded.jpg", res.Entries)
	}
	if got := res.Entries[0].SHA256; got != "recorded-hash" {
		t.Errorf("recorded.jpg SHA256 = %q, want the stored hash", got)
	}
	if res.Entries[0].Hashed {
		t.Errorf("recorded.jpg was hashed again, want the stored hash reused")
	}
	if got := skipFor(t, res, "unknown.jpg").Kind; got != Unsettled {
		t.Errorf("unknown.jpg skip kind = %v, want %v", got, Unsettled)
	}
}

func TestScanModifiedWhileHashing(t *testing.T) {
	root := t.TempDir()
	path := writeFile(t, root, "growing.mp4", sampleBytes(t, "Videos/clip-2010.mp4"))
	writeFile(t, root, "steady.jpg", jpegBytes(t))
	opts := Options{Root: root, HashWorkers: 2}
	opts.afterRead = func(rel string) {
		if rel != "growing.mp4" {
			return
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			t.Errorf("open for append: %v", err)
			return
		}
		defer f.Close()
		if _, err := f.Write([]byte("more bytes")); err != nil {
			t.Errorf("append: %v", err)
		}
	}

	res := mustScan(t, opts, nil)

	checkOutcomes(t, res, map[string]outcome{
		"growing.mp4": skipOf(Unsettled),
		"steady.jpg":  entryOf("image/jpeg"),
	})
	if got := skipFor(t, res, "growing.mp4").Reason; !strings.Contains(got, "while it was read") {
		t.Errorf("Reason = %q, want it to say the file changed while it was read", got)
	}
}

// TestScanSmallFileGrowsWhileHashing covers a file read in one request,
// which examine does not read to the end: the check after reading must
// still see the bytes appended.
func TestScanSmallFileGrowsWhileHashing(t *testing.T) {
	root := t.TempDir()
	path := writeFile(t, root, "growing.jpg", jpegBytes(t))
	opts := Options{Root: root}
	opts.afterRead = func(string) {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			t.Errorf("open for append: %v", err)
			return
		}
		defer f.Close()
		if _, err := f.Write([]byte("more bytes")); err != nil {
			t.Errorf("append: %v", err)
		}
	}

	res := mustScan(t, opts, nil)

	checkOutcomes(t, res, map[string]outcome{"growing.jpg": skipOf(Unsettled)})
	if got := skipFor(t, res, "growing.jpg").Reason; !strings.Contains(got, "size changed") {
		t.Errorf("Reason = %q, want it to say the size changed", got)
	}
}

// TestScanRewrittenInPlaceWhileHashing covers an edit that keeps the size
// and the inode: only the modification time shows it.
func TestScanRewrittenInPlaceWhileHashing(t *testing.T) {
	root := t.TempDir()
	path := writeFile(t, root, "edited.jpg", jpegBytes(t))
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
	opts := Options{Root: root}
	opts.afterRead = func(string) {
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			t.Errorf("open for writing: %v", err)
			return
		}
		defer f.Close()
		if _, err := f.WriteAt([]byte{0xAA}, 100); err != nil {
			t.Errorf("write: %v", err)
		}
	}

	res := mustScan(t, opts, nil)

	checkOutcomes(t, res, map[string]outcome{"edited.jpg": skipOf(Unsettled)})
	if got := skipFor(t, res, "edited.jpg").Reason; !strings.Contains(got, "modification time changed") {
		t.Errorf("Reason = %q, want it to say the modification time changed", got)
	}
}

func TestScanReplacedWhileHashing(t *testing.T) {
	root := t.TempDir()
	path := writeFile(t, root, "edited.jpg", jpegBytes(t))
	opts := Options{Root: root}
	opts.afterRead = func(string) {
		// Save the way editors do: write a new file and rename it over the
		// old one, keeping size and time so that only the inode differs.
		info, err := os.Stat(path)
		if err != nil {
			t.Errorf("stat: %v", err)
			return
		}
		tmp := path + ".new"
		if err := os.WriteFile(tmp, jpegBytes(t), 0o644); err != nil {
			t.Errorf("write: %v", err)
			return
		}
		if err := os.Chtimes(tmp, info.ModTime(), info.ModTime()); err != nil {
			t.Errorf("chtimes: %v", err)
		}
		if err := os.Rename(tmp, path); err != nil {
			t.Errorf("rename: %v", err)
		}
	}

	res := mustScan(t, opts, nil)

	checkOutcomes(t, res, map[string]outcome{"edited.jpg": skipOf(Unsettled)})
}

func TestScanDeletedWhileScanning(t *testing.T) {
	root := t.TempDir()
	jpeg := jpegBytes(t)
	writeFile(t, root, "a/1.jpg", jpeg)
	listed := writeFile(t, root, "a/2.jpg", jpeg)
	statted := writeFile(t, root, "a/3.jpg", jpeg)
	writeFile(t, root, "b/4.jpg", jpeg)
	// Previous runs on the walk goroutine after the file's directory was
	// listed and before the file is opened. Removing files from it
	// therefore deletes them at three points: a/2.jpg after its directory
	// was listed, a/3.jpg just before it is opened, and b after the root
	// was listed.
	prev := func(path string) (int64, time.Time, string, bool) {
		var err error
		switch path {
		case "a/1.jpg":
			err = errors.Join(os.Remove(listed), os.RemoveAll(filepath.Join(root, "b")))
		case "a/3.jpg":
			err = os.Remove(statted)
		}
		if err != nil {
			t.Errorf("remove during scan: %v", err)
		}
		return 0, time.Time{}, "", false
	}

	// One walking goroutine keeps the order the deletions rely on.
	res := mustScan(t, Options{Root: root, walkWorkers: 1}, prev)

	checkOutcomes(t, res, map[string]outcome{"a/1.jpg": entryOf("image/jpeg")})
	if diff := cmp.Diff([]string{"", "a"}, res.Dirs); diff != "" {
		t.Errorf("Dirs (-want +got):\n%s", diff)
	}
}

func TestScanEmptyAndTooLarge(t *testing.T) {
	root := t.TempDir()
	writeFile(t, root, "empty.jpg", nil)
	writeFile(t, root, "ok.jpg", jpegBytes(t))
	bigPhoto := writeFile(t, root, "big.jpg", jpegBytes(t))
	if err := os.Truncate(bigPhoto, media.MaxPhotoSize+1); err != nil {
		t.Fatal(err)
	}
	maxPhoto := writeFile(t, root, "max.jpg", jpegBytes(t))
	if err := os.Truncate(maxPhoto, media.MaxPhotoSize); err != nil {
		t.Fatal(err)
	}
	bigVideo := writeFile(t, root, "big.mp4", sampleBytes(t, "Videos/clip-2010.mp4"))
	if err := os.Truncate(bigVideo, media.MaxVideoSize+1); err != nil {
		t.Skipf("file system rejects a sparse %d-byte file: %v", media.MaxVideoSize+1, err)
	}

	res := mustScan(t, Options{Root: root}, nil)

	checkOutcomes(t, res, map[string]outcome{
		"empty.jpg": skipOf(Empty),
		"ok.jpg":    entryOf("image/jpeg"),
		"max.jpg":   entryOf("image/jpeg"),
		"big.jpg":   skipOf(TooLarge),
		"big.mp4":   skipOf(TooLarge),
	})
	if err := skipFor(t, res, "big.mp4").Err; !errors.Is(err, media.ErrTooLarge) {
		t.Errorf("Err = %v, want media.ErrTooLarge", err)
	}
	if res.HashedBytes != int64(len(jpegBytes(t)))+media.MaxPhotoSize {
		t.Errorf("HashedBytes = %d, want only ok.jpg and max.jpg read", res.HashedBytes)
	}
}

func TestScanRootErrors(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "file.jpg", jpegBytes(t))
	tests := []struct {
		name    string
		root    string
		wantErr error
		wantMsg string
	}{
		{name: "missing", root: filepath.Join(dir, "missing"), wantErr: fs.ErrNotExist},
		{name: "file", root: file, wantErr: syscall.ENOTDIR},
		{name: "relative", root: "photos", wantMsg: "absolute path"},
		{name: "empty", root: "", wantMsg: "missing root"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Scan(t.Context(), Options{Root: tc.root}, nil)
			if err == nil {
				t.Fatalf("Scan returned %+v and no error", res)
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("error %v does not wrap %v", err, tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("error %q does not contain %q", err, tc.wantMsg)
			}
		})
	}
}

func TestScanRejectsNegativeSettleTime(t *testing.T) {
	_, err := Scan(t.Context(), Options{Root: t.TempDir(), SettleTime: -time.Second}, nil)
	if err == nil || !strings.Contains(err.Error(), "negative") {
		t.Errorf("error = %v, want one about the negative settle time", err)
	}
}

func TestScanCancelled(t *testing.T) {
	root := t.TempDir()
	for i := range 50 {
		writeFile(t, root, "d/"+strings.Repeat("a", i+1)+".jpg", jpegBytes(t))
	}

	t.Run("before start", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		res, err := Scan(ctx, Options{Root: root}, nil)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("error = %v, want context.Canceled", err)
		}
		if res != nil {
			t.Errorf("result = %+v, want nil", res)
		}
	})

	t.Run("during walk", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		calls := 0
		prev := func(string) (int64, time.Time, string, bool) {
			calls++
			if calls == 3 {
				cancel()
			}
			return 0, time.Time{}, "", false
		}
		_, err := Scan(ctx, Options{Root: root, HashWorkers: 1}, prev)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("error = %v, want context.Canceled", err)
		}
		if calls > 3+1 {
			t.Errorf("Previous called %d times after cancel at call 3", calls)
		}
	})

	t.Run("during hashing", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		opts := Options{Root: root, HashWorkers: 1}
		opts.afterRead = func(string) { cancel() }
		_, err := Scan(ctx, opts, nil)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("error = %v, want context.Canceled", err)
		}
	})
}

func TestHashFile(t *testing.T) {
	root := t.TempDir()
	data := sampleBytes(t, "Videos/clip.mov")
	path := writeFile(t, root, "clip.mov", data)

	sum, size, err := HashFile(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	want := sha256.Sum256(data)
	if sum != hex.EncodeToString(want[:]) {
		t.Errorf("sha256 = %s, want %x", sum, want)
	}
	if size != int64(len(data)) {
		t.Errorf("size = %d, want %d", size, len(data))
	}
}

func TestHashFileErrors(t *testing.T) {
	root := t.TempDir()
	path := writeFile(t, root, "a.jpg", jpegBytes(t))

	t.Run("missing", func(t *testing.T) {
		_, _, err := HashFile(t.Context(), filepath.Join(root, "missing.jpg"))
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("error = %v, want fs.ErrNotExist", err)
		}
	})
	t.Run("directory", func(t *testing.T) {
		_, _, err := HashFile(t.Context(), root)
		if !errors.Is(err, errNotRegular) {
			t.Errorf("error = %v, want errNotRegular", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		_, _, err := HashFile(ctx, path)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("error = %v, want context.Canceled", err)
		}
	})
}

func TestResultAbsent(t *testing.T) {
	res := &Result{
		Entries: []Entry{{Path: "a/kept.jpg"}, {Path: "b.jpg"}},
		Skipped: []Skip{
			{Path: "locked", Kind: Unreadable},
			{Path: "wip.jpg", Kind: Unsettled},
			{Path: "x/link", Kind: Symlink},
		},
	}
	tests := []struct {
		path string
		want bool
	}{
		{"a/kept.jpg", false},
		{"b.jpg", false},
		{"wip.jpg", false},
		{"locked", false},
		{"locked/inside.jpg", false},
		{"locked/deep/inside.jpg", false},
		{"a/gone.jpg", true},
		{"gone.jpg", true},
		{"lockedness/a.jpg", true},
		{"x/link/a.jpg", true},
	}
	for _, tc := range tests {
		if got := res.Absent(tc.path); got != tc.want {
			t.Errorf("Absent(%q) = %v, want %v", tc.path, got, tc.want)
		}
	}
}

func TestSkipKindString(t *testing.T) {
	want := map[SkipKind]string{
		Unsupported: "unsupported", TooLarge: "too large", Empty: "empty",
		Unreadable: "unreadable", Unsettled: "unsettled", Special: "special file",
		Symlink: "symlink", Loop: "loop", SkipKind(99): "SkipKind(99)",
	}
	for kind, name := range want {
		if got := kind.String(); got != name {
			t.Errorf("SkipKind(%d).String() = %q, want %q", int(kind), got, name)
		}
	}
}
