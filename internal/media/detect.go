package media

import (
	"bytes"
	"encoding/binary"
	"strings"

	"github.com/gabriel-vasile/mimetype"
)

// Formats that Detect returns. Unsupported formats other than these come
// from mimetype's names.
var (
	formatJPEG = Format{Kind: Photo, MIME: "image/jpeg", Ext: ".jpg"}
	formatPNG  = Format{Kind: Photo, MIME: "image/png", Ext: ".png"}
	formatGIF  = Format{Kind: Photo, MIME: "image/gif", Ext: ".gif"}
	formatWebP = Format{Kind: Photo, MIME: "image/webp", Ext: ".webp"}
	formatBMP  = Format{Kind: Photo, MIME: "image/bmp", Ext: ".bmp"}
	formatICO  = Format{Kind: Photo, MIME: "image/x-icon", Ext: ".ico"}
	formatTIFF = Format{Kind: Photo, MIME: "image/tiff", Ext: ".tiff"}
	formatHEIC = Format{Kind: Photo, MIME: "image/heic", Ext: ".heic"}
	formatHEIF = Format{Kind: Photo, MIME: "image/heif", Ext: ".heif"}
	formatAVIF = Format{Kind: Photo, MIME: "image/avif", Ext: ".avif"}

	formatCRW = Format{Kind: Photo, MIME: "image/x-canon-crw", Ext: ".crw"}
	formatCR2 = Format{Kind: Photo, MIME: "image/x-canon-cr2", Ext: ".cr2"}
	formatCR3 = Format{Kind: Photo, MIME: "image/x-canon-cr3", Ext: ".cr3"}
	formatDNG = Format{Kind: Photo, MIME: "image/x-adobe-dng", Ext: ".dng"}
	formatGPR = Format{Kind: Photo, MIME: "image/x-gopro-gpr", Ext: ".gpr"}
	formatNEF = Format{Kind: Photo, MIME: "image/x-nikon-nef", Ext: ".nef"}
	formatARW = Format{Kind: Photo, MIME: "image/x-sony-arw", Ext: ".arw"}
	formatPEF = Format{Kind: Photo, MIME: "image/x-pentax-pef", Ext: ".pef"}
	formatSRW = Format{Kind: Photo, MIME: "image/x-samsung-srw", Ext: ".srw"}
	formatORF = Format{Kind: Photo, MIME: "image/x-olympus-orf", Ext: ".orf"}
	formatRW2 = Format{Kind: Photo, MIME: "image/x-panasonic-rw2", Ext: ".rw2"}
	formatRAF = Format{Kind: Photo, MIME: "image/x-fuji-raf", Ext: ".raf"}

	formatMP4  = Format{Kind: Video, MIME: "video/mp4", Ext: ".mp4"}
	formatMOV  = Format{Kind: Video, MIME: "video/quicktime", Ext: ".mov"}
	formatM4V  = Format{Kind: Video, MIME: "video/x-m4v", Ext: ".m4v"}
	format3GP  = Format{Kind: Video, MIME: "video/3gpp", Ext: ".3gp"}
	format3G2  = Format{Kind: Video, MIME: "video/3gpp2", Ext: ".3g2"}
	formatAVI  = Format{Kind: Video, MIME: "video/x-msvideo", Ext: ".avi"}
	formatMKV  = Format{Kind: Video, MIME: "video/x-matroska", Ext: ".mkv"}
	formatASF  = Format{Kind: Video, MIME: "video/x-ms-asf", Ext: ".asf"}
	formatMPEG = Format{Kind: Video, MIME: "video/mpeg", Ext: ".mpg"}
	formatTS   = Format{Kind: Video, MIME: "video/mp2t", Ext: ".ts"}
	formatM2TS = Format{Kind: Video, MIME: "video/mp2t", Ext: ".m2ts"}
)

// supportedFormats lists every supported format that Detect returns.
var supportedFormats = []Format{
	formatJPEG, formatPNG, formatGIF, formatWebP, formatBMP, formatICO, formatTIFF,
	formatHEIC, formatHEIF, formatAVIF, formatCRW, formatCR2, formatCR3, formatDNG,
	formatGPR, formatNEF, formatARW, formatPEF, formatSRW, formatORF, formatRW2, formatRAF,
	formatMP4, formatMOV, formatM4V, format3GP, format3G2, formatAVI, formatMKV, formatASF,
	formatMPEG, formatTS, formatM2TS,
}

