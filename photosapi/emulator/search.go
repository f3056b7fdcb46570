package emulator

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// Filter limits, as Google documents them.
const (
	maxDateFilterEntries = 5
	maxContentCategories = 10
)

// orderBy values the search method accepts.
const (
	orderOldestFirst = "MediaMetadata.creation_time"
	orderNewestFirst = "MediaMetadata.creation_time desc"
)

// contentCategories are the ContentCategory enum values.
var contentCategories = map[string]bool{
	"NONE": true, "LANDSCAPES": true, "RECEIPTS": true, "CITYSCAPES": true, "LANDMARKS": true,
	"SELFIES": true, "PEOPLE": true, "PETS": true, "WEDDINGS": true, "BIRTHDAYS": true,
	"DOCUMENTS": true, "TRAVEL": true, "ANIMALS": true, "FOOD": true, "SPORT": true,
	"NIGHT": true, "PERFORMANCES": true, "WHITEBOARDS": true, "SCREENSHOTS": true,
	"UTILITY": true, "ARTS": true, "CRAFTS": true, "FASHION": true, "HOUSES": true,
	"GARDENS": true, "FLOWERS": true, "HOLIDAYS": true,
}

// itemQuery selects and orders media items for list and search.
type itemQuery struct {
	album       *album
	newestFirst bool
	dates       *dateFilterJSON
	// mediaType is "", "PHOTO" or "VIDEO".
	mediaType string
	// matchNothing is set by filters no emulated item can satisfy: content
	// categories, because the emulator does not classify pictures, and
	// FAVORITES, because no emulated item is a favourite.
	matchNothing  bool
	excludeOthers bool
}

func (c *call) searchMediaItems() (any, *apiError) {
	var req searchRequest
	if e := decodeJSON(c.r, &req); e != nil {
		return nil, e
	}
	size, e := pageSize(int64(req.PageSize), itemsPageDefault, itemsPageMax)
	if e != nil {
		return nil, e
	}
	q, e := c.buildQueryLocked(&req)
	if e != nil {
		return nil, e
	}
	// The page token is bound to every argument except the paging ones.
	token := req.PageToken
	req.PageSize, req.PageToken = 0, ""
	args, _ := json.Marshal(req)
	sum := sha256.Sum256(args)
	scope := "mediaItems.search|" + hex.EncodeToString(sum[:8])
	return c.pageOfItemsLocked(scope, token, size, q)
}

// buildQueryLocked validates a search request and turns it into a query.
func (c *call) buildQueryLocked(req *searchRequest) (*itemQuery, *apiError) {
	q := &itemQuery{newestFirst: true}
	f := req.Filters
	if req.AlbumID != "" && f != nil {
		return nil, invalidArgument("albumId and filters cannot be set together: search an album or filter the library.")
	}
	if req.OrderBy != "" {
		newestFirst, e := checkOrderBy(req.OrderBy, f)
		if e != nil {
			return nil, e
		}
		q.newestFirst = newestFirst
	}
	if req.AlbumID != "" {
		a, e := c.albumForReadLocked(req.AlbumID)
		if e != nil {
			return nil, e
		}
		q.album = a
		return q, nil
	}
	if f == nil {
		return q, nil
	}
	if e := checkDateFilter(f.DateFilter); e != nil {
		return nil, e
	}
	q.dates = f.DateFilter
	if e := applyContentFilter(q, f.ContentFilter); e != nil {
		return nil, e
	}
	if e := applyMediaTypeFilter(q, f.MediaTypeFilter); e != nil {
		return nil, e
	}
	if ff := f.FeatureFilter; ff != nil {
		for i, feature := range ff.IncludedFeatures {
			switch feature {
			case "NONE":
			case "FAVORITES":
				q.matchNothing = true
			default:
				return nil, invalidArgument(fmt.Sprintf("Invalid value at 'filters.feature_filter.included_features[%d]' (TYPE_ENUM), %q", i, feature))
			}
		}
	}
	q.excludeOthers = f.ExcludeNonAppCreatedData
	return q, nil
}

// checkOrderBy applies the rules for orderBy: it needs a dateFilter, allows
// no content, media type or feature filter, and takes two values. It
// reports whether the order is newest first.
func checkOrderBy(orderBy string, f *filtersJSON) (bool, *apiError) {
	if f == nil || f.DateFilter == nil {
		return false, invalidArgument("orderBy is only supported together with a dateFilter.")
	}
	if f.ContentFilter != nil || f.MediaTypeFilter != nil || f.FeatureFilter != nil {
		return false, invalidArgument("With orderBy, the only filters allowed besides dateFilter are includeArchivedMedia and excludeNonAppCreatedData.")
	}
	switch orderBy {
	case orderOldestFirst:
		return false, nil
	case orderNewestFirst:
		return true, nil
	}
	return false, invalidArgument(fmt.Sprintf("Invalid orderBy %q: use %q or %q.", orderBy, orderOldestFirst, orderNewestFirst))
}

