package api

// CreateAlbumRequest is the body of albums.create. Only Album.Title is
// read.
type CreateAlbumRequest struct {
	Album *Album `json:"album"`
}

// ListAlbumsResponse is one page of albums.list.
type ListAlbumsResponse struct {
	Albums        []Album `json:"albums,omitempty"`
	NextPageToken string  `json:"nextPageToken,omitempty"`
}

// ListSharedAlbumsResponse is one page of sharedAlbums.list.
type ListSharedAlbumsResponse struct {
	SharedAlbums  []Album `json:"sharedAlbums,omitempty"`
	NextPageToken string  `json:"nextPageToken,omitempty"`
}

// AddEnrichmentToAlbumRequest is the body of albums.addEnrichment. Both
// fields are required.
type AddEnrichmentToAlbumRequest struct {
	NewEnrichmentItem *NewEnrichmentItem `json:"newEnrichmentItem"`
	AlbumPosition     *AlbumPosition     `json:"albumPosition"`
}

// AddEnrichmentToAlbumResponse is the response of albums.addEnrichment.
type AddEnrichmentToAlbumResponse struct {
	EnrichmentItem *EnrichmentItem `json:"enrichmentItem,omitempty"`
}

// BatchAddMediaItemsToAlbumRequest is the body of albums.batchAddMediaItems.
type BatchAddMediaItemsToAlbumRequest struct {
	MediaItemIDs []string `json:"mediaItemIds"`
}

// BatchAddMediaItemsToAlbumResponse is the empty response of
// albums.batchAddMediaItems.
type BatchAddMediaItemsToAlbumResponse struct{}

// BatchRemoveMediaItemsFromAlbumRequest is the body of
// albums.batchRemoveMediaItems.
type BatchRemoveMediaItemsFromAlbumRequest struct {
	MediaItemIDs []string `json:"mediaItemIds"`
}

// BatchRemoveMediaItemsFromAlbumResponse is the empty response of
// albums.batchRemoveMediaItems.
type BatchRemoveMediaItemsFromAlbumResponse struct{}

// ShareAlbumRequest is the body of albums.share.
type ShareAlbumRequest struct {
	SharedAlbumOptions *SharedAlbumOptions `json:"sharedAlbumOptions,omitempty"`
}

// ShareAlbumResponse is the response of albums.share.
type ShareAlbumResponse struct {
	ShareInfo *ShareInfo `json:"shareInfo,omitempty"`
}

// UnshareAlbumRequest is the empty body of albums.unshare.
type UnshareAlbumRequest struct{}

// UnshareAlbumResponse is the empty response of albums.unshare.
type UnshareAlbumResponse struct{}

// BatchCreateMediaItemsRequest is the body of mediaItems.batchCreate.
// AlbumPosition is allowed only together with AlbumID.
type BatchCreateMediaItemsRequest struct {
	AlbumID       string         `json:"albumId,omitempty"`
	NewMediaItems []NewMediaItem `json:"newMediaItems"`
	AlbumPosition *AlbumPosition `json:"albumPosition,omitempty"`
}

// BatchCreateMediaItemsResponse is the response of mediaItems.batchCreate,
// one result per requested item in request order.
type BatchCreateMediaItemsResponse struct {
	NewMediaItemResults []NewMediaItemResult `json:"newMediaItemResults,omitempty"`
}

// BatchGetMediaItemsResponse is the response of mediaItems.batchGet, one
// result per requested id in request order.
type BatchGetMediaItemsResponse struct {
	MediaItemResults []MediaItemResult `json:"mediaItemResults,omitempty"`
}

// ListMediaItemsResponse is one page of mediaItems.list.
type ListMediaItemsResponse struct {
	MediaItems    []MediaItem `json:"mediaItems,omitempty"`
	NextPageToken string      `json:"nextPageToken,omitempty"`
}

// SearchMediaItemsRequest is the body of mediaItems.search.
type SearchMediaItemsRequest struct {
	AlbumID   string   `json:"albumId,omitempty"`
	PageSize  int32    `json:"pageSize,omitempty"`
	PageToken string   `json:"pageToken,omitempty"`
	Filters   *Filters `json:"filters,omitempty"`
	// OrderBy is OrderByCreationTime or OrderByCreationTimeDesc.
	OrderBy string `json:"orderBy,omitempty"`
}

// SearchMediaItemsResponse is one page of mediaItems.search.
type SearchMediaItemsResponse struct {
	MediaItems    []MediaItem `json:"mediaItems,omitempty"`
	NextPageToken string      `json:"nextPageToken,omitempty"`
}

// JoinSharedAlbumRequest is the body of sharedAlbums.join.
type JoinSharedAlbumRequest struct {
	ShareToken string `json:"shareToken"`
}

// JoinSharedAlbumResponse is the response of sharedAlbums.join.
type JoinSharedAlbumResponse struct {
	Album *Album `json:"album,omitempty"`
}

// LeaveSharedAlbumRequest is the body of sharedAlbums.leave.
type LeaveSharedAlbumRequest struct {
	ShareToken string `json:"shareToken"`
}

// LeaveSharedAlbumResponse is the empty response of sharedAlbums.leave.
type LeaveSharedAlbumResponse struct{}
