package media

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDetectSamples(t *testing.T) {
	want := map[string]struct {
		kind Kind
		mime string
	}{
		"Camera Roll/2003 Beijing/DSC_0001.jpg":     {Photo, "image/jpeg"},
		"Camera Roll/GOPR0042.JPG":                  {Photo, "image/jpeg"},
		"Camera Roll/IMG_1811.JPG":                  {Photo, "image/jpeg"},
		"Camera Roll/Phone/IMG_20140426_190919.jpg": {Photo, "image/jpeg"},
		"Camera Roll/Phone/IMG_4401.jpg":            {Photo, "image/jpeg"},
		"Camera Roll/Phone/sunset.avif":             {Photo, "image/avif"},
		"Camera Roll/RAW/CRW_0001.CRW":              {Photo, "image/x-canon-crw"},
		"Camera Roll/RAW/CRW_0001.xmp":              {Unsupported, "application/rdf+xml"},
		"Camera Roll/RAW/GOPR0100.GPR":              {Photo, "image/x-gopro-gpr"},
		"Camera Roll/portrait.jpg":                  {Photo, "image/jpeg"},
		"README.md":                                 {Unsupported, "text/plain"},
		"Tricky/Café – 東京 #1.jpg":                   {Photo, "image/jpeg"},
		"Tricky/IMG_0001.JPG":                       {Photo, "image/jpeg"},
		"Tricky/animated.gif":                       {Photo, "image/gif"},
		"Tricky/canon_eos_gps.jpg":                  {Photo, "image/jpeg"},
		"Tricky/canon_eos_gps.webp":                 {Photo, "image/webp"},
		"Tricky/clip.mov":                           {Video, "video/quicktime"},
		"Tricky/clip.mp4":                           {Video, "video/mp4"},
		"Tricky/duplicate_of_canon.jpg":             {Photo, "image/jpeg"},
		"Tricky/empty.jpg":                          {Unsupported, ""},
		"Tricky/exif_no_date.jpg":                   {Photo, "image/jpeg"},
		"Tricky/future_date.jpg":                    {Photo, "image/jpeg"},
		"Tricky/gps_null_island.jpg":                {Photo, "image/jpeg"},
		"Tricky/huge_tag_exif.jpg":                  {Photo, "image/jpeg"},
		"Tricky/infinite_loop_exif.jpg":             {Photo, "image/jpeg"},
		"Tricky/iphone.heic":                        {Photo, "image/heic"},
		"Tricky/iphone_sw.jpg":                      {Photo, "image/jpeg"},
		"Tricky/max_uint32_exif.jpg":                {Photo, "image/jpeg"},
		"Tricky/no_exif.jpg":                        {Photo, "image/jpeg"},
		"Tricky/png_named_as.jpg":                   {Photo, "image/png"},
		"Tricky/screenshot.png":                     {Photo, "image/png"},
		"Tricky/truncated.jpg":                      {Photo, "image/jpeg"},
		"Videos/clip-2010.mp4":                      {Video, "video/mp4"},
		"Videos/clip.mov":                           {Video, "video/quicktime"},
		"Videos/old-phone.3gp":                      {Video, "video/3gpp"},
		"licenses/goexif-BSD-2-Clause.txt":          {Unsupported, "text/plain"},
		"licenses/imagemeta-MIT.txt":                {Unsupported, "text/plain"},
		"licenses/mimetype-debian-copyright.txt":    {Unsupported, "text/plain"},
		"make-tricky-fixtures.sh":                   {Unsupported, "text/x-shellscript"},
	}
	for _, rel := range allSamples(t) {
		t.Run(rel, func(t *testing.T) {
			expected, ok := want[rel]
			if !ok {
				if strings.HasPrefix(rel, "Orientation/") || strings.HasPrefix(rel, "Tricky/exif-only/") {
					expected.kind, expected.mime = Photo, "image/jpeg"
				} else {
					t.Fatalf("sample %s has no expected format in this table", rel)
				}
			}
			got, err := DetectFile(copySample(t, rel))
			if err != nil {
				t.Fatal(err)
			}
			if got.Kind != expected.kind {
				t.Errorf("Kind = %v, want %v (format %+v)", got.Kind, expected.kind, got)
			}
			if got.MIME != expected.mime {
				t.Errorf("MIME = %q, want %q", got.MIME, expected.mime)
			}
			if got.Supported() != (expected.kind != Unsupported) {
				t.Errorf("Supported() = %v for kind %v", got.Supported(), expected.kind)
			}
			if !got.Supported() && got.Reason == "" {
				t.Errorf("unsupported format %+v has no reason", got)
			}
			if got.Supported() && !strings.HasPrefix(got.Ext, ".") {
				t.Errorf("Ext = %q, want a leading dot", got.Ext)
			}
		})
	}
}

