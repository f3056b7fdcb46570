// Package media recognizes the photo and video formats that Google Photos
// accepts and reads what the Library API reports about them.
//
// Detection looks at content only, never at the file name: a PNG named
// ".jpg" is a PNG, and an empty file or an XMP sidecar is Unsupported.
// [Detect] needs the first [SniffLen] bytes of a file.
//
// [ReadMetadata] returns the dimensions, capture time and camera settings
// that the API puts in mediaMetadata. It reads EXIF, ISO BMFF boxes (MP4,
// QuickTime, 3GP, HEIC, AVIF, CR3), Matroska, ASF, CIFF and image headers
// with its own readers. These check every offset and cap every count, so
// corrupt or hostile input yields an error or partial metadata. It never
// panics, which the fuzz targets check, and its work and memory grow
// linearly with the input.
//
// [StripLocation] removes GPS data the way Google's "=d" downloads do, and
// [Resize] produces the scaled images that "=wN-hN" and "=wN-hN-c" serve.
//
// The package is a pure library: it does no logging and keeps no state.
package media
