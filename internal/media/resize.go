package media

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	"image/png"

	// Decoders that image.Decode uses, beside jpeg and png above.
	_ "image/gif"

	_ "golang.org/x/image/bmp"
	_ "golang.org/x/image/tiff"
	_ "golang.org/x/image/webp"

	xdraw "golang.org/x/image/draw"
)

// MaxResizeSide is the largest width or height [Resize] produces.
const MaxResizeSide = 16384

// MaxDecodePixels is the largest image, in pixels, that [Resize] decodes,
// and the largest crop box it fills. It bounds memory: a decoded image
// takes up to 8 bytes per pixel.
const MaxDecodePixels = 100_000_000

// Decoders allocate the whole image when they read its header, so a tiny
// file that claims a huge size would cost memory before failing. Resize
// also rejects images with more than plausiblePixelsBase plus
// plausiblePixelsPerByte pixels per byte of file. The ratio is an upper
// estimate: a GIF of one colour, where each 12-bit LZW code stands for up
// to 4096 pixels, compresses about that well, and JPEG and deflate
// compress less.
const (
	plausiblePixelsBase    = 16 << 20
	plausiblePixelsPerByte = 4096
)

// ErrNoDecoder is wrapped by the errors [Resize] returns for formats it
// cannot decode: HEIC, AVIF, videos, and camera RAW files without a JPEG
// preview.
var ErrNoDecoder = errors.New("no decoder for this format")

// jpegQuality is the quality of JPEG output, a common choice for
// thumbnails that keeps artifacts hard to see.
const jpegQuality = 85

// Resize scales an image as Google Photos base URLs do. Without crop it
// fits the image inside width×height keeping its aspect ratio ("=wN-hN"),
// where a zero width or height leaves that side unbounded ("=wN", "=hN"),
// and never enlarges it. With crop it scales the image to cover exactly
// width×height and cuts the overflow evenly from both sides ("=wN-hN-c").
//
// Camera RAW files are resized from the largest JPEG preview they embed,
// as developing the sensor data is beyond this package. The EXIF
// orientation is applied first, so the output is upright and the
// box applies to the image as displayed. The output has no metadata. It is
// PNG for PNG input and JPEG for everything else, and mime is its type.
//
// NOTE: Whether Google enlarges images smaller than a non-cropping box is
// not documented. Resize does not, and for crop it enlarges as needed to
// fill the box.
func Resize(data []byte, f Format, width, height int, crop bool) (out []byte, mime string, err error) {
	if err := checkResizeBox(width, height, crop); err != nil {
		return nil, "", err
	}
	known, ok := lookupFormat(f)
	if !ok {
		return nil, "", fmt.Errorf("resize: format %s is not supported", f)
	}
	f = known
	img, err := decodeForResize(data, f)
	if err != nil {
		return nil, "", err
	}
	meta, _ := ReadMetadata(data, f)
	orientation := meta.Orientation

	src := img.Bounds()
	transposed := orientation >= 5 && orientation <= 8
	// displayed is the size of the image as displayed, after orientation.
	displayed := image.Pt(src.Dx(), src.Dy())
	if transposed {
		displayed = image.Pt(src.Dy(), src.Dx())
	}
	target, from := resizePlan(displayed, width, height, crop)
	// Map the plan back to the stored pixels. Both rectangles are centred
	// or whole, so orientation only swaps their sides.
	if transposed {
		target = image.Pt(target.Y, target.X)
		from = image.Rect(from.Min.Y, from.Min.X, from.Max.Y, from.Max.X)
	}
	from = from.Add(src.Min)

	scaled := image.NewRGBA(image.Rect(0, 0, target.X, target.Y))
	// The bilinear kernel widens with the scale factor, so it averages
	// every source pixel when shrinking, without aliasing. Scaling the
	// 1024×1280 sample of BenchmarkResize to 256 pixels took it a third of
	// Catmull-Rom's time, which matters more for thumbnails than the
	// extra sharpness.
	xdraw.BiLinear.Scale(scaled, scaled.Bounds(), img, from, draw.Src, nil)
	result := orient(scaled, orientation)

	var buf bytes.Buffer
	if f == formatPNG {
		err = png.Encode(&buf, result)
		mime = formatPNG.MIME
	} else {
		flattenOnWhite(result)
		err = jpeg.Encode(&buf, result, &jpeg.Options{Quality: jpegQuality})
		mime = formatJPEG.MIME
	}
	if err != nil {
		return nil, "", fmt.Errorf("resize: encode %s: %w", mime, err)
	}
	return buf.Bytes(), mime, nil
}

func checkResizeBox(width, height int, crop bool) error {
	switch {
	case width < 0 || width > MaxResizeSide:
		return fmt.Errorf("resize: invalid width %d: use 0 to %d", width, MaxResizeSide)
	case height < 0 || height > MaxResizeSide:
		return fmt.Errorf("resize: invalid height %d: use 0 to %d", height, MaxResizeSide)
	case width == 0 && height == 0:
		return errors.New("resize: width and height are both 0: give at least one")
	case crop && (width == 0 || height == 0):
		return fmt.Errorf("resize: crop needs both width and height, got %d×%d", width, height)
	case crop && int64(width)*int64(height) > MaxDecodePixels:
		// A crop fills the box whatever the image size, so the box alone
		// decides the memory the output takes.
		return fmt.Errorf("resize: crop box %d×%d is over the %d-pixel limit", width, height, MaxDecodePixels)
	}
	return nil
}

