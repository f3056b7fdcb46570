package api

import "time"

// MediaItem is a photo or video in the library.
type MediaItem struct {
	// ID is the item's stable identifier. Only the server sets it.
	ID string `json:"id,omitempty"`
	// Description is user-written text, shorter than 1000 characters.
	Description string `json:"description,omitempty"`
	// ProductURL opens the item in Google Photos for a signed-in user.
	ProductURL string `json:"productUrl,omitempty"`
	// BaseURL fetches the bytes once a parameter such as "=d" is appended.
	// It expires about 60 minutes after the call that returned it.
	BaseURL         string           `json:"baseUrl,omitempty"`
	MimeType        string           `json:"mimeType,omitempty"`
	MediaMetadata   *MediaMetadata   `json:"mediaMetadata,omitempty"`
	ContributorInfo *ContributorInfo `json:"contributorInfo,omitempty"`
	// Filename is the name the item was created with. When identical bytes
	// are uploaded again the server keeps the first name.
	Filename string `json:"filename,omitempty"`
}

// MediaMetadata describes a media item's content. Photo and Video are
// mutually exclusive, and either may be missing.
type MediaMetadata struct {
	// CreationTime is the capture time, or the upload time when the file
	// records none.
	CreationTime time.Time `json:"creationTime,omitzero"`
	Width        int64     `json:"width,string,omitempty"`
	Height       int64     `json:"height,string,omitempty"`
	Photo        *Photo    `json:"photo,omitempty"`
	Video        *Video    `json:"video,omitempty"`
}

// Photo holds camera settings of a photo.
type Photo struct {
	CameraMake      string   `json:"cameraMake,omitempty"`
	CameraModel     string   `json:"cameraModel,omitempty"`
	FocalLength     float32  `json:"focalLength,omitempty"`
	ApertureFNumber float32  `json:"apertureFNumber,omitempty"`
	ISOEquivalent   int32    `json:"isoEquivalent,omitempty"`
	ExposureTime    Duration `json:"exposureTime,omitempty"`
}

// VideoStatus is the processing state of an uploaded video.
type VideoStatus string

// Video processing states. A video's base URL serves bytes only once the
// status is VideoReady.
const (
	VideoUnspecified VideoStatus = "UNSPECIFIED"
	VideoProcessing  VideoStatus = "PROCESSING"
	VideoReady       VideoStatus = "READY"
	VideoFailed      VideoStatus = "FAILED"
)

// Video holds camera settings and processing state of a video.
type Video struct {
	CameraMake  string      `json:"cameraMake,omitempty"`
	CameraModel string      `json:"cameraModel,omitempty"`
	FPS         float64     `json:"fps,omitempty"`
	Status      VideoStatus `json:"status,omitempty"`
}

// ContributorInfo names the user who added an item to a shared album.
type ContributorInfo struct {
	ProfilePictureBaseURL string `json:"profilePictureBaseUrl,omitempty"`
	DisplayName           string `json:"displayName,omitempty"`
}

// NewMediaItem is one item to create in mediaItems.batchCreate.
type NewMediaItem struct {
	// Description must be shorter than 1000 characters.
	Description     string           `json:"description,omitempty"`
	SimpleMediaItem *SimpleMediaItem `json:"simpleMediaItem,omitempty"`
}

// SimpleMediaItem points at uploaded bytes by their upload token.
type SimpleMediaItem struct {
	// UploadToken comes from a byte upload and is valid for one day.
	UploadToken string `json:"uploadToken,omitempty"`
	// FileName, with its extension and at most 255 characters, replaces the
	// name sent with the bytes.
	FileName string `json:"fileName,omitempty"`
}

// NewMediaItemResult is the outcome of creating one item. The server
// returns HTTP 200 even when single items fail, so check Status.
type NewMediaItemResult struct {
	UploadToken string     `json:"uploadToken,omitempty"`
	Status      *Status    `json:"status,omitempty"`
	MediaItem   *MediaItem `json:"mediaItem,omitempty"`
}

// MediaItemResult is the outcome of fetching one item in
// mediaItems.batchGet.
type MediaItemResult struct {
	Status    *Status    `json:"status,omitempty"`
	MediaItem *MediaItem `json:"mediaItem,omitempty"`
}
