package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"
)

func decodeOutput(t *testing.T, out []byte, mime string) image.Image {
	t.Helper()
	img, format, err := image.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("output does not decode: %v", err)
	}
	if "image/"+format != mime {
		t.Errorf("output is %s, but mime is %s", format, mime)
	}
	return img
}

func TestResizeSizes(t *testing.T) {
	cases := []struct {
		rel           string
		width, height int
		crop          bool
		wantW, wantH  int
		wantMIME      string
	}{
		// 480×320 stored with orientation 6, so displayed 320×480.
		{"Tricky/canon_eos_gps.jpg", 100, 100, false, 67, 100, "image/jpeg"},
		{"Tricky/canon_eos_gps.jpg", 100, 100, true, 100, 100, "image/jpeg"},
		{"Tricky/canon_eos_gps.jpg", 160, 0, false, 160, 240, "image/jpeg"},
		{"Tricky/canon_eos_gps.jpg", 200, 100, true, 200, 100, "image/jpeg"},
		{"Tricky/screenshot.png", 200, 0, false, 200, 150, "image/png"},
		{"Tricky/screenshot.png", 0, 60, false, 80, 60, "image/png"},
		{"Tricky/screenshot.png", 1000, 1000, false, 320, 240, "image/png"},
		{"Tricky/screenshot.png", 1000, 500, true, 1000, 500, "image/png"},
		{"Tricky/screenshot.png", 50, 200, true, 50, 200, "image/png"},
		{"Tricky/animated.gif", 60, 60, false, 60, 60, "image/jpeg"},
		// The WebP keeps the EXIF orientation 6 of the JPEG it was made from.
		{"Tricky/canon_eos_gps.webp", 240, 240, false, 160, 240, "image/jpeg"},
		{"Camera Roll/portrait.jpg", 256, 256, true, 256, 256, "image/jpeg"},
		// Resized from its 2160×1440 JPEG preview.
		{"Camera Roll/RAW/CRW_0001.CRW", 300, 300, false, 300, 200, "image/jpeg"},
	}
	for _, c := range cases {
		data := readSample(t, c.rel)
		out, mime, err := Resize(data, Detect(data), c.width, c.height, c.crop)
		if err != nil {
			t.Errorf("%s %d×%d crop=%v: %v", c.rel, c.width, c.height, c.crop, err)
			continue
		}
		if mime != c.wantMIME {
			t.Errorf("%s: mime = %s, want %s", c.rel, mime, c.wantMIME)
		}
		img := decodeOutput(t, out, mime)
		if got := img.Bounds().Size(); got != image.Pt(c.wantW, c.wantH) {
			t.Errorf("%s %d×%d crop=%v: size %v, want %d×%d", c.rel, c.width, c.height, c.crop, got, c.wantW, c.wantH)
		}
	}
}

// The eight Orientation samples show the same picture stored eight ways,
// so once their orientation is applied they must look alike.
func TestResizeAppliesOrientation(t *testing.T) {
	for _, box := range []struct {
		width, height int
		crop          bool
	}{{40, 80, false}, {30, 30, true}, {36, 20, true}} {
		resize := func(rel string) image.Image {
			data := readSample(t, rel)
			out, mime, err := Resize(data, formatJPEG, box.width, box.height, box.crop)
			if err != nil {
				t.Fatalf("%s: %v", rel, err)
			}
			return decodeOutput(t, out, mime)
		}
		want := resize("Orientation/f1-exif.jpg")
		for i := 2; i <= 8; i++ {
			rel := "Orientation/f" + string(rune('0'+i)) + "-exif.jpg"
			got := resize(rel)
			if got.Bounds() != want.Bounds() {
				t.Errorf("%s %+v: bounds %v, want %v", rel, box, got.Bounds(), want.Bounds())
				continue
			}
			if diff := meanDifference(got, want); diff > 16 {
				t.Errorf("%s %+v: mean difference %.1f from f1, want at most 16", rel, box, diff)
			}
		}
	}
}