// decodeForResize decodes the image, or the JPEG preview of a camera RAW
// file, after checking from its header that the decoded pixels stay within
// MaxDecodePixels.
func decodeForResize(data []byte, f Format) (image.Image, error) {
	switch {
	case f == formatJPEG, f == formatPNG, f == formatGIF, f == formatBMP, f == formatTIFF, f == formatWebP:
	case f == formatICO:
		embedded, err := icoLargestImage(data)
		if err != nil {
			return nil, fmt.Errorf("resize: %w", err)
		}
		data = embedded
	case isRAW(f):
		preview, ok := rawPreview(data, f)
		if !ok {
			return nil, fmt.Errorf("resize %s: file has no JPEG preview: %w", f.MIME, ErrNoDecoder)
		}
		data, f = preview, formatJPEG
	default:
		return nil, fmt.Errorf("resize %s: %w", f, ErrNoDecoder)
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("resize: read %s header: %w", f.MIME, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, fmt.Errorf("resize: %s has invalid size %d×%d", f.MIME, cfg.Width, cfg.Height)
	}
	if int64(cfg.Width)*int64(cfg.Height) > MaxDecodePixels {
		return nil, fmt.Errorf("resize: %s of %d×%d pixels is over the %d-pixel limit",
			f.MIME, cfg.Width, cfg.Height, MaxDecodePixels)
	}
	pixels := int64(cfg.Width) * int64(cfg.Height)
	if pixels > plausiblePixelsBase+plausiblePixelsPerByte*int64(len(data)) {
		return nil, fmt.Errorf("resize: %s claims %d×%d pixels, too many for a %d-byte file",
			f.MIME, cfg.Width, cfg.Height, len(data))
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("resize: decode %s: %w", f.MIME, err)
	}
	return img, nil
}

// resizePlan returns the output size and the part of the image (of size
// displayed, origin at zero) that is scaled into it.
func resizePlan(displayed image.Point, width, height int, crop bool) (target image.Point, from image.Rectangle) {
	w, h := float64(displayed.X), float64(displayed.Y)
	if crop {
		// Take the centred part of the image with the box's aspect ratio.
		cropW, cropH := w, w*float64(height)/float64(width)
		if cropH > h {
			cropW, cropH = h*float64(width)/float64(height), h
		}
		iw, ih := max(1, int(cropW+0.5)), max(1, int(cropH+0.5))
		x0, y0 := (displayed.X-iw)/2, (displayed.Y-ih)/2
		return image.Pt(width, height), image.Rect(x0, y0, x0+iw, y0+ih)
	}
	scale := 1.0
	if width > 0 {
		scale = min(scale, float64(width)/w)
	}
	if height > 0 {
		scale = min(scale, float64(height)/h)
	}
	target = image.Pt(max(1, int(w*scale+0.5)), max(1, int(h*scale+0.5)))
	if width > 0 {
		target.X = min(target.X, width)
	}
	if height > 0 {
		target.Y = min(target.Y, height)
	}
	return target, image.Rect(0, 0, displayed.X, displayed.Y)
}

// orient returns img turned for display as EXIF orientation o requires. Orientations outside 2 to 8 return img itself.
func orient(img *image.RGBA, o int) *image.RGBA {
	if o < 2 || o > 8 {
		return img
	}
	w, h := img.Rect.Dx(), img.Rect.Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	out := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for dy := range dh {
		for dx := range dw {
			var sx, sy int
			switch o {
			case 2: // mirrored horizontally
				sx, sy = w-1-dx, dy
			case 3: // turned 180°
				sx, sy = w-1-dx, h-1-dy
			case 4: // mirrored vertically
				sx, sy = dx, h-1-dy
			case 5: // transposed
				sx, sy = dy, dx
			case 6: // stored turned 90° anticlockwise, so turn it clockwise
				sx, sy = dy, h-1-dx
			case 7: // transversed
				sx, sy = w-1-dy, h-1-dx
			case 8: // stored turned 90° clockwise, so turn it anticlockwise
				sx, sy = w-1-dy, dx
			}
			si := img.PixOffset(sx+img.Rect.Min.X, sy+img.Rect.Min.Y)
			di := out.PixOffset(dx, dy)
			copy(out.Pix[di:di+4], img.Pix[si:si+4])
		}
	}
	return out
}

// flattenOnWhite composites img over a white background in place, because
// JPEG has no transparency and encoding would otherwise turn transparent
// pixels black.
func flattenOnWhite(img *image.RGBA) {
	for i := 0; i+3 < len(img.Pix); i += 4 {
		// The pixels are alpha-premultiplied, so adding the missing
		// coverage in white is one addition per channel.
		missing := 255 - img.Pix[i+3]
		img.Pix[i] += missing
		img.Pix[i+1] += missing
		img.Pix[i+2] += missing
		img.Pix[i+3] = 255
	}
}
