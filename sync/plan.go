package sync

import (
	"fmt"
	"path"
	"strings"
	"time"
)

// OpKind is the kind of change an operation makes. The upload direction uses
// the kinds below; the download direction will add its own kinds here.
type OpKind int

const (
	// OpUpload sends the file's bytes and creates a media item in the album of
	// the file's directory.
	OpUpload OpKind = iota + 1
	// OpAdd records a file whose content already has a media item and, when
	// AddToAlbum is set, adds that item to the album of the file's directory.
	OpAdd
	// OpMove records a file that moved to another directory under a new path
	// and, when AddToAlbum is set, adds its item to the new directory's album.
	// The matching removal from the old album is a separate OpRemove.
	OpMove
	// OpRecord changes only the store: a rename inside one directory, or a
	// new size and modification time for unchanged content.
	OpRecord
	// OpRemove removes a media item from an album. The item stays in the
	// library because the API cannot delete media items.
	OpRemove
	// OpForget drops the record of a file that is gone locally and leaves a
	// tombstone so the item is never downloaded back.
	OpForget
)

// String returns the word the dry run prints for the kind.
func (k OpKind) String() string {
	switch k {
	case OpUpload:
		return "upload"
	case OpAdd:
		return "add"
	case OpMove:
		return "move"
	case OpRecord:
		return "record"
	case OpRemove:
		return "remove"
	case OpForget:
		return "forget"
	}
	return fmt.Sprintf("OpKind(%d)", int(k))
}

// Op is one planned change for one folder. Paths are relative to the folder
// root with "/" separators; Dir is the directory that selects the album ("" for
// the folder root).
type Op struct {
	Kind OpKind
	// Path is the local file the operation serves. OpRemove carries the path
	// of the file whose change caused the removal, for messages only.
	Path string
	// OldPath is the previous path for OpMove and OpRecord, and the removed
	// path for OpForget.
	OldPath string
	Dir     string
	SHA256  string
	Size    int64
	ModTime time.Time
	// MediaItemID is the item to add or remove. It is empty for OpAdd when the
	// content is uploaded earlier in the same pass, and the executor takes the
	// id from that upload.
	MediaItemID string
	// AlbumID is the album to remove the item from (OpRemove only).
	AlbumID string
	// AddToAlbum reports whether OpAdd or OpMove must call the API because
	// the item is not yet in the directory's album.
	AddToAlbum bool
	// Replaces is set when the operation gives an existing path new content.
	Replaces bool
}

// String describes the operation in one line for the dry run and for logs.
func (o Op) String() string {
	switch o.Kind {
	case OpUpload:
		if o.Dir == "" {
			return fmt.Sprintf("upload %s (%d bytes)", o.Path, o.Size)
		}
		return fmt.Sprintf("upload %s (%d bytes)%s", o.Path, o.Size, albumSuffix(o.Dir))
	case OpAdd:
		if !o.AddToAlbum {
			return fmt.Sprintf("record %s as already uploaded", o.Path)
		}
		return fmt.Sprintf("add %s%s, already uploaded", o.Path, albumSuffix(o.Dir))
	case OpMove:
		if !o.AddToAlbum {
			return fmt.Sprintf("move %s -> %s", o.OldPath, o.Path)
		}
		return fmt.Sprintf("move %s -> %s%s", o.OldPath, o.Path, albumSuffix(o.Dir))
	case OpRecord:
		if o.OldPath != o.Path {
			return fmt.Sprintf("rename %s -> %s", o.OldPath, o.Path)
		}
		return fmt.Sprintf("record new size and time of %s", o.Path)
	case OpRemove:
		if o.Dir == "" {
			return fmt.Sprintf("remove the item of %s from the root album", o.Path)
		}
		return fmt.Sprintf("remove the item of %s from album %q", o.Path, o.Dir)
	case OpForget:
		return fmt.Sprintf("forget deleted %s", o.OldPath)
	}
	return o.Kind.String()
}

// albumSuffix names the album of dir in a message. Operations on root
// files call it only when the root has an album.
func albumSuffix(dir string) string {
	if dir == "" {
		return " into the root album"
	}
	return fmt.Sprintf(" into album %q", dir)
}

// Held is a file the plan leaves alone this pass, with the reason.
type Held struct {
	Path   string
	Reason string
}

// Plan is the reconciler's output for one folder.
type Plan struct {
	Ops  []Op
	Held []Held
	// Paused is non-empty when the folder must not be changed this pass. It
	// contains the reason and the way to proceed.
	Paused string
	// Albums lists the directories whose album the plan writes to, sorted.
	Albums []string
}

// Count returns the number of operations of kind k.
func (p *Plan) Count(k OpKind) int {
	n := 0
	for _, op := range p.Ops {
		if op.Kind == k {
			n++
		}
	}
	return n
}

// UploadBytes returns the number of bytes the plan's uploads send.
func (p *Plan) UploadBytes() int64 {
	var n int64
	for _, op := range p.Ops {
		if op.Kind == OpUpload {
			n += op.Size
		}
	}
	return n
}

// dirOf returns the directory of a relative, "/"-separated path, with ""
// for the folder root.
func dirOf(rel string) string {
	d := path.Dir(rel)
	if d == "." {
		return ""
	}
	return d
}

// albumTitle returns the album title of a directory and whether the
// directory has an album at all. Nested directories are titled by their
// relative path; the root has an album only when rootAlbum names one. A
// title over the API's length limit is shortened by shortenTitle.
func albumTitle(dir, rootAlbum string) (string, bool) {
	if dir == "" {
		return shortenTitle(rootAlbum), hasAlbum(dir, rootAlbum)
	}
	return shortenTitle(dir), true
}

// hasAlbum reports whether albumTitle gives dir an album, without building
// the title.
func hasAlbum(dir, rootAlbum string) bool {
	return dir != "" || strings.TrimSpace(rootAlbum) != ""
}
