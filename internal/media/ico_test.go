package media

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/png"
	"testing"
)

// buildICO returns an icon file holding the given images, each given with
// the width and height its directory entry states.
func buildICO(images [][]byte, sizes [][2]byte) []byte {
	out := []byte{0, 0, 1, 0}
	out = binary.LittleEndian.AppendUint16(out, uint16(len(images)))
	offset := 6 + 16*len(images)
	for i, img := range images {
		out = append(out, sizes[i][0], sizes[i][1], 0, 0, 1, 0, 32, 0)
		out = binary.LittleEndian.AppendUint32(out, uint32(len(img)))
		out = binary.LittleEndian.AppendUint32(out, uint32(offset))
		offset += len(img)
	}
	for _, img := range images {
		out = append(out, img...)
	}
	return out
}

// dib32 returns a 32-bit icon bitmap of w×h pixels, all of color c,
// followed by its AND mask.
func dib32(w, h int, c color.NRGBA) []byte {
	out := binary.LittleEndian.AppendUint32(nil, 40)
	out = binary.LittleEndian.AppendUint32(out, uint32(w))
	out = binary.LittleEndian.AppendUint32(out, uint32(2*h))
	out = binary.LittleEndian.AppendUint16(out, 1)
	out = binary.LittleEndian.AppendUint16(out, 32)
	out = append(out, make([]byte, 24)...)
	for range w * h {
		out = append(out, c.B, c.G, c.R, c.A)
	}
	return append(out, make([]byte, ((w+31)/32)*4*h)...)
}

// dib8 returns an 8-bit icon bitmap of w×h pixels, where w is a multiple
// of 4, all of palette color 1, which is c.
func dib8(w, h int, c color.RGBA) []byte {
	out := binary.LittleEndian.AppendUint32(nil, 40)
	out = binary.LittleEndian.AppendUint32(out, uint32(w))
	out = binary.LittleEndian.AppendUint32(out, uint32(2*h))
	out = binary.LittleEndian.AppendUint16(out, 1)
	out = binary.LittleEndian.AppendUint16(out, 8)
	out = append(out, make([]byte, 16)...)         // compression to vertical resolution
	out = binary.LittleEndian.AppendUint32(out, 2) // colors used
	out = append(out, make([]byte, 4)...)          // important colors
	out = append(out, 0, 0, 0, 0, c.B, c.G, c.R, 0)
	out = append(out, bytes.Repeat([]byte{1}, w*h)...)
	return append(out, make([]byte, ((w+31)/32)*4*h)...)
}

func TestResizeICO(t *testing.T) {
	var pngIcon bytes.Buffer
	small := image.NewNRGBA(image.Rect(0, 0, 16, 16))
	if err := png.Encode(&pngIcon, small); err != nil {
		t.Fatal(err)
	}
	red := color.NRGBA{R: 255, A: 255}
	cases := []struct {
		name string
		data []byte
		want color.Gray
	}{
		// The 32×32 bitmap is larger than the 16×16 PNG, so it is used.
		{"32-bit", buildICO([][]byte{pngIcon.Bytes(), dib32(32, 32, red)}, [][2]byte{{16, 16}, {32, 32}}), color.GrayModel.Convert(red).(color.Gray)},
		// A transparent 32-bit bitmap turns white in JPEG output.
		{"32-bit transparent", buildICO([][]byte{dib32(32, 32, color.NRGBA{})}, [][2]byte{{32, 32}}), color.Gray{Y: 255}},
		{"8-bit", buildICO([][]byte{dib8(32, 32, color.RGBA{G: 255, A: 255})}, [][2]byte{{32, 32}}), color.GrayModel.Convert(color.RGBA{G: 255, A: 255}).(color.Gray)},
		{"png", buildICO([][]byte{pngIcon.Bytes()}, [][2]byte{{16, 16}}), color.Gray{Y: 255}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := Detect(c.data)
			if f != formatICO {
				t.Fatalf("Detect = %+v, want ICO", f)
			}
			out, mime, err := Resize(c.data, f, 8, 8, false)
			if err != nil {
				t.Fatal(err)
			}
			img := decodeOutput(t, out, mime)
			if got := img.Bounds().Size(); got != image.Pt(8, 8) {
				t.Errorf("size = %v, want 8×8", got)
			}
			got := color.GrayModel.Convert(img.At(4, 4)).(color.Gray)
			if d := int(got.Y) - int(c.want.Y); d < -8 || d > 8 {
				t.Errorf("gray level = %d, want about %d", got.Y, c.want.Y)
			}
		})
	}
}

func TestICOLargestImageErrors(t *testing.T) {
	for name, data := range map[string][]byte{
		"truncated":      {0, 0, 1, 0},
		"entry outside":  buildICO(nil, nil)[:6],
		"not a bitmap":   buildICO([][]byte{[]byte("not an image at all, just text here!!!!!!!!")}, [][2]byte{{1, 1}}),
		"palette beyond": buildICO([][]byte{dib8(4, 4, color.RGBA{})[:44]}, [][2]byte{{4, 4}}),
	} {
		if _, err := icoLargestImage(data); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
