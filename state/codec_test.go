package state

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func FuzzDecodeFile(f *testing.F) {
	f.Add([]byte(nil))
	f.Add([]byte{formatFileV1, 0, 0})
	f.Add([]byte{formatFileV1, 1, 1, 2, 0, 0, 0, 0})
	f.Add([]byte{formatFileV1, 1, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Add(encodeFile(File{Path: "a.jpg", Size: 5, ModTime: time.Unix(1, 2), SHA256: "ab", Reason: "why"}))
	f.Add(encodeFile(File{Status: StatusSkipped, Origin: OriginDownloaded, MediaItemID: "m", AlbumID: "a"}))
	f.Fuzz(func(t *testing.T, value []byte) {
		var d fileDecoder
		got, err := d.decode("/f", []byte("p"), value)
		if err != nil {
			return
		}
		// A record that decodes encodes to one that decodes to the same
		// file.
		again, err := d.decode("/f", []byte("p"), encodeFile(got))
		if err != nil {
			t.Fatalf("re-encoded record does not decode: %v", err)
		}
		if diff := cmp.Diff(got, again); diff != "" {
			t.Fatalf("round trip changed the file (-first +second):\n%s", diff)
		}
	})
}

func FuzzFileRoundTrip(f *testing.F) {
	f.Add("a/b.jpg", int64(12), int64(1700000000), int64(5), "0123", "media", "album", "reason", uint8(1), uint8(0))
	f.Add("x", int64(-1), int64(-62135596800), int64(0), "", "", "", "", uint8(3), uint8(1))
	f.Fuzz(func(t *testing.T, path string, size, sec, nsec int64, sha, media, album, reason string, status, origin uint8) {
		if path == "" || nsec < 0 || nsec >= 1e9 || !FileStatus(status).valid() || !Origin(origin).valid() {
			t.Skip()
		}
		want := File{
			Folder: "/f", Path: path, Size: size, ModTime: time.Unix(sec, nsec).UTC(), SHA256: sha,
			MediaItemID: media, AlbumID: album, Status: FileStatus(status), Reason: reason,
			Origin: Origin(origin), UpdatedAt: time.Unix(sec/2, nsec).UTC(),
		}
		var d fileDecoder
		got, err := d.decode(want.Folder, []byte(path), encodeFile(want))
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("round trip (-want +got):\n%s", diff)
		}
	})
}

func FuzzSplitFileHashKey(f *testing.F) {
	f.Add("/photos", "a/b.jpg")
	f.Add("/", "x")
	f.Fuzz(func(t *testing.T, folder, path string) {
		sha := "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
		if validateFolderID(folder) != nil || validateRelPath("path", path) != nil {
			t.Skip()
		}
		gotSHA, gotFolder, gotPath, ok := splitFileHashKey(fileHashKey(sha, folder, path))
		if !ok || gotSHA != sha || gotFolder != folder || gotPath != path {
			t.Fatalf("split = %q, %q, %q, %v; want %q, %q, %q", gotSHA, gotFolder, gotPath, ok, sha, folder, path)
		}
	})
}

func TestDecodeFileErrors(t *testing.T) {
	valid := encodeFile(File{Path: "a", SHA256: "ab"})
	tests := []struct {
		name  string
		value []byte
		want  string
	}{
		{"empty", nil, "truncated"},
		{"unknown format", []byte{9, 0, 0}, "unknown file record format 9"},
		{"bad status", []byte{formatFileV1, 4, 0}, "invalid file status 4"},
		{"bad origin", []byte{formatFileV1, 0, 2}, "invalid file origin 2"},
		{"cut short", valid[:len(valid)-1], "truncated"},
		{"trailing bytes", append(append([]byte(nil), valid...), 0), "1 trailing bytes"},
		{"nanoseconds out of range", []byte{formatFileV1, 0, 0, 0, 0, 0x80, 0x94, 0xeb, 0xdc, 0x03}, "out of range"},
	}
	for _, tc := range tests {
		var d fileDecoder
		_, err := d.decode("/f", []byte("a"), tc.value)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: decode error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}
