package media

import "testing"

// BenchmarkDetectReadMetadata measures what the emulator does for each
// upload: detect the format, then read the metadata.
func BenchmarkDetectReadMetadata(b *testing.B) {
	for _, rel := range []string{
		"Camera Roll/2003 Beijing/DSC_0001.jpg",
		"Tricky/iphone.heic",
		"Videos/clip-2010.mp4",
		"Camera Roll/RAW/GOPR0100.GPR",
	} {
		data := readSample(b, rel)
		b.Run(rel, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				f := Detect(data)
				if _, err := ReadMetadata(data, f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDetect measures the scanner's per-file check on SniffLen bytes.
func BenchmarkDetect(b *testing.B) {
	data := readSample(b, "Tricky/canon_eos_gps.jpg")[:SniffLen]
	for b.Loop() {
		Detect(data)
	}
}

// BenchmarkResize measures a thumbnail of a 1024×1280 JPEG, as the
// emulator serves for "=w256-h256".
func BenchmarkResize(b *testing.B) {
	data := readSample(b, "Camera Roll/portrait.jpg")
	for b.Loop() {
		if _, _, err := Resize(data, formatJPEG, 256, 256, false); err != nil {
			b.Fatal(err)
		}
	}
}
