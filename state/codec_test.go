package state

import (
	"encoding/binary"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
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

func FuzzDecodeMediaItem(f *testing.F) {
	f.Add([]byte(nil))
	f.Add([]byte{formatMediaV2, 0})
	f.Add([]byte{formatMediaV2, 1, 0, 0, shaEmpty, 1, 'm', 0, 0, 0})
	f.Add([]byte{formatMediaV2, 0, 0, 0, shaText, 2, 'a', 'b', 1, 'm', 0, 0, 0xff, 0xff, 0xff, 0x01})
	f.Add([]byte(`{"ID":"m","AlbumIDs":["a"]}`))
	f.Add(append([]byte{formatJSONV1}, `{"ID":"m","SHA256":"ab","AlbumIDs":["a"]}`...))
	f.Add(encodeMediaItem(MediaItem{ID: "m", SHA256: strings.Repeat("ab", 32), AlbumIDs: []string{"a", "b"}}))
	f.Fuzz(func(t *testing.T, value []byte) {
		got, err := decodeMediaItem(value)
		if err != nil {
			return
		}
		again, err := decodeMediaItem(encodeMediaItem(got))
		if err != nil {
			t.Fatalf("re-encoded media item does not decode: %v", err)
		}
		if diff := cmp.Diff(got, again, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("round trip changed the media item (-first +second):\n%s", diff)
		}
	})
}

func FuzzMediaItemRoundTrip(f *testing.F) {
	f.Add("AF1Qip", strings.Repeat("0f", 32), "IMG_1.jpg", "image/jpeg", "A1", "A2", int64(1700000000), int64(5), uint8(0))
	f.Add("m", "", "", "", "", "", int64(-62135596800), int64(0), uint8(1))
	f.Add("m", "not hex", "x", "y", "only", "", int64(0), int64(999999999), uint8(1))
	f.Fuzz(func(t *testing.T, id, sha, filename, mime, album1, album2 string, sec, nsec int64, origin uint8) {
		if nsec < 0 || nsec >= 1e9 || !Origin(origin).valid() {
			t.Skip()
		}
		want := MediaItem{ID: id, SHA256: sha, Filename: filename, MimeType: mime,
			CreatedAt: time.Unix(sec, nsec).UTC(), Origin: Origin(origin)}
		for _, a := range []string{album1, album2} {
			if a != "" {
				want.AlbumIDs = append(want.AlbumIDs, a)
			}
		}
		got, err := decodeMediaItem(encodeMediaItem(want))
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("round trip (-want +got):\n%s", diff)
		}
	})
}

