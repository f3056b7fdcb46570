package api

// Filters narrows mediaItems.search. Filter kinds are combined with AND.
// The server rejects a search that sets both Filters and an album id.
type Filters struct {
	DateFilter      *DateFilter      `json:"dateFilter,omitempty"`
	ContentFilter   *ContentFilter   `json:"contentFilter,omitempty"`
	MediaTypeFilter *MediaTypeFilter `json:"mediaTypeFilter,omitempty"`
	FeatureFilter   *FeatureFilter   `json:"featureFilter,omitempty"`
	// IncludeArchivedMedia also returns archived items; by default they
	// are left out.
	IncludeArchivedMedia bool `json:"includeArchivedMedia,omitempty"`
	// ExcludeNonAppCreatedData returns only items this app created. Since
	// March 2025 the API returns nothing else, so it changes nothing.
	ExcludeNonAppCreatedData bool `json:"excludeNonAppCreatedData,omitempty"`
}

// Filter limits the server enforces.
const (
	MaxDateFilterDates    = 5
	MaxDateFilterRanges   = 5
	MaxContentCategories  = 10 // per list, included and excluded apart
	MaxBatchIDs           = 50 // ids per batchGet, batchAdd, batchRemove
	MaxBatchCreateItems   = 50
	MaxAlbumTitleLength   = 500 // characters
	MaxDescriptionLength  = 999 // characters; the API wants fewer than 1000
	MaxFileNameLength     = 255 // characters, extension included
	MaxAlbumPageSize      = 50  // albums.list and sharedAlbums.list
	MaxMediaItemsPageSize = 100 // mediaItems.list and mediaItems.search
	MaxAlbumItems         = 20000
)

// DateFilter matches items whose capture date equals one of Dates or falls
// inside one of Ranges. Items without a capture date never match.
type DateFilter struct {
	Dates  []Date      `json:"dates,omitempty"`
	Ranges []DateRange `json:"ranges,omitempty"`
}

// Date is a calendar date whose parts may be zero: Day 0 means the whole
// month, Day and Month 0 the whole year, Year 0 the same date every year.
// The API rejects a date that is all zero, has only Month 0, or has both
// Day and Year 0.
type Date struct {
	Year  int32 `json:"year,omitempty"`
	Month int32 `json:"month,omitempty"`
	Day   int32 `json:"day,omitempty"`
}

// DateRange is an inclusive range of dates written in the same form.
type DateRange struct {
	StartDate *Date `json:"startDate,omitempty"`
	EndDate   *Date `json:"endDate,omitempty"`
}

// ContentCategory is a kind of content the server recognizes in items.
type ContentCategory string

// Content categories of ContentFilter.
const (
	CategoryNone         ContentCategory = "NONE"
	CategoryLandscapes   ContentCategory = "LANDSCAPES"
	CategoryReceipts     ContentCategory = "RECEIPTS"
	CategoryCityscapes   ContentCategory = "CITYSCAPES"
	CategoryLandmarks    ContentCategory = "LANDMARKS"
	CategorySelfies      ContentCategory = "SELFIES"
	CategoryPeople       ContentCategory = "PEOPLE"
	CategoryPets         ContentCategory = "PETS"
	CategoryWeddings     ContentCategory = "WEDDINGS"
	CategoryBirthdays    ContentCategory = "BIRTHDAYS"
	CategoryDocuments    ContentCategory = "DOCUMENTS"
	CategoryTravel       ContentCategory = "TRAVEL"
	CategoryAnimals      ContentCategory = "ANIMALS"
	CategoryFood         ContentCategory = "FOOD"
	CategorySport        ContentCategory = "SPORT"
	CategoryNight        ContentCategory = "NIGHT"
	CategoryPerformances ContentCategory = "PERFORMANCES"
	CategoryWhiteboards  ContentCategory = "WHITEBOARDS"
	CategoryScreenshots  ContentCategory = "SCREENSHOTS"
	CategoryUtility      ContentCategory = "UTILITY"
	CategoryArts         ContentCategory = "ARTS"
	CategoryCrafts       ContentCategory = "CRAFTS"
	CategoryFashion      ContentCategory = "FASHION"
	CategoryHouses       ContentCategory = "HOUSES"
	CategoryGardens      ContentCategory = "GARDENS"
	CategoryFlowers      ContentCategory = "FLOWERS"
	CategoryHolidays     ContentCategory = "HOLIDAYS"
)

// ContentFilter matches items in any included category and in no excluded
// one. A category may not appear in both lists.
type ContentFilter struct {
	IncludedContentCategories []ContentCategory `json:"includedContentCategories,omitempty"`
	ExcludedContentCategories []ContentCategory `json:"excludedContentCategories,omitempty"`
}

// MediaType selects photos, videos or both.
type MediaType string

// Media types of MediaTypeFilter.
const (
	MediaTypeAll   MediaType = "ALL_MEDIA"
	MediaTypeVideo MediaType = "VIDEO"
	MediaTypePhoto MediaType = "PHOTO"
)

// MediaTypeFilter matches items of one media type. The API rejects more
// than one entry.
type MediaTypeFilter struct {
	MediaTypes []MediaType `json:"mediaTypes,omitempty"`
}

// Feature is a property the user gave an item.
type Feature string

// Features of FeatureFilter.
const (
	FeatureNone      Feature = "NONE"
	FeatureFavorites Feature = "FAVORITES"
)

// FeatureFilter matches items with any of the included features.
type FeatureFilter struct {
	IncludedFeatures []Feature `json:"includedFeatures,omitempty"`
}

// Search orders accepted in SearchMediaItemsRequest.OrderBy. The server
// accepts an order only together with a DateFilter, and without one it
// returns the newest items first.
const (
	OrderByCreationTime     = "MediaMetadata.creation_time"
	OrderByCreationTimeDesc = "MediaMetadata.creation_time desc"
)
