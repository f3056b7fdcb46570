package emulator

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Album limits, as Google documents them.
const (
	maxAlbumTitle = 500
	maxAlbumItems = 20000
	maxBatchIDs   = 50
)

// albumForReadLocked returns an album the client may read: its own, or in
// Legacy mode any album.
func (c *call) albumForReadLocked(id string) (*album, *apiError) {
	a, ok := c.s.st.Albums[id]
	if !ok || (!c.s.opts.Legacy && a.CreatorClientID != c.clientID) {
		return nil, invalidArgument(msgInvalidAlbumID)
	}
	return a, nil
}

// albumForWriteLocked returns an album the client created. Writes need an
// app-created album in every mode. The album is marked as changed, because
// the caller is about to change it.
//
// An album of another client gets "No permission to add media items to
// this album." in both modes, the message clients report from Google for
// albums their app did not create.
func (c *call) albumForWriteLocked(id string) (*album, *apiError) {
	a, ok := c.s.st.Albums[id]
	if !ok {
		return nil, invalidArgument(msgInvalidAlbumID)
	}
	if a.CreatorClientID != c.clientID {
		return nil, invalidArgument(msgNoAlbumPermission)
	}
	c.s.st.mark(bucketAlbums, id)
	return a, nil
}

func checkAlbumTitle(title string) *apiError {
	if strings.TrimSpace(title) == "" {
		return invalidArgument("The album title must not be empty.")
	}
	if n := utf8.RuneCountInString(title); n > maxAlbumTitle {
		return invalidArgument(fmt.Sprintf("The album title is %d characters, more than the maximum of %d.", n, maxAlbumTitle))
	}
	return nil
}

func (c *call) createAlbum() (any, *apiError) {
	var req createAlbumRequest
	if e := decodeJSON(c.r, &req); e != nil {
		return nil, e
	}
	if req.Album == nil {
		return nil, invalidArgument("Request must contain an album.")
	}
	if e := checkAlbumTitle(req.Album.Title); e != nil {
		return nil, e
	}
	a := &album{ID: newID(), Title: req.Album.Title, CreatorClientID: c.clientID, Sequence: c.s.st.nextSequence()}
	c.s.st.Albums[a.ID] = a
	c.s.st.mark(bucketAlbums, a.ID)
	return c.renderAlbumLocked(a), nil
}

func (c *call) getAlbum() (any, *apiError) {
	a, e := c.albumForReadLocked(c.pathID)
	if e != nil {
		return nil, e
	}
	return c.renderAlbumLocked(a), nil
}

// listAlbums lists albums in creation order, oldest first.
func (c *call) listAlbums() (any, *apiError) {
	lq, e := c.readAlbumListQuery("albums.list")
	if e != nil {
		return nil, e
	}
	size, excludeOthers, scope, cur, resumed := lq.size, lq.excludeOthers, lq.scope, lq.cur, lq.resumed
	var resp listAlbumsResponse
	for _, a := range c.s.sortedAlbumsLocked() {
		if resumed && a.Sequence <= cur.After.Sequence {
			continue
		}
		if (!c.s.opts.Legacy || excludeOthers) && a.CreatorClientID != c.clientID {
			continue
		}
		if len(resp.Albums) == size {
			last := resp.Albums[len(resp.Albums)-1].ID
			resp.NextPageToken = encodeCursor(cursor{Scope: scope, After: sortKey{Sequence: c.s.st.Albums[last].Sequence}})
			break
		}
		resp.Albums = append(resp.Albums, c.renderAlbumLocked(a))
	}
	return resp, nil
}

// albumListQuery holds the query parameters that albums.list and
// sharedAlbums.list share.
type albumListQuery struct {
	size          int
	excludeOthers bool
	// scope binds page tokens to the method and to excludeOthers.
	scope   string
	cur     cursor
	resumed bool
}

// readAlbumListQuery reads the page size, excludeNonAppCreatedData and the
// page token of an album listing by method.
func (c *call) readAlbumListQuery(method string) (albumListQuery, *apiError) {
	var lq albumListQuery
	query := c.r.URL.Query()
	var e *apiError
	if lq.size, e = queryPageSize(query.Get("pageSize"), albumsPageDefault, albumsPageMax); e != nil {
		return lq, e
	}
	if lq.excludeOthers, e = queryBool(query.Get("excludeNonAppCreatedData"), "excludeNonAppCreatedData"); e != nil {
		return lq, e
	}
	lq.scope = fmt.Sprintf("%s|%t", method, lq.excludeOthers)
	lq.cur, lq.resumed, e = decodeCursor(query.Get("pageToken"), lq.scope)
	return lq, e
}

