package state

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"
)

// validateFolderID checks that id is an absolute, cleaned path.
func validateFolderID(id string) error {
	switch {
	case id == "":
		return fmt.Errorf("folder ID is empty; use the folder's absolute root path")
	case strings.IndexByte(id, 0) >= 0:
		return fmt.Errorf("folder ID %q contains a NUL byte", id)
	case !filepath.IsAbs(id):
		return fmt.Errorf("folder ID %q is not an absolute path", id)
	case filepath.Clean(id) != id:
		return fmt.Errorf("folder ID %q is not clean; use %q", id, filepath.Clean(id))
	}
	return nil
}

// validateRelPath checks a path relative to a folder root: "/" separators,
// no empty, "." or ".." elements, no NUL byte. what names the value in the
// error, such as "file path".
func validateRelPath(what, p string) error {
	if p == "" {
		return fmt.Errorf("%s is empty", what)
	}
	if strings.IndexByte(p, 0) >= 0 {
		return fmt.Errorf("%s %q contains a NUL byte", what, p)
	}
	for elem := range strings.SplitSeq(p, "/") {
		if elem == "" || elem == "." || elem == ".." {
			return fmt.Errorf("%s %q is not a clean relative path with / separators", what, p)
		}
	}
	return nil
}

// validateAlbumDir checks the directory an album mirrors: "" for the root
// of the folder, otherwise a path as validateRelPath accepts.
func validateAlbumDir(dir string) error {
	if dir == "" {
		return nil
	}
	return validateRelPath("album directory", dir)
}

// validateSHA256 checks a lowercase hex SHA-256. An empty hash is allowed
// only when optional is set.
func validateSHA256(sha string, optional bool) error {
	if sha == "" {
		if optional {
			return nil
		}
		return fmt.Errorf("SHA-256 is empty")
	}
	if len(sha) != sha256HexLen {
		return fmt.Errorf("SHA-256 %q has %d characters, want %d lowercase hex digits", sha, len(sha), sha256HexLen)
	}
	if _, ok := parseSHA256(sha); !ok {
		return fmt.Errorf("SHA-256 %q is not lowercase hex", sha)
	}
	return nil
}

// hexValues maps each lowercase hex digit to its value and every other
// byte to invalidHex.
var hexValues = func() (t [256]byte) {
	for i := range t {
		t[i] = invalidHex
	}
	for c := byte('0'); c <= '9'; c++ {
		t[c] = c - '0'
	}
	for c := byte('a'); c <= 'f'; c++ {
		t[c] = c - 'a' + 10
	}
	return t
}()

const invalidHex = 0xff

// parseSHA256 returns the 32 bytes of a SHA-256 written as 64 lowercase hex
// digits, and ok false for any other string.
func parseSHA256(sha string) (raw [sha256HexLen / 2]byte, ok bool) {
	if len(sha) != sha256HexLen {
		return raw, false
	}
	// An invalid digit has its high bit set, so the OR of all digits
	// shows whether any was invalid.
	var bad byte
	for i := range raw {
		hi, lo := hexValues[sha[2*i]], hexValues[sha[2*i+1]]
		bad |= hi | lo
		raw[i] = hi<<4 | lo
	}
	return raw, bad&0x80 == 0
}

// validateID checks a remote ID such as a media item or album ID.
func validateID(what, id string) error {
	if id == "" {
		return fmt.Errorf("%s ID is empty", what)
	}
	if strings.IndexByte(id, 0) >= 0 {
		return fmt.Errorf("%s ID %q contains a NUL byte", what, id)
	}
	return nil
}

// validateDay checks a quota day key as returned by QuotaDay.
func validateDay(day string) error {
	if _, err := time.Parse(time.DateOnly, day); err != nil {
		return fmt.Errorf("day %q is not a date in the form 2006-01-02", day)
	}
	return nil
}

func (f File) validate() error {
	if err := validateFolderID(f.Folder); err != nil {
		return err
	}
	if err := validateRelPath("file path", f.Path); err != nil {
		return err
	}
	if err := validateSHA256(f.SHA256, true); err != nil {
		return fmt.Errorf("file %s: %w", f.Path, err)
	}
	switch {
	case f.Size < 0:
		return fmt.Errorf("file %s: size %d is negative", f.Path, f.Size)
	case !f.Status.valid():
		return fmt.Errorf("file %s: invalid status %v", f.Path, f.Status)
	case !f.Origin.valid():
		return fmt.Errorf("file %s: invalid origin %v", f.Path, f.Origin)
	}
	return nil
}

func (m MediaItem) validate() error {
	if err := validateID("media item", m.ID); err != nil {
		return err
	}
	if err := validateSHA256(m.SHA256, true); err != nil {
		return fmt.Errorf("media item %s: %w", m.ID, err)
	}
	if !m.Origin.valid() {
		return fmt.Errorf("media item %s: invalid origin %v", m.ID, m.Origin)
	}
	return nil
}

func (a Album) validate() error {
	if err := validateID("album", a.ID); err != nil {
		return err
	}
	if a.Folder != "" {
		if err := validateFolderID(a.Folder); err != nil {
			return fmt.Errorf("album %s: %w", a.ID, err)
		}
		if err := validateAlbumDir(a.Dir); err != nil {
			return fmt.Errorf("album %s: %w", a.ID, err)
		}
	} else if a.Dir != "" {
		return fmt.Errorf("album %s: directory %q is set without a folder", a.ID, a.Dir)
	}
	switch {
	case a.Overflow < 0:
		return fmt.Errorf("album %s: overflow number %d is negative", a.ID, a.Overflow)
	case a.ItemCount < 0:
		return fmt.Errorf("album %s: item count %d is negative", a.ID, a.ItemCount)
	}
	return nil
}

func (u Upload) validate() error {
	if err := validateSHA256(u.SHA256, false); err != nil {
		return fmt.Errorf("upload: %w", err)
	}
	switch {
	case u.Size < 0:
		return fmt.Errorf("upload %s: size %d is negative", u.SHA256, u.Size)
	case u.Attempts < 0:
		return fmt.Errorf("upload %s: attempt count %d is negative", u.SHA256, u.Attempts)
	case !u.Stage.valid():
		return fmt.Errorf("upload %s: invalid stage %v", u.SHA256, u.Stage)
	}
	return nil
}
