package emulator

// The emulator's own copies of the Library API's JSON types, with the
// discovery document's field names. They are kept apart from the client's
// so that the two implementations check each other.

type mediaItemJSON struct {
	ID              string               `json:"id,omitempty"`
	Description     string               `json:"description,omitempty"`
	ProductURL      string               `json:"productUrl,omitempty"`
	BaseURL         string               `json:"baseUrl,omitempty"`
	MimeType        string               `json:"mimeType,omitempty"`
	MediaMetadata   *mediaMetadataJSON   `json:"mediaMetadata,omitempty"`
	ContributorInfo *contributorInfoJSON `json:"contributorInfo,omitempty"`
	Filename        string               `json:"filename,omitempty"`
}

type mediaMetadataJSON struct {
	CreationTime string     `json:"creationTime,omitempty"`
	Width        string     `json:"width,omitempty"`
	Height       string     `json:"height,omitempty"`
	Photo        *photoJSON `json:"photo,omitempty"`
	Video        *videoJSON `json:"video,omitempty"`
}

type photoJSON struct {
	CameraMake      string  `json:"cameraMake,omitempty"`
	CameraModel     string  `json:"cameraModel,omitempty"`
	FocalLength     float64 `json:"focalLength,omitempty"`
	ApertureFNumber float64 `json:"apertureFNumber,omitempty"`
	IsoEquivalent   int32   `json:"isoEquivalent,omitempty"`
	ExposureTime    string  `json:"exposureTime,omitempty"`
}

type videoJSON struct {
	CameraMake  string  `json:"cameraMake,omitempty"`
	CameraModel string  `json:"cameraModel,omitempty"`
	Fps         float64 `json:"fps,omitempty"`
	Status      string  `json:"status,omitempty"`
}

type contributorInfoJSON struct {
	ProfilePictureBaseURL string `json:"profilePictureBaseUrl,omitempty"`
	DisplayName           string `json:"displayName,omitempty"`
}

type albumJSON struct {
	ID                    string         `json:"id,omitempty"`
	Title                 string         `json:"title,omitempty"`
	ProductURL            string         `json:"productUrl,omitempty"`
	IsWriteable           bool           `json:"isWriteable,omitempty"`
	ShareInfo             *shareInfoJSON `json:"shareInfo,omitempty"`
	MediaItemsCount       string         `json:"mediaItemsCount,omitempty"`
	CoverPhotoBaseURL     string         `json:"coverPhotoBaseUrl,omitempty"`
	CoverPhotoMediaItemID string         `json:"coverPhotoMediaItemId,omitempty"`
}

type shareInfoJSON struct {
	SharedAlbumOptions *sharedAlbumOptionsJSON `json:"sharedAlbumOptions,omitempty"`
	ShareableURL       string                  `json:"shareableUrl,omitempty"`
	ShareToken         string                  `json:"shareToken,omitempty"`
	IsJoined           bool                    `json:"isJoined,omitempty"`
	IsOwned            bool                    `json:"isOwned,omitempty"`
	IsJoinable         bool                    `json:"isJoinable,omitempty"`
}

type sharedAlbumOptionsJSON struct {
	IsCollaborative bool `json:"isCollaborative,omitempty"`
	IsCommentable   bool `json:"isCommentable,omitempty"`
}

type statusJSON struct {
	Code    int32  `json:"code,omitempty"`
	Message string `json:"message,omitempty"`
}

type albumPositionJSON struct {
	Position                 string `json:"position,omitempty"`
	RelativeMediaItemID      string `json:"relativeMediaItemId,omitempty"`
	RelativeEnrichmentItemID string `json:"relativeEnrichmentItemId,omitempty"`
}

// Requests.

type createAlbumRequest struct {
	Album *albumJSON `json:"album"`
}

type batchCreateRequest struct {
	AlbumID       string             `json:"albumId"`
	NewMediaItems []newMediaItemJSON `json:"newMediaItems"`
	AlbumPosition *albumPositionJSON `json:"albumPosition"`
}

type newMediaItemJSON struct {
	Description     string               `json:"description"`
	SimpleMediaItem *simpleMediaItemJSON `json:"simpleMediaItem"`
}

type simpleMediaItemJSON struct {
	UploadToken string `json:"uploadToken"`
	FileName    string `json:"fileName"`
}

type mediaItemIDsRequest struct {
	MediaItemIDs []string `json:"mediaItemIds"`
}