func applyContentFilter(q *itemQuery, cf *contentFilterJSON) *apiError {
	if cf == nil {
		return nil
	}
	if len(cf.IncludedContentCategories) > maxContentCategories || len(cf.ExcludedContentCategories) > maxContentCategories {
		return invalidArgument(fmt.Sprintf("A contentFilter takes at most %d included and %d excluded categories.", maxContentCategories, maxContentCategories))
	}
	included := map[string]bool{}
	for i, cat := range cf.IncludedContentCategories {
		if !contentCategories[cat] {
			return invalidArgument(fmt.Sprintf("Invalid value at 'filters.content_filter.included_content_categories[%d]' (TYPE_ENUM), %q", i, cat))
		}
		included[cat] = true
		if cat != "NONE" {
			q.matchNothing = true
		}
	}
	for i, cat := range cf.ExcludedContentCategories {
		if !contentCategories[cat] {
			return invalidArgument(fmt.Sprintf("Invalid value at 'filters.content_filter.excluded_content_categories[%d]' (TYPE_ENUM), %q", i, cat))
		}
		if included[cat] && cat != "NONE" {
			return invalidArgument(fmt.Sprintf("The content category %s cannot be both included and excluded.", cat))
		}
	}
	return nil
}

func applyMediaTypeFilter(q *itemQuery, mf *mediaTypeFilterJSON) *apiError {
	if mf == nil {
		return nil
	}
	if len(mf.MediaTypes) > 1 {
		return invalidArgument("A mediaTypeFilter takes exactly one media type.")
	}
	for i, t := range mf.MediaTypes {
		switch t {
		case "ALL_MEDIA":
		case "PHOTO", "VIDEO":
			q.mediaType = t
		default:
			return invalidArgument(fmt.Sprintf("Invalid value at 'filters.media_type_filter.media_types[%d]' (TYPE_ENUM), %q", i, t))
		}
	}
	return nil
}

func checkDateFilter(df *dateFilterJSON) *apiError {
	if df == nil {
		return nil
	}
	if len(df.Dates) > maxDateFilterEntries || len(df.Ranges) > maxDateFilterEntries {
		return invalidArgument(fmt.Sprintf("A dateFilter takes at most %d dates and %d ranges.", maxDateFilterEntries, maxDateFilterEntries))
	}
	for i, d := range df.Dates {
		if e := checkDate(d, fmt.Sprintf("filters.dateFilter.dates[%d]", i)); e != nil {
			return e
		}
	}
	for i, r := range df.Ranges {
		path := fmt.Sprintf("filters.dateFilter.ranges[%d]", i)
		if r.StartDate == nil || r.EndDate == nil {
			return invalidArgument(path + " needs both startDate and endDate.")
		}
		if e := checkDate(*r.StartDate, path+".startDate"); e != nil {
			return e
		}
		if e := checkDate(*r.EndDate, path+".endDate"); e != nil {
			return e
		}
		if dateShape(*r.StartDate) != dateShape(*r.EndDate) {
			return invalidArgument(path + ": startDate and endDate must leave the same fields 0.")
		}
	}
	return nil
}

// checkDate applies Google's rules for a Date in a filter. Day 0 means the
// whole month, month and day 0 the whole year, and year 0 every year. All
// zero, a day without a month, and a month alone are not allowed.
func checkDate(d dateJSON, path string) *apiError {
	switch {
	case d.Year < 0 || d.Year > 9999 || d.Month < 0 || d.Month > 12 || d.Day < 0 || d.Day > 31:
		return invalidArgument(fmt.Sprintf("%s is not a valid date: %d-%d-%d.", path, d.Year, d.Month, d.Day))
	case d.Year == 0 && d.Month == 0 && d.Day == 0:
		return invalidArgument(path + " must set a year, a month or a day.")
	case d.Month == 0 && d.Day != 0:
		return invalidArgument(path + " sets a day without a month.")
	case d.Year == 0 && d.Day == 0:
		return invalidArgument(path + " sets only a month: add a year or a day.")
	}
	return nil
}

func dateShape(d dateJSON) [3]bool {
	return [3]bool{d.Year == 0, d.Month == 0, d.Day == 0}
}