// formatsByMIME maps each supported MIME type to its format. The two
// transport stream variants share one MIME type and map to the first.
var formatsByMIME = func() map[string]Format {
	m := map[string]Format{}
	for _, f := range supportedFormats {
		if _, ok := m[f.MIME]; !ok {
			m[f.MIME] = f
		}
	}
	return m
}()

// lookupFormat returns the supported format with the MIME type of f, so
// that functions taking a Format accept one built by hand from a stored
// MIME type as well as one from Detect.
func lookupFormat(f Format) (Format, bool) {
	known, ok := formatsByMIME[f.MIME]
	return known, ok
}

// Reasons for Unsupported formats.
const (
	reasonEmpty        = "empty file"
	reasonUnknown      = "content is not a known photo or video format"
	reasonNotAccepted  = "Google Photos does not accept this format"
	reasonXMP          = "XMP sidecar, metadata without an image"
	reasonText         = "text, not a photo or video"
	reasonAudio        = "audio without video"
	reasonWebM         = "WebM is not among the video formats Google Photos lists"
	reasonTruncatedBox = "ISO BMFF file type box is truncated"
)

var asfHeaderGUID = []byte{0x30, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11, 0xA6, 0xD9, 0x00, 0xAA, 0x00, 0x62, 0xCE, 0x6C}

// Detect returns the format of a file from its leading bytes, at most
// [SniffLen] of which it reads. It never looks at a file name.
//
// Camera RAW formats built on TIFF share TIFF's signature, so Detect
// distinguishes them by the contents of IFD0. A DNGVersion tag marks DNG,
// or GoPro GPR when Make is "GoPro". "CR" after the header marks CR2. A
// camera Make together with raw-file structure (SubIFDs, a
// reduced-resolution IFD0 or a JPEG-compressed IFD0) marks NEF, ARW, PEF
// or SRW.
//
// NOTE: Some RAW variants cannot be distinguished by content: Nikon NRW
// reads as NEF, Sony SR2 and SRF read as ARW, and RAW files from other
// makers that use plain TIFF read as TIFF. All of these are Photo either
// way.
func Detect(head []byte) Format {
	if len(head) > SniffLen {
		head = head[:SniffLen]
	}
	if len(head) == 0 {
		return Format{Reason: reasonEmpty}
	}
	if f, ok := detectImage(head); ok {
		return f
	}
	if f, ok := detectRAW(head); ok {
		return f
	}
	if f, ok := detectISOBMFF(head); ok {
		return f
	}
	if f, ok := detectVideo(head); ok {
		return f
	}
	return detectOther(head)
}

func detectImage(head []byte) (Format, bool) {
	switch {
	case bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}):
		return formatJPEG, true
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return formatPNG, true
	case bytes.HasPrefix(head, []byte("GIF87a")), bytes.HasPrefix(head, []byte("GIF89a")):
		return formatGIF, true
	case len(head) >= 12 && string(head[:4]) == "RIFF" && string(head[8:12]) == "WEBP":
		return formatWebP, true
	case isBMP(head):
		return formatBMP, true
	case isICO(head):
		return formatICO, true
	}
	return Format{}, false
}

// isBMP checks the "BM" signature and that the DIB header has one of the
// sizes that Windows and OS/2 define, because "BM" alone also starts text.
func isBMP(head []byte) bool {
	if len(head) < 18 || head[0] != 'B' || head[1] != 'M' {
		return false
	}
	switch binary.LittleEndian.Uint32(head[14:18]) {
	case 12, 16, 40, 52, 56, 64, 108, 124:
		return true
	}
	return false
}

// isICO checks the ICONDIR header: reserved zero, type 1 and at least one
// image whose directory entry has a zero reserved byte and 0 or 1 planes.
func isICO(head []byte) bool {
	if len(head) < 22 || !bytes.HasPrefix(head, []byte{0, 0, 1, 0}) {
		return false
	}
	count := binary.LittleEndian.Uint16(head[4:6])
	planes := binary.LittleEndian.Uint16(head[10:12])
	return count > 0 && head[9] == 0 && planes <= 1
}

