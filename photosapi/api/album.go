package api

// Album is a Google Photos album.
type Album struct {
	// ID is the album's stable identifier. Only the server sets it.
	ID string `json:"id,omitempty"`
	// Title is the album name shown to the user, at most 500 characters.
	Title string `json:"title,omitempty"`
	// ProductURL opens the album in Google Photos for a signed-in user.
	ProductURL string `json:"productUrl,omitempty"`
	// IsWriteable reports whether this app may add items to the album.
	IsWriteable bool `json:"isWriteable,omitempty"`
	// ShareInfo is set only for shared albums the caller may see.
	ShareInfo *ShareInfo `json:"shareInfo,omitempty"`
	// MediaItemsCount is the number of media items in the album.
	MediaItemsCount int64 `json:"mediaItemsCount,string,omitempty"`
	// CoverPhotoBaseURL is a base URL of the cover photo; it expires
	// like every base URL.
	CoverPhotoBaseURL string `json:"coverPhotoBaseUrl,omitempty"`
	// CoverPhotoMediaItemID identifies the media item used as cover.
	CoverPhotoMediaItemID string `json:"coverPhotoMediaItemId,omitempty"`
}

// ShareInfo describes how an album is shared.
type ShareInfo struct {
	SharedAlbumOptions *SharedAlbumOptions `json:"sharedAlbumOptions,omitempty"`
	// ShareableURL lets anyone with the link join the album, when set.
	ShareableURL string `json:"shareableUrl,omitempty"`
	// ShareToken identifies the shared album in sharedAlbums calls.
	ShareToken string `json:"shareToken,omitempty"`
	IsJoined   bool   `json:"isJoined,omitempty"`
	IsOwned    bool   `json:"isOwned,omitempty"`
	IsJoinable bool   `json:"isJoinable,omitempty"`
}

// SharedAlbumOptions are the settings a shared album is shared with.
type SharedAlbumOptions struct {
	// IsCollaborative lets collaborators add media items.
	IsCollaborative bool `json:"isCollaborative,omitempty"`
	// IsCommentable lets collaborators comment on the album.
	IsCommentable bool `json:"isCommentable,omitempty"`
}

// PositionType is the place in an album where new items or enrichments go.
type PositionType string

// Position types of AlbumPosition. The server places items last when no
// position is given.
const (
	PositionUnspecified         PositionType = "POSITION_TYPE_UNSPECIFIED"
	PositionFirstInAlbum        PositionType = "FIRST_IN_ALBUM"
	PositionLastInAlbum         PositionType = "LAST_IN_ALBUM"
	PositionAfterMediaItem      PositionType = "AFTER_MEDIA_ITEM"
	PositionAfterEnrichmentItem PositionType = "AFTER_ENRICHMENT_ITEM"
)

// AlbumPosition is a position in an album. RelativeMediaItemID goes with
// PositionAfterMediaItem, RelativeEnrichmentItemID with
// PositionAfterEnrichmentItem.
type AlbumPosition struct {
	Position                 PositionType `json:"position,omitempty"`
	RelativeMediaItemID      string       `json:"relativeMediaItemId,omitempty"`
	RelativeEnrichmentItemID string       `json:"relativeEnrichmentItemId,omitempty"`
}

// NewEnrichmentItem is an enrichment to add to an album. Exactly one of
// its fields is set.
type NewEnrichmentItem struct {
	TextEnrichment     *TextEnrichment     `json:"textEnrichment,omitempty"`
	LocationEnrichment *LocationEnrichment `json:"locationEnrichment,omitempty"`
	MapEnrichment      *MapEnrichment      `json:"mapEnrichment,omitempty"`
}

// EnrichmentItem is an enrichment the server created.
type EnrichmentItem struct {
	ID string `json:"id,omitempty"`
}

// TextEnrichment is a text note in an album.
type TextEnrichment struct {
	Text string `json:"text,omitempty"`
}

// LocationEnrichment is a pin in an album.
type LocationEnrichment struct {
	Location *Location `json:"location,omitempty"`
}

// MapEnrichment is a map in an album showing a trip from Origin to
// Destination.
type MapEnrichment struct {
	Origin      *Location `json:"origin,omitempty"`
	Destination *Location `json:"destination,omitempty"`
}

// Location is a named place.
type Location struct {
	LocationName string  `json:"locationName,omitempty"`
	LatLng       *LatLng `json:"latlng,omitempty"`
}

// LatLng is a WGS84 coordinate in degrees.
type LatLng struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
}
