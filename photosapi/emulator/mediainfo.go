package emulator

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"

	"github.com/photosync/photosync/internal/media"
)

// probeMedia learns what the emulator shows about an item from its bytes.
// It reports false for bytes Google Photos does not accept.
func probeMedia(data []byte) (mediaInfo, bool) {
	format := media.Detect(data)
	if !format.Supported() {
		return mediaInfo{MimeType: format.MIME}, false
	}
	info := mediaInfo{MimeType: format.MIME, Video: format.Kind == media.Video}
	// Corrupt metadata still yields the fields that could be read, as
	// Google shows what it can of a damaged file, so the error is dropped.
	md, _ := media.ReadMetadata(data, format)
	info.Width, info.Height = int64(md.Width), int64(md.Height)
	info.CaptureTime = md.CaptureTime
	info.CameraMake, info.CameraModel = md.CameraMake, md.CameraModel
	info.FocalLength, info.ApertureFNumber = md.FocalLength, md.ApertureFNumber
	info.ISOEquivalent = md.ISOEquivalent
	info.ExposureTime = md.ExposureTime.Seconds()
	info.FPS = md.FPS
	return info, true
}

// downloadPhoto returns the bytes for a photo's =d fetch: the original
// without location metadata, as Google serves it.
func downloadPhoto(data []byte) ([]byte, string, error) {
	format := media.Detect(data)
	out, err := media.StripLocation(data, format)
	if err != nil {
		return nil, "", fmt.Errorf("strip location: %w", err)
	}
	return out, format.MIME, nil
}

// resizePhoto scales a photo for a base URL with width and height
// parameters (either may be 0 for "no limit"); crop fills the box exactly.
func resizePhoto(data []byte, width, height int, crop bool) ([]byte, string, error) {
	return media.Resize(data, media.Detect(data), width, height, crop)
}

// fitBox returns the output size for a srcW×srcH image and a box of
// boxW×boxH, where 0 means unbounded. Without crop the aspect ratio is kept
// and the image is never enlarged.
func fitBox(srcW, srcH, boxW, boxH int, crop bool) (int, int) {
	if srcW <= 0 || srcH <= 0 {
		return 1, 1
	}
	if crop && boxW > 0 && boxH > 0 {
		return boxW, boxH
	}
	w, h := srcW, srcH
	if boxW > 0 && w > boxW {
		h = max(1, h*boxW/w)
		w = boxW
	}
	if boxH > 0 && h > boxH {
		w = max(1, w*boxH/h)
		h = boxH
	}
	return w, h
}

// placeholderJPEG returns a plain grey JPEG of w×h pixels.
func placeholderJPEG(w, h int) ([]byte, error) {
	img := image.NewGray(image.Rect(0, 0, max(w, 1), max(h, 1)))
	for i := range img.Pix {
		img.Pix[i] = 0x80
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
