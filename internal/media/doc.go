// Package media recognizes the photo and video formats that Google Photos
// accepts and reads what the Library API reports about them.
//
// Detection looks at content only, never at the file name: a PNG named
// ".jpg" is a PNG, and an empty file or an XMP sidecar is Unsupported.
// [Detect] needs the first [SniffLen] bytes of a file.
//
// [ReadMetadata] returns the dimensions, capture time and camera settings
// that the API puts in mediaMetadata. It parses EXIF, ISO BMFF boxes (MP4,
// QuickTime, 3GP, HEIC, AVIF) and image headers with its own bounded
// readers, so that corrupt or hostile input yields an error or partial
// metadata, never a panic, a hang or an allocation larger than the input.
//
// [StripLocation] removes GPS data the way Google's "=d" downloads do, and
// [Resize] produces the scaled images that "=wN-hN" and "=wN-hN-c" serve.
//
// The package is a pure library: it does no logging and keeps no state.
package media
