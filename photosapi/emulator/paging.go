package emulator

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
)

// Page sizes, as Google documents them. A larger pageSize is clamped to the
// maximum, not rejected. Google does not document which of the two it does,
// so the emulator takes the choice that gives a client requesting "as many
// as possible" a valid page.
const (
	albumsPageDefault = 20
	albumsPageMax     = 50
	itemsPageDefault  = 25
	itemsPageMax      = 100
)

// cursor is the content of a page token: where the next page starts in a
// listing identified by Scope.
type cursor struct {
	// Scope names the listing (method plus its arguments), so that a
	// token cannot be replayed against another one.
	Scope string `json:"s"`
	// After is the sort key of the last entry already returned, for
	// listings ordered by key.
	After sortKey `json:"a,omitzero"`
	// Offset is the index of the next entry, for album contents, which
	// are ordered by position.
	Offset int `json:"o,omitempty"`
}

// sortKey orders media items by creation time, with the creation sequence
// breaking ties. Albums use only the sequence.
type sortKey struct {
	UnixNano int64 `json:"t,omitempty"`
	Sequence int64 `json:"q"`
}

func encodeCursor(c cursor) string {
	data, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(data)
}

// decodeCursor parses a page token. An empty token means the first page.
func decodeCursor(token, scope string) (cursor, bool, *apiError) {
	if token == "" {
		return cursor{}, false, nil
	}
	data, err := base64.RawURLEncoding.DecodeString(token)
	var c cursor
	if err == nil {
		err = json.Unmarshal(data, &c)
	}
	if err != nil || c.Scope != scope || c.Offset < 0 {
		return cursor{}, false, invalidArgument("Invalid page token. Send the nextPageToken of the previous page with the same request arguments.")
	}
	return c, true, nil
}

// pageSize applies the default and maximum to a requested page size.
func pageSize(requested int64, def, maxSize int) (int, *apiError) {
	switch {
	case requested < 0:
		return 0, invalidArgument(fmt.Sprintf("Invalid pageSize %d: it must not be negative.", requested))
	case requested == 0:
		return def, nil
	case requested > int64(maxSize):
		return maxSize, nil
	}
	return int(requested), nil
}

// queryPageSize parses the pageSize query parameter.
func queryPageSize(value string, def, maxSize int) (int, *apiError) {
	if value == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(value, 10, 32)
	if err != nil {
		return 0, invalidArgument(fmt.Sprintf("Invalid value at 'page_size' (TYPE_INT32), %q", value))
	}
	return pageSize(n, def, maxSize)
}
