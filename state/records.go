package state

import (
	"fmt"
	"time"
)

// FileStatus is the stage of a local file in the upload pipeline.
type FileStatus uint8

// File statuses. The zero value is StatusPending.
const (
	// StatusPending marks a file that was seen but not yet uploaded and
	// created as a media item.
	StatusPending FileStatus = iota
	// StatusSynced marks a file whose media item exists remotely.
	StatusSynced
	// StatusFailed marks a file that failed permanently for its current size
	// and modification time. File.Reason gives the cause. The file is tried again
	// only when it changes.
	StatusFailed
	// StatusSkipped marks a file that is never uploaded: an unsupported type,
	// too large, or excluded. File.Reason gives the cause.
	StatusSkipped
)

// String returns the lowercase name of the status, such as "synced".
func (s FileStatus) String() string {
	switch s {
	case StatusPending:
		return "pending"
	case StatusSynced:
		return "synced"
	case StatusFailed:
		return "failed"
	case StatusSkipped:
		return "skipped"
	}
	return fmt.Sprintf("FileStatus(%d)", uint8(s))
}

func (s FileStatus) valid() bool { return s <= StatusSkipped }

// Origin is the writer of a file or the creator of a media item.
type Origin uint8

// Origins. The zero value is OriginLocal.
const (
	// OriginLocal marks a file the user put in the folder, or a media item
	// this install uploaded from such a file.
	OriginLocal Origin = iota
	// OriginDownloaded marks a file the daemon wrote itself from a remote
	// media item, or a media item first seen remotely. Such a file is never
	// taken for a local change.
	OriginDownloaded
)

// String returns the lowercase name of the origin, such as "local".
func (o Origin) String() string {
	switch o {
	case OriginLocal:
		return "local"
	case OriginDownloaded:
		return "downloaded"
	}
	return fmt.Sprintf("Origin(%d)", uint8(o))
}

func (o Origin) valid() bool { return o <= OriginDownloaded }

// UploadStage is how far a pending upload got before the process stopped.
type UploadStage uint8

// Upload stages, in the order an upload passes them.
const (
	// StageSending means the bytes are being sent. Upload.SessionURL is set
	// once the server opened a resumable session.
	StageSending UploadStage = iota
	// StageUploaded means the server returned an upload token, stored in
	// Upload.Token with its creation time.
	StageUploaded
	// StageCreating means the token is part of a batchCreate call whose
	// result is not yet recorded. The sync engine no longer writes it, and
	// reads it like StageUploaded from stores that hold it.
	StageCreating
)

// String returns the lowercase name of the stage, such as "uploaded".
func (s UploadStage) String() string {
	switch s {
	case StageSending:
		return "sending"
	case StageUploaded:
		return "uploaded"
	case StageCreating:
		return "creating"
	}
	return fmt.Sprintf("UploadStage(%d)", uint8(s))
}

func (s UploadStage) valid() bool { return s <= StageCreating }

// Folder is a synced folder and its health.
type Folder struct {
	// ID is the absolute, cleaned root path of the folder as written in the
	// config.
	ID          string
	Paused      bool
	PauseReason string
	LastScan    time.Time
	LastPoll    time.Time
	LastError   string
}

// File is a local file inside a synced folder.
type File struct {
	// Folder is the ID of the folder that contains the file.
	Folder string
	// Path is relative to the folder root, with "/" separators, byte-exact
	// as the filesystem returns it.
	Path string
	Size int64
	// ModTime keeps nanosecond precision. It is returned in UTC.
	ModTime time.Time
	// SHA256 is the lowercase hex SHA-256 of the content, or "" when the file
	// was not hashed yet.
	SHA256      string
	MediaItemID string
	AlbumID     string
	Status      FileStatus
	// Reason explains StatusFailed and StatusSkipped.
	Reason    string
	Origin    Origin
	UpdatedAt time.Time
}

// MediaItem is a remote media item recorded by this install.
type MediaItem struct {
	ID string
	// SHA256 is the lowercase hex SHA-256 of the bytes that were uploaded or
	// downloaded, or "" when unknown.
	SHA256    string
	Filename  string
	MimeType  string
	AlbumIDs  []string
	CreatedAt time.Time
	Origin    Origin
}

// Album is a remote album, usually the mirror of one directory of a folder.
type Album struct {
	ID    string
	Title string
	// Folder and Dir name the directory the album mirrors: the folder ID and
	// the directory relative to its root, "" for the root itself. Folder is
	// "" for an album that mirrors no directory, and then Dir is "" too.
	Folder string
	Dir    string
	// Overflow numbers the albums of one directory that holds more items than
	// one album can take: 0 for the first album, 1 for the next, and so on.
	Overflow  int
	ItemCount int
	CoverID   string
	// RemoteTitle is the title found remotely when the album was renamed
	// there, otherwise "".
	RemoteTitle string
	UpdatedAt   time.Time
}

// Upload is an upload that has started but whose media item is not yet
// recorded. It is keyed by the content hash.
type Upload struct {
	SHA256   string
	Folder   string
	Path     string
	FileName string
	MimeType string
	Size     int64
	// SessionURL is the resumable upload session, or "" for a raw upload or
	// before the server returned one.
	SessionURL     string
	SessionStarted time.Time
	// Token is the upload token. Tokens expire one day after TokenCreated.
	Token        string
	TokenCreated time.Time
	AlbumID      string
	Stage        UploadStage
	Attempts     int
	LastError    string
}

// Tombstone records that the local file behind a media item was deleted, so
// that the next poll does not download the item again.
type Tombstone struct {
	MediaItemID string
	Folder      string
	Path        string
	DeletedAt   time.Time
}

// Problem is one inconsistency found by Store.Check.
type Problem struct {
	// Bucket and Key locate the problem; either may be "" when the problem
	// concerns the whole file or a whole bucket.
	Bucket  string
	Key     string
	Message string
}

// String formats the problem as "bucket key: message".
func (p Problem) String() string {
	switch {
	case p.Bucket == "":
		return p.Message
	case p.Key == "":
		return p.Bucket + ": " + p.Message
	}
	return fmt.Sprintf("%s %q: %s", p.Bucket, p.Key, p.Message)
}
