package sync

import (
	"crypto/sha256"
	"encoding/hex"
	"path"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// maxNameBytes is the longest file name, in bytes, that ext4, APFS, NTFS
// and most other file systems accept for one path part.
const maxNameBytes = 255

// idSuffixLen is the number of hex digits of an id's SHA-256 that make a
// name distinct. Six digits give 16.7 million values, so two items of one
// folder collide with odds of about one in eight million per pair.
const idSuffixLen = 6

// fallbackName is the local name of a remote name with nothing usable in
// it, such as "" or "..". The id suffix makes it distinct.
const fallbackName = "unnamed"

// NameKey returns the form in which two local names are compared: Unicode
// NFC, then full case folding. Two names with equal keys would be one file
// on a case-insensitive or normalizing file system (APFS, NTFS, exFAT), so
// photosync never writes both into one directory.
func NameKey(name string) string {
	// A cases.Caser keeps state between calls, so each call makes its own.
	return cases.Fold().String(norm.NFC.String(name))
}

// SafeName turns a remote display string (a file name, or one part of an
// album title) into one local path part. It replaces control characters,
// NUL, "/" and "\" with "_", drops trailing dots and spaces, turns names that
// would clash with photosync's own (".photosync…") or that are empty, "."
// or ".." into other names, and cuts names longer than 255 bytes on a UTF-8
// boundary, keeping the extension and adding a suffix derived from id. The
// result depends only on name and id.
func SafeName(name, id string) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case r == utf8.RuneError, r == '/', r == '\\', unicode.IsControl(r):
			b.WriteByte('_')
		default:
			b.WriteRune(r)
		}
	}
	s := strings.TrimRight(b.String(), ". ")
	switch {
	case s == "":
		return WithSuffix(fallbackName, id)
	case strings.HasPrefix(s, MetaDir):
		// The metadata directory and the download temporaries start with
		// this; the scanner skips such names.
		s = "_" + s
	}
	if len(s) > maxNameBytes {
		return WithSuffix(s, id)
	}
	return s
}

// WithSuffix returns name with a short suffix derived from id before its
// extension ("IMG_1.jpg" becomes "IMG_1~3f9a2c.jpg"), cut to 255 bytes on a
// UTF-8 boundary. The same name and id always give the same result, so a
// name assigned to an item is stable across runs.
func WithSuffix(name, id string) string {
	sum := sha256.Sum256([]byte(id))
	suffix := "~" + hex.EncodeToString(sum[:])[:idSuffixLen]
	ext := path.Ext(name)
	if len(ext) > 16 || strings.ContainsAny(ext, " ") {
		// Not an extension a viewer would look at; keep it in the stem.
		ext = ""
	}
	stem := strings.TrimSuffix(name, ext)
	room := maxNameBytes - len(suffix) - len(ext)
	stem = cutUTF8(stem, room)
	return strings.TrimRight(stem, ". ") + suffix + ext
}

// cutUTF8 returns the longest prefix of s of at most n bytes that ends on a
// rune boundary.
func cutUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// AlbumDir returns the directory, relative to a synced folder's root and
// with "/" separators, that a remote album's title maps to. Photosync titles
// albums by their directory ("Trips/2024"), so the title's "/"-separated
// parts become nested directories; empty parts are dropped and every other
// part goes through SafeName. A title with no usable part maps to a
// directory named after the album id.
func AlbumDir(title, albumID string) string {
	var parts []string
	for _, p := range strings.Split(title, "/") {
		if strings.TrimSpace(p) == "" || p == "." {
			continue
		}
		parts = append(parts, SafeName(p, albumID))
	}
	if len(parts) == 0 {
		return WithSuffix("album", albumID)
	}
	return strings.Join(parts, "/")
}

// insideRoot reports whether the relative path rel, joined to root, stays
// inside root. SafeName and AlbumDir never produce such a path; this is the
// last check before a write.
func insideRoot(root, rel string) bool {
	if rel == "" || filepath.IsAbs(filepath.FromSlash(rel)) {
		return false
	}
	full := filepath.Join(root, filepath.FromSlash(rel))
	back, err := filepath.Rel(root, full)
	if err != nil {
		return false
	}
	return back != ".." && !strings.HasPrefix(back, ".."+string(filepath.Separator)) && back != "."
}