func queryBool(value, name string) (bool, *apiError) {
	switch value {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	}
	return false, invalidArgument(fmt.Sprintf("Invalid value at '%s' (TYPE_BOOL), %q", name, value))
}

// patchAlbum updates the title and the cover photo. The update mask takes
// the JSON name coverPhotoMediaItemId and the proto name
// cover_photo_media_item_id, as Google's field-mask parser does.
func (c *call) patchAlbum() (any, *apiError) {
	var req albumJSON
	if e := decodeJSON(c.r, &req); e != nil {
		return nil, e
	}
	a, e := c.albumForWriteLocked(c.pathID)
	if e != nil {
		return nil, e
	}
	mask := c.r.URL.Query().Get("updateMask")
	if mask == "" {
		return nil, invalidArgument("updateMask is required: use title, coverPhotoMediaItemId or both.")
	}
	var setTitle, setCover bool
	for _, field := range strings.Split(mask, ",") {
		switch strings.TrimSpace(field) {
		case "title":
			setTitle = true
		case "coverPhotoMediaItemId", "cover_photo_media_item_id":
			setCover = true
		default:
			return nil, invalidArgument(fmt.Sprintf("Invalid updateMask field %q: use title or coverPhotoMediaItemId.", field))
		}
	}
	if setTitle {
		if e := checkAlbumTitle(req.Title); e != nil {
			return nil, e
		}
	}
	if setCover && !a.contains(req.CoverPhotoMediaItemID) {
		return nil, invalidArgument(fmt.Sprintf("Invalid coverPhotoMediaItemId %q: it must be a media item in the album.", req.CoverPhotoMediaItemID))
	}
	if setTitle {
		a.Title = req.Title
	}
	if setCover {
		a.CoverPhotoMediaItemID = req.CoverPhotoMediaItemID
	}
	return c.renderAlbumLocked(a), nil
}

// checkIDs applies the rules batch methods share: 1 to 50 ids and, when
// noDuplicates is set, each id once.
func checkIDs(ids []string, noDuplicates bool) *apiError {
	if len(ids) == 0 {
		return invalidArgument("Request must contain at least one media item id.")
	}
	if len(ids) > maxBatchIDs {
		return invalidArgument(msgTooManyItems)
	}
	if noDuplicates {
		seen := map[string]bool{}
		for _, id := range ids {
			if seen[id] {
				return invalidArgument(fmt.Sprintf("Request contains the media item id %q more than once.", id))
			}
			seen[id] = true
		}
	}
	return nil
}

// batchAddMediaItems adds app-created items to the end of an app-created
// album, all or nothing. Items already in the album stay where they are.
func (c *call) batchAddMediaItems() (any, *apiError) {
	var req mediaItemIDsRequest
	if e := decodeJSON(c.r, &req); e != nil {
		return nil, e
	}
	if e := checkIDs(req.MediaItemIDs, false); e != nil {
		return nil, e
	}
	a, e := c.albumForWriteLocked(c.pathID)
	if e != nil {
		return nil, e
	}
	var add []albumEntry
	adding := map[string]bool{}
	for _, id := range req.MediaItemIDs {
		it, ok := c.s.st.Items[id]
		if !ok || it.CreatorClientID != c.clientID {
			return nil, invalidArgument(msgBatchInvalidID)
		}
		if !a.contains(id) && !adding[id] {
			add = append(add, albumEntry{MediaItemID: id})
			adding[id] = true
		}
	}
	if e := checkAlbumRoom(a, len(add)); e != nil {
		return nil, e
	}
	a.Entries = append(a.Entries, add...)
	return struct{}{}, nil
}

func checkAlbumRoom(a *album, adding int) *apiError {
	if n := len(a.mediaItemIDs()); n+adding > maxAlbumItems {
		return invalidArgument(fmt.Sprintf("The album holds %d media items and cannot take %d more: an album holds at most %d.", n, adding, maxAlbumItems))
	}
	return nil
}

