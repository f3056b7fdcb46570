package sync

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode/utf8"

	"github.com/photosync/photosync/photosapi/api"
)

// maxTitleRunes is the longest album title photosync writes. It leaves room
// under the API's limit of 500 characters for the " (N)" that overflowTitle
// appends to the albums after a full one.
const maxTitleRunes = api.MaxAlbumTitleLength - 8

// titleHashLength is the number of hex digits of the full path's SHA-256
// that a shortened title carries.
const titleHashLength = 8

// shortenTitle returns title unchanged when it fits in maxTitleRunes
// characters. A longer one becomes "…" + the end of title + " #" + the
// first 8 hex digits of the SHA-256 of the full title. The end keeps
// as many whole trailing path components as fit, and is cut at a
// character boundary when even the last component does not fit. The
// hash keeps two long paths with the same ending apart.
func shortenTitle(title string) string {
	if utf8.RuneCountInString(title) <= maxTitleRunes {
		return title
	}
	sum := sha256.Sum256([]byte(title))
	suffix := " #" + hex.EncodeToString(sum[:])[:titleHashLength]
	const ellipsis = "…"
	budget := maxTitleRunes - utf8.RuneCountInString(ellipsis) - utf8.RuneCountInString(suffix)

	tail := ""
	parts := strings.Split(title, "/")
	for i := len(parts) - 1; i >= 0; i-- {
		next := parts[i]
		if tail != "" {
			next += "/" + tail
		}
		if utf8.RuneCountInString(next) > budget {
			break
		}
		tail = next
	}
	if tail == "" {
		// The last component alone is too long: keep its last budget
		// characters.
		last := []rune(parts[len(parts)-1])
		tail = string(last[len(last)-budget:])
	} else {
		tail = "/" + tail
	}
	return ellipsis + tail + suffix
}