// meanDifference returns the mean absolute difference of the gray levels
// of two images of the same size, from 0 to 255.
func meanDifference(a, b image.Image) float64 {
	var sum float64
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			ga := color.GrayModel.Convert(a.At(x, y)).(color.Gray).Y
			gb := color.GrayModel.Convert(b.At(x, y)).(color.Gray).Y
			d := float64(ga) - float64(gb)
			sum += max(d, -d)
		}
	}
	return sum / float64(r.Dx()*r.Dy())
}

func TestResizeCropKeepsCentre(t *testing.T) {
	// A 300×100 image: red left third, green middle, blue right third.
	src := image.NewRGBA(image.Rect(0, 0, 300, 100))
	for y := range 100 {
		for x := range 300 {
			c := [...]color.RGBA{{255, 0, 0, 255}, {0, 255, 0, 255}, {0, 0, 255, 255}}[x/100]
			src.SetRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, src); err != nil {
		t.Fatal(err)
	}
	out, mime, err := Resize(buf.Bytes(), formatPNG, 50, 50, true)
	if err != nil {
		t.Fatal(err)
	}
	img := decodeOutput(t, out, mime)
	for _, p := range []image.Point{{0, 0}, {25, 25}, {49, 49}} {
		r, g, b, _ := img.At(p.X, p.Y).RGBA()
		if g>>8 < 250 || r>>8 > 5 || b>>8 > 5 {
			t.Errorf("pixel %v = %d,%d,%d, want the green centre", p, r>>8, g>>8, b>>8)
		}
	}
}

func TestResizeTransparentToJPEG(t *testing.T) {
	// A fully transparent GIF becomes JPEG, which has no alpha, so it must
	// come out white rather than black.
	src := image.NewPaletted(image.Rect(0, 0, 8, 8), color.Palette{color.Transparent, color.Black})
	var buf bytes.Buffer
	if err := gif.Encode(&buf, src, nil); err != nil {
		t.Fatal(err)
	}
	out, mime, err := Resize(buf.Bytes(), formatGIF, 4, 4, false)
	if err != nil {
		t.Fatal(err)
	}
	if mime != "image/jpeg" {
		t.Errorf("mime = %s, want image/jpeg", mime)
	}
	gray := color.GrayModel.Convert(decodeOutput(t, out, mime).At(2, 2)).(color.Gray).Y
	if gray < 250 {
		t.Errorf("gray level = %d, want white", gray)
	}
}

func TestResizeKeepsPNGAlpha(t *testing.T) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewNRGBA(image.Rect(0, 0, 8, 8))); err != nil {
		t.Fatal(err)
	}
	out, mime, err := Resize(buf.Bytes(), formatPNG, 4, 4, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, a := decodeOutput(t, out, mime).At(0, 0).RGBA(); a != 0 {
		t.Errorf("alpha = %d, want 0", a)
	}
}

func TestFlattenOnWhite(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 2, 1))
	img.Pix = []byte{0, 0, 0, 0, 0, 0, 128, 128}
	flattenOnWhite(img)
	if want := []byte{255, 255, 255, 255, 127, 127, 255, 255}; !bytes.Equal(img.Pix, want) {
		t.Errorf("pixels = %v, want %v", img.Pix, want)
	}
}

func TestResizeNoDecoder(t *testing.T) {
	// The GoPro GPR stores only VC-5 compressed sensor data, no preview.
	for _, rel := range []string{"Tricky/iphone.heic", "Camera Roll/Phone/sunset.avif", "Tricky/clip.mp4", "Camera Roll/RAW/GOPR0100.GPR"} {
		data := readSample(t, rel)
		_, _, err := Resize(data, Detect(data), 100, 100, false)
		if !errors.Is(err, ErrNoDecoder) {
			t.Errorf("%s: error %v, want ErrNoDecoder", rel, err)
		}
	}
}

