package emulator

import (
	"crypto/rand"
	"encoding/base64"
	"time"
)

// mediaInfo is the metadata the emulator reads from an item's bytes when
// they are uploaded.
type mediaInfo struct {
	MimeType string `json:"mimeType"`
	Video    bool   `json:"video,omitempty"`
	// CaptureTime is the capture time recorded in the bytes (EXIF or the
	// video header). It is zero when they record none, and then
	// creationTime is the upload time and date filters never match the item.
	CaptureTime     time.Time `json:"captureTime,omitzero"`
	Width           int64     `json:"width,omitempty"`
	Height          int64     `json:"height,omitempty"`
	CameraMake      string    `json:"cameraMake,omitempty"`
	CameraModel     string    `json:"cameraModel,omitempty"`
	FocalLength     float64   `json:"focalLength,omitempty"`
	ApertureFNumber float64   `json:"apertureFNumber,omitempty"`
	ISOEquivalent   int       `json:"isoEquivalent,omitempty"`
	ExposureTime    float64   `json:"exposureTime,omitempty"`
	FPS             float64   `json:"fps,omitempty"`
}

// item is a media item in the emulated library.
type item struct {
	mediaInfo
	ID              string    `json:"id"`
	SHA256          string    `json:"sha256"`
	Size            int64     `json:"size"`
	Filename        string    `json:"filename"`
	Description     string    `json:"description,omitempty"`
	CreatorClientID string    `json:"creatorClientId"`
	UploadTime      time.Time `json:"uploadTime"`
	Sequence        int64     `json:"sequence"`
}

// creationTime returns mediaMetadata.creationTime: the capture time, or the
// upload time when the bytes carry none.
func (it *item) creationTime() time.Time {
	if !it.CaptureTime.IsZero() {
		return it.CaptureTime
	}
	return it.UploadTime
}

// albumEntry is one position in an album: a media item or an enrichment.
type albumEntry struct {
	MediaItemID  string `json:"mediaItemId,omitempty"`
	EnrichmentID string `json:"enrichmentId,omitempty"`
}

// album is an album in the emulated library.
type album struct {
	ID                    string       `json:"id"`
	Title                 string       `json:"title"`
	CreatorClientID       string       `json:"creatorClientId"`
	Sequence              int64        `json:"sequence"`
	Entries               []albumEntry `json:"entries,omitempty"`
	CoverPhotoMediaItemID string       `json:"coverPhotoMediaItemId,omitempty"`
	Share                 *shareState  `json:"share,omitempty"`
}

// mediaItemIDs returns the album's media items in album order.
func (a *album) mediaItemIDs() []string {
	var ids []string
	for _, e := range a.Entries {
		if e.MediaItemID != "" {
			ids = append(ids, e.MediaItemID)
		}
	}
	return ids
}

// contains reports whether the album holds the media item id.
func (a *album) contains(id string) bool {
	for _, e := range a.Entries {
		if e.MediaItemID == id {
			return true
		}
	}
	return false
}

// shareState is an album's sharing, used only in Legacy mode.
type shareState struct {
	ShareToken      string          `json:"shareToken"`
	IsCollaborative bool            `json:"isCollaborative,omitempty"`
	IsCommentable   bool            `json:"isCommentable,omitempty"`
	Joined          map[string]bool `json:"joined,omitempty"`
}

// uploadToken is the record behind a token the uploads endpoint returned
// for finished bytes: their hash, size, metadata, file name and uploader.
type uploadToken struct {
	Info mediaInfo `json:"info"`
	// Supported is false for bytes Google Photos does not accept, which
	// upload fine but fail in batchCreate.
	Supported bool      `json:"supported,omitempty"`
	SHA256    string    `json:"sha256"`
	Size      int64     `json:"size"`
	FileName  string    `json:"fileName,omitempty"`
	ClientID  string    `json:"clientId"`
	Created   time.Time `json:"created"`
}

// Resumable session states, as sent in X-Goog-Upload-Status.
const (
	sessionActive    = "active"
	sessionFinal     = "final"
	sessionCancelled = "cancelled"
)

// uploadSession is a resumable upload. Its bytes so far are in the blob
// store under its ID.
type uploadSession struct {
	ID       string    `json:"id"`
	ClientID string    `json:"clientId"`
	FileName string    `json:"fileName,omitempty"`
	RawSize  int64     `json:"rawSize"`
	Received int64     `json:"received"`
	Status   string    `json:"status"`
	Token    string    `json:"token,omitempty"`
	Created  time.Time `json:"created"`
}

// accessToken is a bearer token issued by POST /token.
type accessToken struct {
	ClientID     string    `json:"clientId"`
	Scopes       []string  `json:"scopes"`
	Expiry       time.Time `json:"expiry"`
	RefreshToken string    `json:"refreshToken"`
}

// refreshToken is a refresh token the emulator issued or first saw.
type refreshToken struct {
	ClientID string   `json:"clientId"`
	Scopes   []string `json:"scopes"`
	Revoked  bool     `json:"revoked,omitempty"`
}

// authCode is an authorization code issued by GET /o/oauth2/auth.
type authCode struct {
	ClientID      string    `json:"clientId"`
	RedirectURI   string    `json:"redirectUri"`
	Challenge     string    `json:"challenge,omitempty"`
	ChallengeMode string    `json:"challengeMode,omitempty"`
	Scopes        []string  `json:"scopes"`
	Expiry        time.Time `json:"expiry"`
}

// quotaUsage counts one client's requests in the current quota windows.
type quotaUsage struct {
	// Day is the Pacific calendar day (YYYY-MM-DD) the daily counts are for.
	Day         string    `json:"day"`
	Requests    int       `json:"requests"`
	Downloads   int       `json:"downloads"`
	MinuteStart time.Time `json:"minuteStart"`
	Writes      int       `json:"writes"`
}

// newID returns a random base64url id of idBytes bytes, which gives the
// 76-character ids Google's look like.
func newID() string {
	const idBytes = 57
	var b [idBytes]byte
	rand.Read(b[:])
	var text [76]byte // base64.RawURLEncoding.EncodedLen(idBytes)
	base64.RawURLEncoding.Encode(text[:], b[:])
	text[0] = 'A'
	return string(text[:])
}

// newSecret returns a random token of n bytes, base64url-encoded.
func newSecret(prefix string, n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}