func TestDetectEmptyAndTiny(t *testing.T) {
	for _, head := range [][]byte{nil, {}, {0xFF}, {0xFF, 0xD8}, []byte("\x00\x00\x00\x18ftyp")} {
		f := Detect(head)
		if f.Supported() {
			t.Errorf("Detect(%q) = %+v, want unsupported", head, f)
		}
		if f.Reason == "" {
			t.Errorf("Detect(%q) has no reason", head)
		}
	}
}

func TestDetectSyntheticSignatures(t *testing.T) {
	tsPacket := func(stride, offset int, packets int) []byte {
		b := make([]byte, stride*packets)
		for i := range packets {
			b[i*stride+offset] = 0x47
		}
		return b
	}
	ftyp := func(major string, compatible ...string) []byte {
		var b bytes.Buffer
		size := 16 + 4*len(compatible)
		b.Write([]byte{0, 0, 0, byte(size)})
		b.WriteString("ftyp" + major + "\x00\x00\x00\x00")
		for _, c := range compatible {
			b.WriteString(c)
		}
		return b.Bytes()
	}
	ebml := func(docType string) []byte {
		b := []byte{0x1A, 0x45, 0xDF, 0xA3, 0x9F, 0x42, 0x86, 0x81, 0x01, 0x42, 0x82, byte(0x80 | len(docType))}
		return append(b, docType...)
	}
	cases := []struct {
		name string
		head []byte
		want Format
	}{
		{"mpeg-ts", tsPacket(188, 0, 8), formatTS},
		{"m2ts", tsPacket(192, 4, 8), formatM2TS},
		{"ts too short", tsPacket(188, 0, 3), Format{Reason: reasonUnknown}},
		{"mpeg-ps", []byte{0, 0, 1, 0xBA, 0x44, 0, 4, 0, 4, 1}, formatMPEG},
		{"avi", []byte("RIFF\x00\x10\x00\x00AVI LIST"), formatAVI},
		{"asf", append(append([]byte{}, asfHeaderGUID...), 0, 0, 0, 0), formatASF},
		{"matroska", ebml("matroska"), formatMKV},
		{"webm", ebml("webm"), Format{MIME: "video/webm", Ext: ".webm", Reason: reasonWebM}},
		{"3g2", ftyp("3g2a", "3g2a"), format3G2},
		{"m4v", ftyp("M4V ", "M4V ", "mp42"), formatM4V},
		{"m4a", ftyp("M4A ", "M4A ", "mp42"), Format{MIME: "audio/mp4", Ext: ".m4a", Reason: reasonAudio}},
		{"cr3", ftyp("crx ", "crx ", "isom"), formatCR3},
		{"heif avif", ftyp("mif1", "mif1", "avif", "miaf"), formatAVIF},
		{"heif heic", ftyp("mif1", "mif1", "heic"), formatHEIC},
		{"heif other", ftyp("mif1", "mif1"), formatHEIF},
		{"old quicktime", []byte("\x00\x00\x00\x08wide\x00\x00\x10\x00mdat"), formatMOV},
		{"bmp", append([]byte("BM\x00\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00\x28\x00\x00\x00"), make([]byte, 40)...), formatBMP},
		{"text starting BM", []byte("BMW cars are fast and this is plain text\n"), Format{MIME: "text/plain", Ext: ".txt", Reason: reasonText}},
		{"ico", []byte{0, 0, 1, 0, 1, 0, 16, 16, 0, 0, 1, 0, 32, 0, 0x68, 4, 0, 0, 22, 0, 0, 0}, formatICO},
		{"raf", []byte("FUJIFILMCCD-RAW 0201FF383501"), formatRAF},
		{"orf", []byte("IIRO\x08\x00\x00\x00"), formatORF},
		{"rw2", []byte("IIU\x00\x18\x00\x00\x00"), formatRW2},
		{"cr2", []byte("II*\x00\x10\x00\x00\x00CR\x02\x00\x00\x00\x00\x00"), formatCR2},
		{"bigtiff", []byte("II+\x00\x08\x00\x00\x00\x10\x00\x00\x00\x00\x00\x00\x00"), formatTIFF},
		{"xmp packet", []byte("<?xpacket begin=\"\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>"), Format{MIME: "application/rdf+xml", Ext: ".xmp", Reason: reasonXMP}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Detect(c.head); got != c.want {
				t.Errorf("Detect = %+v, want %+v", got, c.want)
			}
		})
	}
}