func TestResizeInvalidBox(t *testing.T) {
	data := readSample(t, "Tricky/screenshot.png")
	cases := []struct {
		width, height int
		crop          bool
		mention       string
	}{
		{-1, 10, false, "-1"},
		{10, MaxResizeSide + 1, false, "16385"},
		{0, 0, false, "both 0"},
		{100, 0, true, "crop"},
		{16000, 16000, true, "pixel limit"},
	}
	for _, c := range cases {
		_, _, err := Resize(data, formatPNG, c.width, c.height, c.crop)
		if err == nil {
			t.Errorf("%d×%d crop=%v: no error", c.width, c.height, c.crop)
			continue
		}
		if !strings.Contains(err.Error(), c.mention) {
			t.Errorf("%d×%d crop=%v: error %q does not mention %q", c.width, c.height, c.crop, err, c.mention)
		}
	}
}

// A PNG header that claims a huge image must be rejected before decoding.
func TestResizeRejectsHugeImage(t *testing.T) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 1, 1))); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	// IHDR starts at byte 8: length, "IHDR", width, height, ..., CRC.
	binary.BigEndian.PutUint32(data[16:], 50000)
	binary.BigEndian.PutUint32(data[20:], 50000)
	binary.BigEndian.PutUint32(data[29:], crc32.ChecksumIEEE(data[12:29]))
	_, _, err := Resize(data, formatPNG, 100, 100, false)
	if err == nil || !strings.Contains(err.Error(), "50000×50000") {
		t.Errorf("error = %v, want one naming the 50000×50000 size", err)
	}
}

func TestResizeTruncatedJPEG(t *testing.T) {
	data := readSample(t, "Tricky/truncated.jpg")
	if _, _, err := Resize(data, formatJPEG, 100, 100, false); err == nil {
		t.Error("no error for a truncated JPEG")
	}
}

func TestResizeOutputHasNoEXIF(t *testing.T) {
	data := readSample(t, "Tricky/canon_eos_gps.jpg")
	out, _, err := Resize(data, formatJPEG, 64, 64, false)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(out, exifPrefix) {
		t.Error("output contains EXIF")
	}
	if _, err := jpeg.DecodeConfig(bytes.NewReader(out)); err != nil {
		t.Error(err)
	}
}

func TestResizeTIFFRawPreview(t *testing.T) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, image.NewGray(image.Rect(0, 0, 64, 48)), nil); err != nil {
		t.Fatal(err)
	}
	preview := buf.Bytes()
	// A NEF-like file: IFD0 is a reduced-resolution image pointing at the
	// preview, which buildTIFF places after the IFD.
	tags := []testTag{
		{tag: tagNewSubfileType, typ: 4, value: u32s(1)},
		{tag: tagMake, typ: 2, value: []byte("NIKON CORPORATION\x00")},
		{tag: tagJPEGInterchangeLength, typ: 4, value: u32s(uint32(len(preview)))},
		{tag: tagJPEGInterchange, typ: 4, value: u32s(0)},
	}
	data := buildTIFF(tags, nil, nil)
	// The IFD has 4 entries and the Make string follows it, so the
	// preview goes at the end and the pointer is patched to it.
	offset := uint32(len(data))
	data = append(data, preview...)
	tiff, err := newTIFF(data)
	if err != nil {
		t.Fatal(err)
	}
	ifd0, err := tiff.ifd(tiff.first)
	if err != nil {
		t.Fatal(err)
	}
	e, _ := ifd0.find(tagJPEGInterchange)
	binary.LittleEndian.PutUint32(data[e.valuePos:], offset)

	f := Detect(data)
	if f != formatNEF {
		t.Fatalf("Detect = %+v, want NEF", f)
	}
	out, mime, err := Resize(data, f, 32, 32, false)
	if err != nil {
		t.Fatal(err)
	}
	if got := decodeOutput(t, out, mime).Bounds().Size(); got != image.Pt(32, 24) {
		t.Errorf("size = %v, want 32×24", got)
	}
}