func detectRAW(head []byte) (Format, bool) {
	switch {
	case len(head) >= 14 && string(head[:4]) == "II\x1a\x00" && string(head[6:14]) == "HEAPCCDR":
		return formatCRW, true
	case bytes.HasPrefix(head, []byte("FUJIFILMCCD-RAW ")):
		return formatRAF, true
	case bytes.HasPrefix(head, []byte("IIRO")), bytes.HasPrefix(head, []byte("IIRS")),
		bytes.HasPrefix(head, []byte("MMOR")):
		return formatORF, true
	case bytes.HasPrefix(head, []byte("IIU\x00")):
		return formatRW2, true
	case bytes.HasPrefix(head, []byte("II*\x00")), bytes.HasPrefix(head, []byte("MM\x00*")):
		return classifyTIFF(head), true
	case bytes.HasPrefix(head, []byte("II+\x00")), bytes.HasPrefix(head, []byte("MM\x00+")):
		// BigTIFF: a TIFF with 64-bit offsets.
		return formatTIFF, true
	}
	return Format{}, false
}

// classifyTIFF distinguishes a plain TIFF from the camera RAW formats
// built on it, reading IFD0 from the part of the file in head.
func classifyTIFF(head []byte) Format {
	if len(head) >= 11 && head[8] == 'C' && head[9] == 'R' && head[10] == 2 {
		return formatCR2
	}
	t, err := newTIFF(head)
	if err != nil {
		return formatTIFF
	}
	ifd0, err := t.ifd(t.first)
	if err != nil {
		return formatTIFF
	}

	cameraMake := strings.ToUpper(t.str(ifd0.find(tagMake)))
	if _, ok := ifd0.find(tagDNGVersion); ok {
		if strings.HasPrefix(cameraMake, "GOPRO") {
			return formatGPR
		}
		return formatDNG
	}

	_, hasSubIFDs := ifd0.find(tagSubIFDs)
	subfileType, _ := t.uint(ifd0.find(tagNewSubfileType))
	compression, _ := t.uint(ifd0.find(tagCompression))
	rawLayout := hasSubIFDs || subfileType&1 != 0 || compression == 6 || compression == 7
	if !rawLayout {
		return formatTIFF
	}

	switch {
	case strings.HasPrefix(cameraMake, "NIKON"):
		return formatNEF
	case strings.HasPrefix(cameraMake, "SONY"):
		return formatARW
	case strings.HasPrefix(cameraMake, "PENTAX"), strings.HasPrefix(cameraMake, "RICOH"):
		return formatPEF
	case strings.HasPrefix(cameraMake, "SAMSUNG"):
		return formatSRW
	case strings.HasPrefix(cameraMake, "CANON"):
		return formatCR2
	}
	return formatTIFF
}

// detectISOBMFF classifies files that start with an ISO base media "ftyp"
// box (MP4, QuickTime, 3GP, HEIF, AVIF, CR3) by their major and compatible
// brands.
func detectISOBMFF(head []byte) (Format, bool) {
	if len(head) < 12 || string(head[4:8]) != "ftyp" {
		if len(head) >= 8 && isQuickTimeAtom(string(head[4:8])) {
			// Old QuickTime files start with a moov, mdat, wide or free
			// atom and have no ftyp.
			return formatMOV, true
		}
		return Format{}, false
	}
	size := int(binary.BigEndian.Uint32(head[:4]))
	if size < 16 || size > len(head) {
		if size < 12 {
			return Format{Reason: reasonTruncatedBox}, true
		}
		size = min(size, len(head))
	}
	major := string(head[8:12])
	var brands []string
	brands = append(brands, major)
	for off := 16; off+4 <= size; off += 4 {
		brands = append(brands, string(head[off:off+4]))
	}
	return classifyBrands(major, brands), true
}

func isQuickTimeAtom(typ string) bool {
	switch typ {
	case "moov", "mdat", "wide", "free", "skip", "pnot":
		return true
	}
	return false
}

func classifyBrands(major string, brands []string) Format {
	has := func(want ...string) bool {
		for _, b := range brands {
			for _, w := range want {
				if b == w {
					return true
				}
			}
		}
		return false
	}
	switch {
	case major == "crx ":
		return formatCR3
	case major == "avif" || major == "avis":
		return formatAVIF
	case major == "heic" || major == "heix" || major == "heim" || major == "heis" ||
		major == "hevc" || major == "hevx" || major == "hevm" || major == "hevs":
		return formatHEIC
	case major == "mif1" || major == "msf1" || major == "mif2":
		// Generic HEIF: the codec brand is among the compatible ones.
		switch {
		case has("avif", "avis"):
			return formatAVIF
		case has("heic", "heix", "hevc", "hevx"):
			return formatHEIC
		}
		return formatHEIF
	case major == "qt  ":
		return formatMOV
	case strings.HasPrefix(major, "3g2"), strings.HasPrefix(major, "KDDI"):
		return format3G2
	case strings.HasPrefix(major, "3gp"), strings.HasPrefix(major, "3ge"), strings.HasPrefix(major, "3gg"):
		return format3GP
	case major == "M4V " || major == "M4VH" || major == "M4VP":
		return formatM4V
	case major == "M4A " || major == "M4B " || major == "M4P " || major == "F4A " || major == "F4B ":
		return Format{MIME: "audio/mp4", Ext: ".m4a", Reason: reasonAudio}
	}
	// NOTE: An audio-only file with a generic brand such as "isom" reads
	// as MP4 video, because telling needs the track handlers in moov,
	// which is often at the end of the file.
	return formatMP4
}