func TestDecodeMediaItemErrors(t *testing.T) {
	valid := encodeMediaItem(MediaItem{ID: "m", AlbumIDs: []string{"a"}})
	tests := []struct {
		name  string
		value []byte
		want  string
	}{
		{"empty", nil, "truncated"},
		{"unknown format", []byte{9, 0}, "unknown media item format 9"},
		{"format only", []byte{formatMediaV2}, "truncated"},
		{"bad origin", []byte{formatMediaV2, 2}, "invalid media item origin 2"},
		{"cut short", valid[:len(valid)-1], "truncated"},
		{"trailing bytes", append(append([]byte(nil), valid...), 0), "1 trailing bytes"},
		{"unknown hash encoding", []byte{formatMediaV2, 0, 0, 0, 7}, "unknown SHA-256 encoding 7"},
		{"raw hash cut short", []byte{formatMediaV2, 0, 0, 0, shaRaw, 1, 2}, "truncated"},
		{"more albums than bytes", []byte{formatMediaV2, 0, 0, 0, shaEmpty, 1, 'm', 0, 0, 0x80, 0x80, 0x04}, "truncated"},
		{"invalid JSON", []byte{formatJSONV1, '{'}, "unexpected end of JSON input"},
	}
	for _, tc := range tests {
		_, err := decodeMediaItem(tc.value)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: decode error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

func TestDecodeMediaItemJSON(t *testing.T) {
	want := MediaItem{ID: "m", SHA256: strings.Repeat("c", 64), Filename: "a.jpg", MimeType: "image/jpeg",
		AlbumIDs: []string{"A"}, CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC), Origin: OriginDownloaded}
	old, err := encodeJSON(want)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeMediaItem(old)
	if err != nil {
		t.Fatalf("decode JSON media item: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("JSON media item (-want +got):\n%s", diff)
	}
	// Readers that decode every record as JSON get binary media items too.
	var viaJSON MediaItem
	if err := decodeJSON(encodeMediaItem(want), &viaJSON); err != nil {
		t.Fatalf("decodeJSON of a binary media item: %v", err)
	}
	if diff := cmp.Diff(want, viaJSON); diff != "" {
		t.Errorf("decodeJSON of a binary media item (-want +got):\n%s", diff)
	}
}

func TestEncodeSHA256Sizes(t *testing.T) {
	hexSHA := strings.Repeat("0123456789abcdef", 4)
	tests := []struct {
		name string
		sha  string
		size int
	}{
		{"empty", "", 1},
		{"lowercase hex", hexSHA, 1 + 32},
		{"uppercase hex kept as text", strings.ToUpper(hexSHA), 1 + 1 + 64},
		{"short text", "ab", 1 + 1 + 2},
	}
	for _, tc := range tests {
		b := appendSHA256(nil, tc.sha)
		if len(b) != tc.size {
			t.Errorf("%s: encoded in %d bytes, want %d", tc.name, len(b), tc.size)
		}
		r := reader{b: b}
		if got := r.sha256(); got != tc.sha || r.err != nil || len(r.b) != 0 {
			t.Errorf("%s: decoded %q (error %v, %d bytes left), want %q", tc.name, got, r.err, len(r.b), tc.sha)
		}
	}
}

func TestDecodeFileFormatV1(t *testing.T) {
	want := File{Folder: "/f", Path: "a/b.jpg", Size: 7, ModTime: time.Unix(10, 20).UTC(),
		SHA256: strings.Repeat("e", 64), MediaItemID: "m", AlbumID: "A", Status: StatusSynced,
		UpdatedAt: time.Unix(30, 40).UTC()}
	v := []byte{formatFileV1, byte(want.Status), byte(want.Origin)}
	v = binary.AppendVarint(v, want.Size)
	v = appendTime(v, want.ModTime)
	v = appendTime(v, want.UpdatedAt)
	for _, s := range []string{want.SHA256, want.MediaItemID, want.AlbumID, want.Reason} {
		v = appendString(v, s)
	}
	var d fileDecoder
	got, err := d.decode(want.Folder, []byte(want.Path), v)
	if err != nil {
		t.Fatalf("decode format 1: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("format 1 record (-want +got):\n%s", diff)
	}
	if n, old := len(encodeFile(want)), len(v); n != old-32 {
		t.Errorf("format 2 record has %d bytes, want %d, 32 fewer than format 1", n, old-32)
	}
}

func TestFileDecoderSharesAlbumIDs(t *testing.T) {
	var d fileDecoder
	first, err := d.decode("/f", []byte("a.jpg"), encodeFile(File{Path: "a.jpg", AlbumID: "album-1", MediaItemID: "m1"}))
	if err != nil {
		t.Fatal(err)
	}
	second, err := d.decode("/f", []byte("b.jpg"), encodeFile(File{Path: "b.jpg", AlbumID: "album-1", MediaItemID: "m2"}))
	if err != nil {
		t.Fatal(err)
	}
	if second.AlbumID != "album-1" {
		t.Fatalf("second AlbumID = %q, want album-1", second.AlbumID)
	}
	if unsafe.StringData(first.AlbumID) != unsafe.StringData(second.AlbumID) {
		t.Error("two records of one album got separate AlbumID strings")
	}
	if first.MediaItemID != "m1" || second.MediaItemID != "m2" {
		t.Errorf("media item IDs = %q, %q; want m1, m2", first.MediaItemID, second.MediaItemID)
	}
}

func FuzzDecodeUpload(f *testing.F) {
	f.Add([]byte(nil))
	f.Add([]byte{formatUploadV2, 0})
	f.Add([]byte{formatUploadV2, 1, 2, 1, 0, 0, 0, 0, shaEmpty, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Add(append([]byte{formatJSONV1}, `{"SHA256":"ab","Token":"t","Attempts":2}`...))
	f.Add(encodeUpload(Upload{SHA256: strings.Repeat("ab", 32), Folder: "/f", Path: "a/b.jpg", Token: "CAIS"}))
	f.Fuzz(func(t *testing.T, value []byte) {
		got, err := decodeUpload(value)
		if err != nil {
			return
		}
		again, err := decodeUpload(encodeUpload(got))
		if err != nil {
			t.Fatalf("re-encoded upload does not decode: %v", err)
		}
		if diff := cmp.Diff(got, again); diff != "" {
			t.Fatalf("round trip changed the upload (-first +second):\n%s", diff)
		}
	})
}

func FuzzUploadRoundTrip(f *testing.F) {
	f.Add(strings.Repeat("0f", 32), "/photos", "a/v.mp4", "v.mp4", "video/mp4", "http://127.0.0.1:9/u?id=1",
		"CAIS", "A1", "reset", int64(1<<30), 3, int64(1700000000), int64(5), uint8(1))
	f.Add("", "", "", "", "", "", "", "", "", int64(-1), 0, int64(-62135596800), int64(0), uint8(0))
	f.Add("not hex", "x", "y", "z", "", "", "", "", "", int64(0), 1<<40, int64(0), int64(999999999), uint8(2))
	f.Fuzz(func(t *testing.T, sha, folder, path, name, mime, session, token, album, lastErr string,
		size int64, attempts int, sec, nsec int64, stage uint8) {
		if nsec < 0 || nsec >= 1e9 || attempts < 0 {
			t.Skip()
		}
		want := Upload{SHA256: sha, Folder: folder, Path: path, FileName: name, MimeType: mime, Size: size,
			SessionURL: session, SessionStarted: time.Unix(sec, nsec).UTC(), Token: token,
			TokenCreated: time.Unix(sec/3, nsec).UTC(), AlbumID: album, Stage: UploadStage(stage),
			Attempts: attempts, LastError: lastErr}
		got, err := decodeUpload(encodeUpload(want))
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("round trip (-want +got):\n%s", diff)
		}
	})
}

func TestDecodeUploadErrors(t *testing.T) {
	valid := encodeUpload(Upload{SHA256: strings.Repeat("ab", 32), Token: "t"})
	tests := []struct {
		name  string
		value []byte
		want  string
	}{
		{"empty", nil, "truncated"},
		{"unknown format", []byte{9, 0}, "unknown upload format 9"},
		{"format only", []byte{formatUploadV2}, "truncated"},
		{"cut short", valid[:len(valid)-1], "truncated"},
		{"trailing bytes", append(append([]byte(nil), valid...), 0), "1 trailing bytes"},
		{"attempts out of range", []byte{formatUploadV2, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01},
			"attempt count 18446744073709551615 out of range"},
		{"unknown hash encoding", []byte{formatUploadV2, 0, 0, 0, 0, 0, 0, 0, 7}, "unknown SHA-256 encoding 7"},
		{"invalid JSON", []byte{formatJSONV1, '{'}, "unexpected end of JSON input"},
	}
	for _, tc := range tests {
		_, err := decodeUpload(tc.value)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: decode error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

func TestDecodeUploadJSON(t *testing.T) {
	want := Upload{SHA256: strings.Repeat("c", 64), Folder: "/photos", Path: "a/v.mp4", FileName: "v.mp4",
		MimeType: "video/mp4", Size: 7, Token: "tok", TokenCreated: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC),
		Stage: StageUploaded, Attempts: 2, LastError: "reset"}
	old, err := encodeJSON(want)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeUpload(old)
	if err != nil {
		t.Fatalf("decode JSON upload: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("JSON upload (-want +got):\n%s", diff)
	}
	if n, old := len(encodeUpload(want)), len(old); n >= old/2 {
		t.Errorf("binary upload has %d bytes, not under half the %d of its JSON", n, old)
	}
}