type searchRequest struct {
	AlbumID   string       `json:"albumId"`
	PageSize  int32        `json:"pageSize"`
	PageToken string       `json:"pageToken"`
	Filters   *filtersJSON `json:"filters"`
	OrderBy   string       `json:"orderBy"`
}

type filtersJSON struct {
	DateFilter               *dateFilterJSON      `json:"dateFilter"`
	ContentFilter            *contentFilterJSON   `json:"contentFilter"`
	MediaTypeFilter          *mediaTypeFilterJSON `json:"mediaTypeFilter"`
	FeatureFilter            *featureFilterJSON   `json:"featureFilter"`
	IncludeArchivedMedia     bool                 `json:"includeArchivedMedia"`
	ExcludeNonAppCreatedData bool                 `json:"excludeNonAppCreatedData"`
}

type dateFilterJSON struct {
	Dates  []dateJSON      `json:"dates"`
	Ranges []dateRangeJSON `json:"ranges"`
}

type dateJSON struct {
	Year  int32 `json:"year"`
	Month int32 `json:"month"`
	Day   int32 `json:"day"`
}

type dateRangeJSON struct {
	StartDate *dateJSON `json:"startDate"`
	EndDate   *dateJSON `json:"endDate"`
}

type contentFilterJSON struct {
	IncludedContentCategories []string `json:"includedContentCategories"`
	ExcludedContentCategories []string `json:"excludedContentCategories"`
}

type mediaTypeFilterJSON struct {
	MediaTypes []string `json:"mediaTypes"`
}

type featureFilterJSON struct {
	IncludedFeatures []string `json:"includedFeatures"`
}

type addEnrichmentRequest struct {
	NewEnrichmentItem *newEnrichmentItemJSON `json:"newEnrichmentItem"`
	AlbumPosition     *albumPositionJSON     `json:"albumPosition"`
}

type newEnrichmentItemJSON struct {
	TextEnrichment     *textEnrichmentJSON     `json:"textEnrichment"`
	LocationEnrichment *locationEnrichmentJSON `json:"locationEnrichment"`
	MapEnrichment      *mapEnrichmentJSON      `json:"mapEnrichment"`
}

type textEnrichmentJSON struct {
	Text string `json:"text"`
}

type locationEnrichmentJSON struct {
	Location *locationJSON `json:"location"`
}

type mapEnrichmentJSON struct {
	Origin      *locationJSON `json:"origin"`
	Destination *locationJSON `json:"destination"`
}

type locationJSON struct {
	LocationName string      `json:"locationName"`
	Latlng       *latLngJSON `json:"latlng"`
}

type latLngJSON struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
}

type shareAlbumRequest struct {
	SharedAlbumOptions *sharedAlbumOptionsJSON `json:"sharedAlbumOptions"`
}

type shareTokenRequest struct {
	ShareToken string `json:"shareToken"`
}

type emptyRequest struct{}

// Responses.

type listAlbumsResponse struct {
	Albums        []albumJSON `json:"albums,omitempty"`
	NextPageToken string      `json:"nextPageToken,omitempty"`
}

type listSharedAlbumsResponse struct {
	SharedAlbums  []albumJSON `json:"sharedAlbums,omitempty"`
	NextPageToken string      `json:"nextPageToken,omitempty"`
}

type mediaItemsPage struct {
	MediaItems    []mediaItemJSON `json:"mediaItems,omitempty"`
	NextPageToken string          `json:"nextPageToken,omitempty"`
}

type newMediaItemResultJSON struct {
	UploadToken string         `json:"uploadToken,omitempty"`
	Status      *statusJSON    `json:"status,omitempty"`
	MediaItem   *mediaItemJSON `json:"mediaItem,omitempty"`
}

type batchCreateResponse struct {
	NewMediaItemResults []newMediaItemResultJSON `json:"newMediaItemResults,omitempty"`
}

type mediaItemResultJSON struct {
	Status    *statusJSON    `json:"status,omitempty"`
	MediaItem *mediaItemJSON `json:"mediaItem,omitempty"`
}

type batchGetResponse struct {
	MediaItemResults []mediaItemResultJSON `json:"mediaItemResults,omitempty"`
}

type enrichmentItemJSON struct {
	ID string `json:"id,omitempty"`
}

type addEnrichmentResponse struct {
	EnrichmentItem *enrichmentItemJSON `json:"enrichmentItem,omitempty"`
}

type shareAlbumResponse struct {
	ShareInfo *shareInfoJSON `json:"shareInfo,omitempty"`
}

type joinSharedAlbumResponse struct {
	Album *albumJSON `json:"album,omitempty"`
}