// batchRemoveMediaItems removes items from an app-created album, all or
// nothing. The items stay in the library.
func (c *call) batchRemoveMediaItems() (any, *apiError) {
	var req mediaItemIDsRequest
	if e := decodeJSON(c.r, &req); e != nil {
		return nil, e
	}
	if e := checkIDs(req.MediaItemIDs, true); e != nil {
		return nil, e
	}
	a, e := c.albumForWriteLocked(c.pathID)
	if e != nil {
		return nil, e
	}
	remove := map[string]bool{}
	for _, id := range req.MediaItemIDs {
		if !a.contains(id) {
			return nil, invalidArgument(msgBatchInvalidID)
		}
		remove[id] = true
	}
	kept := a.Entries[:0]
	for _, entry := range a.Entries {
		if !remove[entry.MediaItemID] {
			kept = append(kept, entry)
		}
	}
	a.Entries = kept
	if remove[a.CoverPhotoMediaItemID] {
		a.CoverPhotoMediaItemID = ""
	}
	return struct{}{}, nil
}

func (c *call) addEnrichment() (any, *apiError) {
	var req addEnrichmentRequest
	if e := decodeJSON(c.r, &req); e != nil {
		return nil, e
	}
	a, e := c.albumForWriteLocked(c.pathID)
	if e != nil {
		return nil, e
	}
	if e := checkEnrichment(req.NewEnrichmentItem); e != nil {
		return nil, e
	}
	if req.AlbumPosition == nil {
		return nil, invalidArgument("Request must contain an albumPosition.")
	}
	entry := albumEntry{EnrichmentID: newID()}
	if e := insertEntries(a, []albumEntry{entry}, req.AlbumPosition); e != nil {
		return nil, e
	}
	return addEnrichmentResponse{EnrichmentItem: &enrichmentItemJSON{ID: entry.EnrichmentID}}, nil
}

func checkEnrichment(item *newEnrichmentItemJSON) *apiError {
	if item == nil {
		return invalidArgument("Request must contain a newEnrichmentItem.")
	}
	set := 0
	if item.TextEnrichment != nil {
		set++
		if item.TextEnrichment.Text == "" {
			return invalidArgument("The text enrichment must have text.")
		}
	}
	if item.LocationEnrichment != nil {
		set++
		if item.LocationEnrichment.Location == nil {
			return invalidArgument("The location enrichment must have a location.")
		}
	}
	if item.MapEnrichment != nil {
		set++
		if item.MapEnrichment.Origin == nil || item.MapEnrichment.Destination == nil {
			return invalidArgument("The map enrichment must have an origin and a destination.")
		}
	}
	if set != 1 {
		return invalidArgument("The newEnrichmentItem must set exactly one of textEnrichment, locationEnrichment and mapEnrichment.")
	}
	return nil
}

// insertEntries puts entries into the album at pos; nil means the end.
func insertEntries(a *album, entries []albumEntry, pos *albumPositionJSON) *apiError {
	at := len(a.Entries)
	if pos != nil {
		switch pos.Position {
		case "", "POSITION_TYPE_UNSPECIFIED", "LAST_IN_ALBUM":
		case "FIRST_IN_ALBUM":
			at = 0
		case "AFTER_MEDIA_ITEM":
			at = entryIndex(a, albumEntry{MediaItemID: pos.RelativeMediaItemID})
			if pos.RelativeMediaItemID == "" || at < 0 {
				return invalidArgument(fmt.Sprintf("Invalid relativeMediaItemId %q: it must be a media item in the album.", pos.RelativeMediaItemID))
			}
			at++
		case "AFTER_ENRICHMENT_ITEM":
			at = entryIndex(a, albumEntry{EnrichmentID: pos.RelativeEnrichmentItemID})
			if pos.RelativeEnrichmentItemID == "" || at < 0 {
				return invalidArgument(fmt.Sprintf("Invalid relativeEnrichmentItemId %q: it must be an enrichment in the album.", pos.RelativeEnrichmentItemID))
			}
			at++
		default:
			return invalidArgument(fmt.Sprintf("Invalid value at 'album_position.position' (TYPE_ENUM), %q", pos.Position))
		}
		if pos.RelativeMediaItemID != "" && pos.Position != "AFTER_MEDIA_ITEM" {
			return invalidArgument("relativeMediaItemId is only allowed with position AFTER_MEDIA_ITEM.")
		}
		if pos.RelativeEnrichmentItemID != "" && pos.Position != "AFTER_ENRICHMENT_ITEM" {
			return invalidArgument("relativeEnrichmentItemId is only allowed with position AFTER_ENRICHMENT_ITEM.")
		}
	}
	merged := make([]albumEntry, 0, len(a.Entries)+len(entries))
	merged = append(merged, a.Entries[:at]...)
	merged = append(merged, entries...)
	a.Entries = append(merged, a.Entries[at:]...)
	return nil
}

func entryIndex(a *album, want albumEntry) int {
	for i, e := range a.Entries {
		if e == want {
			return i
		}
	}
	return -1
}