func TestDetectTIFFRaw(t *testing.T) {
	cases := []struct {
		name string
		tags []testTag
		want Format
	}{
		{"plain tiff", []testTag{{tag: tagImageWidth, typ: 3, value: u16s(64)}, {tag: tagMake, typ: 2, value: []byte("NIKON\x00")}}, formatTIFF},
		{"nef", []testTag{{tag: tagNewSubfileType, typ: 4, value: u32s(1)}, {tag: tagMake, typ: 2, value: []byte("NIKON CORPORATION\x00")}}, formatNEF},
		{"arw", []testTag{{tag: tagCompression, typ: 3, value: u16s(6)}, {tag: tagMake, typ: 2, value: []byte("SONY\x00")}}, formatARW},
		{"pef", []testTag{{tag: tagMake, typ: 2, value: []byte("PENTAX\x00")}, {tag: tagSubIFDs, typ: 4, value: u32s(0)}}, formatPEF},
		{"dng", []testTag{{tag: tagMake, typ: 2, value: []byte("Canon\x00")}, {tag: tagDNGVersion, typ: 1, value: []byte{1, 4, 0, 0}}}, formatDNG},
		{"gpr", []testTag{{tag: tagMake, typ: 2, value: []byte("GoPro\x00")}, {tag: tagDNGVersion, typ: 1, value: []byte{1, 4, 0, 0}}}, formatGPR},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Detect(buildTIFF(c.tags, nil, nil)); got != c.want {
				t.Errorf("Detect = %+v, want %+v", got, c.want)
			}
		})
	}
}

func TestDetectFileErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.jpg")
	_, err := DetectFile(missing)
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("DetectFile(missing) error = %v, want os.ErrNotExist", err)
	}
	if !strings.Contains(err.Error(), missing) {
		t.Errorf("error %q does not name the path", err)
	}
	if _, err := DetectFile(t.TempDir()); err == nil {
		t.Error("DetectFile(directory) returned no error")
	}
}

func TestCheckSize(t *testing.T) {
	if err := CheckSize(formatJPEG, MaxPhotoSize); err != nil {
		t.Errorf("photo at the limit: %v", err)
	}
	err := CheckSize(formatJPEG, MaxPhotoSize+1)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("photo over the limit: error %v, want ErrTooLarge", err)
	}
	if !strings.Contains(err.Error(), "209715201") || !strings.Contains(err.Error(), "209715200") {
		t.Errorf("error %q does not name the size and the limit", err)
	}
	if err := CheckSize(formatMP4, MaxPhotoSize+1); err != nil {
		t.Errorf("video over the photo limit: %v", err)
	}
	if err := CheckSize(formatMP4, MaxVideoSize+1); !errors.Is(err, ErrTooLarge) {
		t.Errorf("video over the limit: error %v, want ErrTooLarge", err)
	}
	if err := CheckSize(Format{Reason: reasonEmpty}, 0); err == nil {
		t.Error("unsupported format: no error")
	}
	if err := CheckSize(formatJPEG, -1); err == nil || errors.Is(err, ErrTooLarge) {
		t.Errorf("negative size: error %v, want an invalid-size error", err)
	}
}

func TestKindString(t *testing.T) {
	for kind, want := range map[Kind]string{Unsupported: "unsupported", Photo: "photo", Video: "video", Kind(7): "Kind(7)"} {
		if got := kind.String(); got != want {
			t.Errorf("Kind(%d).String() = %q, want %q", int(kind), got, want)
		}
	}
}

// A Format rebuilt from a stored MIME type works like the one from Detect.
func TestFormatFromMIME(t *testing.T) {
	data := readSample(t, "Tricky/canon_eos_gps.jpg")
	m, err := ReadMetadata(data, Format{MIME: "image/jpeg"})
	if err != nil {
		t.Fatal(err)
	}
	if m.CameraMake != "Canon" {
		t.Errorf("CameraMake = %q, want Canon", m.CameraMake)
	}
	if _, err := StripLocation(data, Format{MIME: "image/jpeg"}); err != nil {
		t.Errorf("StripLocation: %v", err)
	}
	if _, _, err := Resize(data, Format{MIME: "image/jpeg"}, 10, 10, false); err != nil {
		t.Errorf("Resize: %v", err)
	}
	_, err = ReadMetadata(data, Format{MIME: "video/webm", Reason: reasonWebM})
	if err == nil || !strings.Contains(err.Error(), "video/webm") {
		t.Errorf("unsupported MIME: error %v, want one naming video/webm", err)
	}
}

func TestSupportedFormatsComplete(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range supportedFormats {
		if !f.Supported() || f.MIME == "" || !strings.HasPrefix(f.Ext, ".") || f.Reason != "" {
			t.Errorf("format %+v is incomplete", f)
		}
		if seen[f.Ext] {
			t.Errorf("extension %s appears twice", f.Ext)
		}
		seen[f.Ext] = true
		if got, ok := lookupFormat(Format{MIME: f.MIME}); !ok || got.MIME != f.MIME {
			t.Errorf("lookupFormat(%s) = %+v, %v", f.MIME, got, ok)
		}
	}
}

func TestFormatString(t *testing.T) {
	cases := map[string]Format{
		"image/jpeg": formatJPEG,
		"unsupported (video/webm: WebM is not among the video formats Google Photos lists)": {MIME: "video/webm", Reason: reasonWebM},
		"unsupported (empty file)": {Reason: reasonEmpty},
	}
	for want, f := range cases {
		if got := f.String(); got != want {
			t.Errorf("String() = %q, want %q", got, want)
		}
	}
}
