package emulator

import (
	"encoding/json"
	"math"
	"strconv"
	"sync"
)

// The media item responses are the largest the emulator sends, one
// mediaItem per created or listed item, so they are encoded by hand instead
// of by encoding/json's reflection. Each appendJSON method writes exactly
// the bytes json.Marshal writes for the same value: members in struct
// order, omitempty fields left out when zero, and strings and floats that
// need encoding/json's escaping or formatting passed to json.Marshal
// itself. TestAppendJSONMatchesMarshal and FuzzAppendJSON compare the two.

// jsonAppender is a response that appends its JSON encoding to b. It
// returns false for a value json.Marshal rejects, a NaN or an infinite
// float, and then the caller encodes with json.Marshal to get its error.
type jsonAppender interface {
	appendJSON(b []byte) ([]byte, bool)
}

// responseBuffers holds *[]byte buffers for encoding responses.
var responseBuffers = sync.Pool{New: func() any { return new([]byte) }}

// maxPooledResponse is the largest buffer put back in responseBuffers, so
// that one large page does not stay allocated.
const maxPooledResponse = 1 << 20

// members appends the members of one JSON object after its opening brace.
type members struct {
	b []byte
	n int
	// invalid is set by a float json.Marshal rejects.
	invalid bool
}

// name appends a member's name, after a comma unless it is the first.
func (m *members) name(key string) {
	if m.n > 0 {
		m.b = append(m.b, ',')
	}
	m.n++
	m.b = append(m.b, '"')
	m.b = append(m.b, key...)
	m.b = append(m.b, '"', ':')
}

// str appends an omitempty string member.
func (m *members) str(key, value string) {
	if value == "" {
		return
	}
	m.name(key)
	m.b = appendJSONString(m.b, value)
}

// int32 appends an omitempty int32 member.
func (m *members) int32(key string, value int32) {
	if value == 0 {
		return
	}
	m.name(key)
	m.b = strconv.AppendInt(m.b, int64(value), 10)
}

// float appends an omitempty float64 member with encoding/json's
// formatting.
func (m *members) float(key string, value float64) {
	if value == 0 {
		return
	}
	if math.IsNaN(value) || math.IsInf(value, 0) {
		m.invalid = true
		return
	}
	m.name(key)
	text, _ := json.Marshal(value)
	m.b = append(m.b, text...)
}

// object appends a member whose value is an object or an array.
func (m *members) object(key string, value jsonAppender) {
	m.name(key)
	m.value(value)
}

// value appends a value without a name, as an array element.
func (m *members) value(value jsonAppender) {
	var ok bool
	m.b, ok = value.appendJSON(m.b)
	m.invalid = m.invalid || !ok
}

// array appends an omitempty member holding items as a JSON array.
func array[T any, P interface {
	*T
	jsonAppender
}](m *members, key string, items []T) {
	if len(items) == 0 {
		return
	}
	m.name(key)
	m.b = append(m.b, '[')
	for i := range items {
		if i > 0 {
			m.b = append(m.b, ',')
		}
		m.value(P(&items[i]))
	}
	m.b = append(m.b, ']')
}

func (m *members) close() ([]byte, bool) {
	return append(m.b, '}'), !m.invalid
}

// appendJSONString appends s as a JSON string. A string of printable ASCII
// without the characters encoding/json escapes (quote, backslash, <, > and
// &) is copied as it is, and any other goes through json.Marshal.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			text, _ := json.Marshal(s)
			return append(b, text...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

func (r batchCreateResponse) appendJSON(b []byte) ([]byte, bool) {
	m := members{b: append(b, '{')}
	array(&m, "newMediaItemResults", r.NewMediaItemResults)
	return m.close()
}

func (r batchGetResponse) appendJSON(b []byte) ([]byte, bool) {
	m := members{b: append(b, '{')}
	array(&m, "mediaItemResults", r.MediaItemResults)
	return m.close()
}

func (p mediaItemsPage) appendJSON(b []byte) ([]byte, bool) {
	m := members{b: append(b, '{')}
	array(&m, "mediaItems", p.MediaItems)
	m.str("nextPageToken", p.NextPageToken)
	return m.close()
}

func (r *mediaItemResultJSON) appendJSON(b []byte) ([]byte, bool) {
	m := members{b: append(b, '{')}
	if r.Status != nil {
		m.object("status", r.Status)
	}
	if r.MediaItem != nil {
		m.object("mediaItem", r.MediaItem)
	}
	return m.close()
}

func (r *newMediaItemResultJSON) appendJSON(b []byte) ([]byte, bool) {
	m := members{b: append(b, '{')}
	m.str("uploadToken", r.UploadToken)
	if r.Status != nil {
		m.object("status", r.Status)
	}
	if r.MediaItem != nil {
		m.object("mediaItem", r.MediaItem)
	}
	return m.close()
}

func (s *statusJSON) appendJSON(b []byte) ([]byte, bool) {
	m := members{b: append(b, '{')}
	m.int32("code", s.Code)
	m.str("message", s.Message)
	return m.close()
}

func (it *mediaItemJSON) appendJSON(b []byte) ([]byte, bool) {
	m := members{b: append(b, '{')}
	m.str("id", it.ID)
	m.str("description", it.Description)
	m.str("productUrl", it.ProductURL)
	m.str("baseUrl", it.BaseURL)
	m.str("mimeType", it.MimeType)
	if it.MediaMetadata != nil {
		m.object("mediaMetadata", it.MediaMetadata)
	}
	if it.ContributorInfo != nil {
		m.object("contributorInfo", it.ContributorInfo)
	}
	m.str("filename", it.Filename)
	return m.close()
}

func (md *mediaMetadataJSON) appendJSON(b []byte) ([]byte, bool) {
	m := members{b: append(b, '{')}
	m.str("creationTime", md.CreationTime)
	m.str("width", md.Width)
	m.str("height", md.Height)
	if md.Photo != nil {
		m.object("photo", md.Photo)
	}
	if md.Video != nil {
		m.object("video", md.Video)
	}
	return m.close()
}

func (p *photoJSON) appendJSON(b []byte) ([]byte, bool) {
	m := members{b: append(b, '{')}
	m.str("cameraMake", p.CameraMake)
	m.str("cameraModel", p.CameraModel)
	m.float("focalLength", p.FocalLength)
	m.float("apertureFNumber", p.ApertureFNumber)
	m.int32("isoEquivalent", p.IsoEquivalent)
	m.str("exposureTime", p.ExposureTime)
	return m.close()
}

func (v *videoJSON) appendJSON(b []byte) ([]byte, bool) {
	m := members{b: append(b, '{')}
	m.str("cameraMake", v.CameraMake)
	m.str("cameraModel", v.CameraModel)
	m.float("fps", v.Fps)
	m.str("status", v.Status)
	return m.close()
}

func (ci *contributorInfoJSON) appendJSON(b []byte) ([]byte, bool) {
	m := members{b: append(b, '{')}
	m.str("profilePictureBaseUrl", ci.ProfilePictureBaseURL)
	m.str("displayName", ci.DisplayName)
	return m.close()
}
