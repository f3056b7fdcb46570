package media

import (
	"bytes"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"testing"
)

// addSampleSeeds adds every sample file of at most maxSize bytes to the
// seed corpus, and nothing when the sample folder is missing.
func addSampleSeeds(f *testing.F, maxSize int64) {
	_ = filepath.WalkDir(sampleDir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		info, err := d.Info()
		if err != nil || info.Size() > maxSize {
			return nil
		}
		if data, err := os.ReadFile(path); err == nil {
			f.Add(data)
		}
		return nil
	})
}

func addSyntheticSeeds(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x10, 'E', 'x', 'i', 'f', 0, 0, 'I', 'I', '*', 0, 8, 0, 0, 0})
	f.Add(buildTIFF(
		[]testTag{{tag: tagMake, typ: 2, value: []byte("SONY\x00")}, {tag: tagSubIFDs, typ: 4, value: u32s(8)}},
		[]testTag{{tag: tagDateTimeOriginal, typ: 2, value: []byte("2020:05:06 07:08:09\x00")}},
		[]testTag{{tag: gpsTagLatitude, typ: 5, value: rationals(1, 1, 2, 1, 3, 1)}},
	))
	f.Add([]byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic\x00\x00\x00\x08meta"))
	f.Add([]byte("RIFF\x20\x00\x00\x00AVI LIST\x14\x00\x00\x00hdrlavih\x38\x00\x00\x00"))
	f.Add([]byte{0, 0, 1, 0xBA, 0, 0, 1, 0xB3, 0x14, 0x00, 0xF0, 0x13})
	f.Add(buildMatroska(true))
	f.Add(buildASF())
	f.Add(buildTS(false))
	f.Add(buildHEIF(64, 48, buildTIFF([]testTag{{tag: tagMake, typ: 2, value: []byte("A\x00")}}, nil,
		[]testTag{{tag: gpsTagLatitude, typ: 5, value: rationals(1, 1)}}), `<x exif:GPSLatitude="1"/>`))
	f.Add(buildTS(true))
	f.Add(buildICO([][]byte{dib32(2, 2, color.NRGBA{R: 9, A: 200})}, [][2]byte{{2, 2}}))
	f.Add(buildMatroska(false))
	f.Add(buildCIFF(buildCIFFHeap([]ciffRecordSpec{
		{0x300A, buildCIFFHeap([]ciffRecordSpec{{ciffMakeModel, []byte("Canon\x00EOS\x00")}})},
		{ciffJpgFromRaw, []byte{0xFF, 0xD8, 0xFF, 0xD9}},
	})))
}

func FuzzDetect(f *testing.F) {
	addSyntheticSeeds(f)
	addSampleSeeds(f, 64<<10)
	f.Fuzz(func(t *testing.T, data []byte) {
		got := Detect(data)
		if got.Supported() && (got.MIME == "" || got.Ext == "") {
			t.Errorf("supported format %+v lacks a MIME type or extension", got)
		}
		if !got.Supported() && got.Reason == "" {
			t.Errorf("unsupported format %+v has no reason", got)
		}
		if len(data) > SniffLen {
			if again := Detect(data[:SniffLen]); again != got {
				t.Errorf("Detect reads past SniffLen: %+v with %d bytes, %+v with SniffLen", got, len(data), again)
			}
		}
	})
}

func FuzzReadMetadata(f *testing.F) {
	addSyntheticSeeds(f)
	addSampleSeeds(f, 64<<10)
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, format := range supportedFormats {
			m, _ := ReadMetadata(data, format)
			if m.Width < 0 || m.Height < 0 {
				t.Errorf("%s: negative size %d×%d", format.MIME, m.Width, m.Height)
			}
			if m.Orientation < 0 || m.Orientation > 8 {
				t.Errorf("%s: orientation %d outside 0 to 8", format.MIME, m.Orientation)
			}
		}
	})
}

func FuzzStripLocation(f *testing.F) {
	addSyntheticSeeds(f)
	addSampleSeeds(f, 64<<10)
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, format := range supportedFormats {
			out, err := StripLocation(data, format)
			if err != nil {
				continue
			}
			if len(out) != len(data) {
				t.Fatalf("%s: length %d, want %d", format.MIME, len(out), len(data))
			}
			if format.Kind == Video && !bytes.Equal(out, data) {
				t.Fatalf("%s: video bytes changed", format.MIME)
			}
			switch format {
			case formatJPEG, formatTIFF, formatPNG, formatWebP:
				if m, _ := ReadMetadata(out, format); m.HasLocation {
					t.Fatalf("%s: HasLocation after a successful strip", format.MIME)
				}
			}
		}
	})
}

func FuzzResize(f *testing.F) {
	addSyntheticSeeds(f)
	addSampleSeeds(f, 16<<10)
	f.Fuzz(func(t *testing.T, data []byte) {
		format := Detect(data)
		// Keep each run fast: large images are the benchmark's business.
		if cfg, _, err := image.DecodeConfig(bytes.NewReader(data)); err != nil || cfg.Width*cfg.Height > 1<<16 {
			return
		}
		for _, box := range [][3]int{{16, 16, 0}, {16, 0, 0}, {9, 5, 1}} {
			out, mime, err := Resize(data, format, box[0], box[1], box[2] == 1)
			if err != nil {
				continue
			}
			img, _, err := image.Decode(bytes.NewReader(out))
			if err != nil {
				t.Fatalf("output %s does not decode: %v", mime, err)
			}
			if size := img.Bounds().Size(); size.X > box[0] || (box[1] > 0 && size.Y > box[1]) || size.X < 1 || size.Y < 1 {
				t.Fatalf("output size %v outside the box %v", size, box)
			}
		}
	})
}
