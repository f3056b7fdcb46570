package photosapi

import (
	"fmt"
	"slices"

	"github.com/photosync/photosync/photosapi/api"
)

var (
	knownCategories = []api.ContentCategory{
		api.CategoryNone, api.CategoryLandscapes, api.CategoryReceipts, api.CategoryCityscapes,
		api.CategoryLandmarks, api.CategorySelfies, api.CategoryPeople, api.CategoryPets,
		api.CategoryWeddings, api.CategoryBirthdays, api.CategoryDocuments, api.CategoryTravel,
		api.CategoryAnimals, api.CategoryFood, api.CategorySport, api.CategoryNight,
		api.CategoryPerformances, api.CategoryWhiteboards, api.CategoryScreenshots, api.CategoryUtility,
		api.CategoryArts, api.CategoryCrafts, api.CategoryFashion, api.CategoryHouses,
		api.CategoryGardens, api.CategoryFlowers, api.CategoryHolidays,
	}
	knownMediaTypes = []api.MediaType{api.MediaTypeAll, api.MediaTypeVideo, api.MediaTypePhoto}
	knownFeatures   = []api.Feature{api.FeatureNone, api.FeatureFavorites}
)

// checkSearch applies the rules the API documents for mediaItems.search.
func checkSearch(method string, req *api.SearchMediaItemsRequest) error {
	if req.PageSize < 0 || req.PageSize > api.MaxMediaItemsPageSize {
		return invalid(method, "page size %d is out of range; use 1 to %d, or 0 for %d",
			req.PageSize, api.MaxMediaItemsPageSize, api.MaxMediaItemsPageSize)
	}
	f := req.Filters
	if req.AlbumID != "" && f != nil {
		return invalid(method, "album id and filters are both set; search an album or filter the library, not both")
	}
	switch req.OrderBy {
	case "", api.OrderByCreationTime, api.OrderByCreationTimeDesc:
	default:
		return invalid(method, "order %q is not supported; use %q or %q",
			req.OrderBy, api.OrderByCreationTime, api.OrderByCreationTimeDesc)
	}
	if req.OrderBy != "" {
		if f == nil || f.DateFilter == nil {
			return invalid(method, "order %q needs a date filter", req.OrderBy)
		}
		if f.ContentFilter != nil || f.MediaTypeFilter != nil || f.FeatureFilter != nil {
			return invalid(method, "order %q allows only a date filter and the archive and app-created flags", req.OrderBy)
		}
	}
	if f == nil {
		return nil
	}
	if err := checkDateFilter(method, f.DateFilter); err != nil {
		return err
	}
	if err := checkContentFilter(method, f.ContentFilter); err != nil {
		return err
	}
	if mt := f.MediaTypeFilter; mt != nil {
		if len(mt.MediaTypes) > 1 {
			return invalid(method, "media type filter has %d types; give exactly one", len(mt.MediaTypes))
		}
		for _, t := range mt.MediaTypes {
			if !slices.Contains(knownMediaTypes, t) {
				return invalid(method, "unknown media type %q; use PHOTO, VIDEO or ALL_MEDIA", t)
			}
		}
	}
	if ff := f.FeatureFilter; ff != nil {
		for _, feat := range ff.IncludedFeatures {
			if !slices.Contains(knownFeatures, feat) {
				return invalid(method, "unknown feature %q; use FAVORITES or NONE", feat)
			}
		}
	}
	return nil
}

func checkDateFilter(method string, df *api.DateFilter) error {
	if df == nil {
		return nil
	}
	if len(df.Dates) > api.MaxDateFilterDates {
		return invalid(method, "date filter has %d dates; the API allows at most %d", len(df.Dates), api.MaxDateFilterDates)
	}
	if len(df.Ranges) > api.MaxDateFilterRanges {
		return invalid(method, "date filter has %d ranges; the API allows at most %d", len(df.Ranges), api.MaxDateFilterRanges)
	}
	for i, d := range df.Dates {
		if err := checkDate(d); err != nil {
			return invalid(method, "date %d: %v", i, err)
		}
	}
	for i, r := range df.Ranges {
		if r.StartDate == nil || r.EndDate == nil {
			return invalid(method, "date range %d needs both a start and an end date", i)
		}
		for _, d := range []*api.Date{r.StartDate, r.EndDate} {
			if err := checkDate(*d); err != nil {
				return invalid(method, "date range %d: %v", i, err)
			}
		}
		if dateShape(*r.StartDate) != dateShape(*r.EndDate) {
			return invalid(method, "date range %d mixes date forms; give start and end with the same zero parts", i)
		}
	}
	return nil
}

// checkDate applies the API's rules for partial dates.
func checkDate(d api.Date) error {
	switch {
	case d.Year < 0 || d.Year > 9999:
		return fmt.Errorf("year %d is out of range 0 to 9999", d.Year)
	case d.Month < 0 || d.Month > 12:
		return fmt.Errorf("month %d is out of range 0 to 12", d.Month)
	case d.Day < 0 || d.Day > 31:
		return fmt.Errorf("day %d is out of range 0 to 31", d.Day)
	case d.Year == 0 && d.Month == 0 && d.Day == 0:
		return fmt.Errorf("year, month and day are all 0; set at least a year or a month")
	case d.Month == 0 && d.Day != 0:
		return fmt.Errorf("day %d is set without a month", d.Day)
	case d.Year == 0 && d.Day == 0:
		return fmt.Errorf("month %d alone is not supported; add a year or a day", d.Month)
	}
	return nil
}

// dateShape is which parts of d are set, as a bit mask.
func dateShape(d api.Date) int {
	shape := 0
	if d.Year != 0 {
		shape |= 1
	}
	if d.Month != 0 {
		shape |= 2
	}
	if d.Day != 0 {
		shape |= 4
	}
	return shape
}

func checkContentFilter(method string, cf *api.ContentFilter) error {
	if cf == nil {
		return nil
	}
	if n := len(cf.IncludedContentCategories); n > api.MaxContentCategories {
		return invalid(method, "content filter includes %d categories; the API allows at most %d", n, api.MaxContentCategories)
	}
	if n := len(cf.ExcludedContentCategories); n > api.MaxContentCategories {
		return invalid(method, "content filter excludes %d categories; the API allows at most %d", n, api.MaxContentCategories)
	}
	for _, list := range [][]api.ContentCategory{cf.IncludedContentCategories, cf.ExcludedContentCategories} {
		for _, cat := range list {
			if !slices.Contains(knownCategories, cat) {
				return invalid(method, "unknown content category %q", cat)
			}
		}
	}
	for _, cat := range cf.IncludedContentCategories {
		if slices.Contains(cf.ExcludedContentCategories, cat) {
			return invalid(method, "content category %q is both included and excluded", cat)
		}
	}
	return nil
}