// matches reports whether an item passes the query's filters.
func (q *itemQuery) matches(it *item, clientID string) bool {
	switch {
	case q.matchNothing:
		return false
	case q.excludeOthers && it.CreatorClientID != clientID:
		return false
	case q.mediaType == "PHOTO" && it.Video, q.mediaType == "VIDEO" && !it.Video:
		return false
	case q.dates != nil:
		return matchesDates(q.dates, it.CaptureTime)
	}
	return true
}

// matchesDates reports whether a capture time falls on one of the dates or
// in one of the ranges. Items without a capture time never match.
func matchesDates(df *dateFilterJSON, t time.Time) bool {
	if t.IsZero() {
		return false
	}
	t = t.UTC()
	for _, d := range df.Dates {
		if compareDate(t, d) == 0 {
			return true
		}
	}
	for _, r := range df.Ranges {
		if compareDate(t, *r.StartDate) >= 0 && compareDate(t, *r.EndDate) <= 0 {
			return true
		}
	}
	return false
}

// compareDate compares t with a partial date, looking only at the fields
// the date sets.
func compareDate(t time.Time, d dateJSON) int {
	parts := [][2]int{{t.Year(), int(d.Year)}, {int(t.Month()), int(d.Month)}, {t.Day(), int(d.Day)}}
	for _, p := range parts {
		if p[1] == 0 {
			continue
		}
		if p[0] != p[1] {
			if p[0] < p[1] {
				return -1
			}
			return 1
		}
	}
	return 0
}

func itemKey(it *item) sortKey {
	return sortKey{UnixNano: it.creationTime().UnixNano(), Sequence: it.Sequence}
}

func compareKeys(a, b sortKey) int {
	if a.UnixNano != b.UnixNano {
		if a.UnixNano < b.UnixNano {
			return -1
		}
		return 1
	}
	switch {
	case a.Sequence < b.Sequence:
		return -1
	case a.Sequence > b.Sequence:
		return 1
	}
	return 0
}

// pageOfItemsLocked returns one page of the items q selects. Library
// listings are ordered by creation time and resume after the last key
// returned, so items created while a client pages are neither skipped nor
// repeated within the order. Album searches follow album order and resume
// at an offset.
func (c *call) pageOfItemsLocked(scope, token string, size int, q *itemQuery) (any, *apiError) {
	cur, resumed, e := decodeCursor(token, scope)
	if e != nil {
		return nil, e
	}
	var resp mediaItemsPage
	if q.album != nil {
		// NOTE: album pages resume at an offset, so removing items from
		// the album while a client pages through it skips entries.
		ids := q.album.mediaItemIDs()
		start := min(cur.Offset, len(ids))
		end := min(start+size, len(ids))
		for _, id := range ids[start:end] {
			it, ok := c.s.st.Items[id]
			if !ok {
				continue
			}
			rendered := c.renderItemLocked(it)
			// In album searches the product URL shows the item inside the
			// album, as Google documents.
			rendered.ProductURL = productURLPrefix + "album/" + q.album.ID + "/photo/" + it.ID
			resp.MediaItems = append(resp.MediaItems, rendered)
		}
		if end < len(ids) {
			resp.NextPageToken = encodeCursor(cursor{Scope: scope, Offset: end})
		}
		return resp, nil
	}
	items := c.visibleItemsLocked()
	slices.SortFunc(items, func(a, b *item) int {
		if q.newestFirst {
			return compareKeys(itemKey(b), itemKey(a))
		}
		return compareKeys(itemKey(a), itemKey(b))
	})
	var last sortKey
	for _, it := range items {
		key := itemKey(it)
		if resumed {
			order := compareKeys(key, cur.After)
			if (q.newestFirst && order >= 0) || (!q.newestFirst && order <= 0) {
				continue
			}
		}
		if !q.matches(it, c.clientID) {
			continue
		}
		if len(resp.MediaItems) == size {
			resp.NextPageToken = encodeCursor(cursor{Scope: scope, After: last})
			break
		}
		resp.MediaItems = append(resp.MediaItems, c.renderItemLocked(it))
		last = key
	}
	return resp, nil
}

// visibleItemsLocked returns the items the client may list: its own, or in
// Legacy mode all of them.
func (c *call) visibleItemsLocked() []*item {
	items := make([]*item, 0, len(c.s.st.Items))
	for _, it := range c.s.st.Items {
		if c.s.opts.Legacy || it.CreatorClientID == c.clientID {
			items = append(items, it)
		}
	}
	return items
}
