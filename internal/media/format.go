package media

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// Kind is the class of media item a file becomes in Google Photos.
type Kind int

// The kinds of media. The zero value is Unsupported.
const (
	Unsupported Kind = iota
	Photo
	Video
)

// String returns "unsupported", "photo" or "video".
func (k Kind) String() string {
	switch k {
	case Photo:
		return "photo"
	case Video:
		return "video"
	case Unsupported:
		return "unsupported"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Format is the format of a file's content, as [Detect] found it.
type Format struct {
	// Kind is Unsupported for anything Google Photos does not accept.
	Kind Kind
	// MIME is the media type, such as "image/jpeg" or "video/mp4". It is
	// set for recognized but unsupported formats too, and empty when the
	// content is not recognized.
	MIME string
	// Ext is the canonical file extension with its leading dot, such as
	// ".jpg"; empty when MIME is empty.
	Ext string
	// Reason explains why Kind is Unsupported, for messages to the user.
	// It is empty for supported formats.
	Reason string
}

// Supported reports whether Google Photos accepts the format.
func (f Format) Supported() bool {
	return f.Kind == Photo || f.Kind == Video
}

// String returns the MIME type, or the reason for an unsupported format.
func (f Format) String() string {
	if f.Supported() {
		return f.MIME
	}
	if f.MIME != "" {
		return fmt.Sprintf("unsupported (%s: %s)", f.MIME, f.Reason)
	}
	return "unsupported (" + f.Reason + ")"
}

// Upload size limits of Google Photos.
const (
	// MaxPhotoSize is the largest photo file Google Photos accepts, in bytes.
	MaxPhotoSize int64 = 200 << 20
	// MaxVideoSize is the largest video file Google Photos accepts, in bytes.
	MaxVideoSize int64 = 20 << 30
)

// SniffLen is how many leading bytes [Detect] needs. Fewer bytes work for
// most formats, but MPEG transport streams need several packets and
// TIFF-based camera RAW files need IFD0 with its Make string.
const SniffLen = 8192

// ErrTooLarge is wrapped by the errors [CheckSize] returns.
var ErrTooLarge = errors.New("file too large for Google Photos")

// CheckSize returns nil when a file of size bytes in format f is within the
// Google Photos limit for its kind. Otherwise it returns an error, wrapping
// [ErrTooLarge] when the size is over the limit, that names the size and
// the limit.
func CheckSize(f Format, size int64) error {
	var limit int64
	switch f.Kind {
	case Photo:
		limit = MaxPhotoSize
	case Video:
		limit = MaxVideoSize
	default:
		return fmt.Errorf("check size: format %s has no size limit because it cannot be uploaded", f)
	}
	if size < 0 {
		return fmt.Errorf("check size: invalid size %d bytes", size)
	}
	if size > limit {
		return fmt.Errorf("check size: %s of %d bytes is over the %d-byte limit for %ss: %w",
			f.MIME, size, limit, f.Kind, ErrTooLarge)
	}
	return nil
}

// DetectFile reads the first [SniffLen] bytes of the file at path and
// returns [Detect] of them. It returns an error only when the file cannot be
// opened or read. An empty file is a Format with Kind Unsupported.
func DetectFile(path string) (Format, error) {
	file, err := os.Open(path)
	if err != nil {
		return Format{}, fmt.Errorf("detect %s: %w", path, err)
	}
	defer file.Close()
	head := make([]byte, SniffLen)
	n, err := io.ReadFull(file, head)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return Format{}, fmt.Errorf("detect %s: %w", path, err)
	}
	return Detect(head[:n]), nil
}
