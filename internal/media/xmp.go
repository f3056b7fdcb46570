package media

import (
	"bytes"
	"errors"
	"regexp"
	"strings"
	"time"
)

// xmpNamespace starts the payload of a JPEG APP1 segment holding XMP.
var xmpNamespace = []byte("http://ns.adobe.com/xap/1.0/\x00")

// pngXMPKeyword starts an iTXt chunk holding XMP, followed by the
// compression flag.
const pngXMPKeyword = "XML:com.adobe.xmp\x00"

// xmpGPS matches GPS properties in an XMP packet, as attributes
// (exif:GPSLatitude="…") or as simple elements.
var xmpGPS = regexp.MustCompile(`[A-Za-z][\w.-]*:GPS\w*\s*=\s*("[^"]*"|'[^']*')|<([A-Za-z][\w.-]*):GPS\w*>[^<]*</[A-Za-z][\w.-]*:GPS\w*>`)

// xmpDate matches the XMP properties that hold a capture date, as
// attributes or as simple elements.
var xmpDate = regexp.MustCompile(`(?:exif|photoshop|xmp):(DateTimeOriginal|DateCreated|CreateDate)(?:\s*=\s*["']([^"']*)["']|>([^<]*)<)`)

// xmpDateLayouts are the forms of XMP dates, which are ISO 8601 with
// optional parts.
var xmpDateLayouts = []string{
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"2006-01-02",
}

// maxXMPPasses caps the passes of blankXMPLocation. One pass clears real
// packets. Later passes exist because blanking can join the text around a
// property into a new match, and every pass removes at least one ":GPS".
const maxXMPPasses = 16

// blankXMPLocation overwrites the GPS properties in an XMP packet with
// spaces, which XML allows between attributes and between elements. It
// returns an error, with the packet partly blanked, when GPS properties
// remain after maxXMPPasses passes.
func blankXMPLocation(packet []byte) error {
	for range maxXMPPasses {
		matches := xmpGPS.FindAllIndex(packet, -1)
		if len(matches) == 0 {
			return nil
		}
		for _, loc := range matches {
			for i := loc[0]; i < loc[1]; i++ {
				packet[i] = ' '
			}
		}
	}
	return errors.New("xmp: GPS properties remain after blanking")
}

// xmpHasLocation reports whether an XMP packet holds a GPS latitude or
// longitude property.
func xmpHasLocation(packet []byte) bool {
	for _, match := range xmpGPS.FindAll(packet, -1) {
		if bytes.Contains(match, []byte(":GPSLatitude")) || bytes.Contains(match, []byte(":GPSLongitude")) {
			return true
		}
	}
	return false
}

// xmpCaptureTime returns the capture time in an XMP packet, preferring
// exif:DateTimeOriginal, then photoshop:DateCreated, then xmp:CreateDate.
// Dates without a zone are returned in UTC, as EXIF dates are. It returns
// the zero time when the packet has none of them.
func xmpCaptureTime(packet []byte) time.Time {
	found := map[string]time.Time{}
	for _, match := range xmpDate.FindAllSubmatch(packet, -1) {
		value := match[2]
		if value == nil {
			value = match[3]
		}
		for _, layout := range xmpDateLayouts {
			if ts, err := time.ParseInLocation(layout, strings.TrimSpace(string(value)), time.UTC); err == nil {
				if _, ok := found[string(match[1])]; !ok {
					found[string(match[1])] = ts
				}
				break
			}
		}
	}
	for _, name := range []string{"DateTimeOriginal", "DateCreated", "CreateDate"} {
		if ts, ok := found[name]; ok {
			return ts
		}
	}
	return time.Time{}
}

// pngXMP returns the XMP packet of an uncompressed iTXt chunk body, or nil.
func pngXMP(body []byte) []byte {
	if !bytes.HasPrefix(body, []byte(pngXMPKeyword)) || len(body) <= len(pngXMPKeyword) || body[len(pngXMPKeyword)] != 0 {
		return nil
	}
	return body[len(pngXMPKeyword):]
}