// detectVideo recognizes the video containers that do not start with an
// ISO BMFF box. Several extensions in Google's list are one of these
// containers: DIVX is AVI, WMV is ASF, MOD and TOD are MPEG program
// streams, and M2T, M2TS and MTS are MPEG transport streams.
//
// NOTE: MMV files are recognized only when their content is one of the
// containers here or an ISO BMFF one, because no format description of
// MMV was available to check against.
func detectVideo(head []byte) (Format, bool) {
	switch {
	case len(head) >= 12 && string(head[:4]) == "RIFF" && string(head[8:12]) == "AVI ":
		return formatAVI, true
	case bytes.HasPrefix(head, asfHeaderGUID):
		// WMV and ASF are one container, so both read as ASF.
		return formatASF, true
	case bytes.HasPrefix(head, []byte{0x1A, 0x45, 0xDF, 0xA3}):
		if matroskaDocType(head) == "webm" {
			return Format{MIME: "video/webm", Ext: ".webm", Reason: reasonWebM}, true
		}
		return formatMKV, true
	case bytes.HasPrefix(head, []byte{0, 0, 1, 0xBA}), bytes.HasPrefix(head, []byte{0, 0, 1, 0xB3}):
		// MPEG program stream (also camcorder MOD and TOD files) or an
		// MPEG-1/2 video elementary stream.
		return formatMPEG, true
	}
	return detectTransportStream(head)
}

// detectTransportStream recognizes MPEG transport streams, which have no
// magic number.
//
// NOTE: A transport stream is recognized by its sync byte 0x47, repeating
// every 188 bytes (plain TS, ".m2t" or ".ts") or at byte 4 of every 192
// bytes (BDAV and AVCHD with a 4-byte timestamp, ".mts" or ".m2ts"). The
// byte must be in place in every whole packet in head, and in at least
// four, so a file shorter than four packets is not recognized.
func detectTransportStream(head []byte) (Format, bool) {
	const minPackets = 4
	check := func(stride, offset int) bool {
		packets := (len(head) - offset) / stride
		if packets < minPackets {
			return false
		}
		for i := range packets {
			if head[offset+i*stride] != 0x47 {
				return false
			}
		}
		return true
	}
	switch {
	case check(188, 0):
		return formatTS, true
	case check(192, 4):
		return formatM2TS, true
	}
	return Format{}, false
}

// matroskaDocType returns the DocType string of an EBML header, such as
// "matroska" or "webm", or "" when head does not contain it.
func matroskaDocType(head []byte) string {
	idx := bytes.Index(head, []byte{0x42, 0x82})
	if idx < 0 || idx+3 > len(head) {
		return ""
	}
	size := int(head[idx+2])
	if size&0x80 == 0 {
		return ""
	}
	size &= 0x7F
	start := idx + 3
	if start+size > len(head) {
		return ""
	}
	return string(head[start : start+size])
}

// detectOther names what a file is when it is no supported photo or video.
func detectOther(head []byte) Format {
	trimmed := bytes.TrimLeft(head, "\ufeff \t\r\n")
	if bytes.HasPrefix(trimmed, []byte("<x:xmpmeta")) || bytes.HasPrefix(trimmed, []byte("<?xpacket")) ||
		(bytes.HasPrefix(trimmed, []byte("<?xml")) && bytes.Contains(head, []byte("adobe:ns:meta"))) {
		return Format{MIME: "application/rdf+xml", Ext: ".xmp", Reason: reasonXMP}
	}
	m := mimetype.Detect(head)
	if m.Is("application/octet-stream") {
		return Format{Reason: reasonUnknown}
	}
	mime, _, _ := strings.Cut(m.String(), ";")
	f := Format{MIME: mime, Ext: m.Extension(), Reason: reasonNotAccepted}
	switch {
	case strings.HasPrefix(mime, "text/"):
		f.Reason = reasonText
	case strings.HasPrefix(mime, "audio/"):
		f.Reason = reasonAudio
	}
	return f
}
