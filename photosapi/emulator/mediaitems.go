package emulator

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/photosync/photosync/internal/media"
)

// Media item limits, as Google documents them.
const (
	// maxDescription is one more than the longest description: Google
	// requires fewer than 1000 characters.
	maxDescription = 1000
	maxFileName    = 255
)

// Per-item statuses inside batchCreate and batchGet responses.
var (
	statusSuccess = &statusJSON{Message: "Success"}
	// statusTokenExpired is the emulator's per-item status for an upload
	// token older than a day. Google does not document it.
	statusTokenExpired = &statusJSON{Code: 3, Message: "Failed: The upload token has expired. Upload the bytes again."}
	statusCreateFailed = &statusJSON{Code: 3, Message: msgCreateFailed}
	statusInvalidID    = &statusJSON{Code: 3, Message: msgInvalidMediaItemID}
)

// itemForReadLocked returns an item the client may read: its own, or in
// Legacy mode any item.
func (c *call) itemForReadLocked(id string) (*item, bool) {
	it, ok := c.s.st.Items[id]
	if !ok || (!c.s.opts.Legacy && it.CreatorClientID != c.clientID) {
		return nil, false
	}
	return it, true
}

func checkDescription(d string) *apiError {
	if n := utf8.RuneCountInString(d); n >= maxDescription {
		return invalidArgument(fmt.Sprintf("The description is %d characters: it must be shorter than %d.", n, maxDescription))
	}
	return nil
}

// checkBatchCreate applies the request-level rules of batchCreate. Any
// failure here rejects the whole request and creates nothing.
func (c *call) checkBatchCreate(req *batchCreateRequest) *apiError {
	if len(req.NewMediaItems) == 0 {
		return invalidArgument("Request must contain at least one newMediaItems entry.")
	}
	if len(req.NewMediaItems) > maxBatchIDs {
		return invalidArgument(msgTooManyItems)
	}
	if req.AlbumPosition != nil && req.AlbumID == "" {
		return invalidArgument("albumPosition is only allowed together with albumId.")
	}
	for i, n := range req.NewMediaItems {
		if n.SimpleMediaItem == nil || n.SimpleMediaItem.UploadToken == "" {
			return invalidArgument(msgInvalidUploadToken)
		}
		if _, ok := c.s.st.UploadTokens[n.SimpleMediaItem.UploadToken]; !ok {
			return invalidArgument(msgInvalidUploadToken)
		}
		if e := checkDescription(n.Description); e != nil {
			return invalidArgument(fmt.Sprintf("newMediaItems[%d]: %s", i, e.Message))
		}
		if n := utf8.RuneCountInString(n.SimpleMediaItem.FileName); n > maxFileName {
			return invalidArgument(fmt.Sprintf("newMediaItems[%d]: the fileName is %d characters, more than the maximum of %d.", i, n, maxFileName))
		}
		if strings.ContainsAny(n.SimpleMediaItem.FileName, "/\x00") {
			return invalidArgument(fmt.Sprintf("newMediaItems[%d]: the fileName %q contains a slash or a NUL character.", i, n.SimpleMediaItem.FileName))
		}
	}
	return nil
}

// decodeBatchCreate decodes a batchCreate request body into c.req.
func decodeBatchCreate(c *call) {
	req := new(batchCreateRequest)
	c.reqErr = decodeJSON(c.r, req)
	c.req = req
}

// batchCreate turns upload tokens into media items. Identical bytes become
// one item: a token whose bytes are already in the library returns the
// existing item with its first file name and owner, so a repeated creation
// after a crash does not duplicate anything.
func (c *call) batchCreate() (any, *apiError) {
	if c.req == nil {
		decodeBatchCreate(c)
	}
	if c.reqErr != nil {
		return nil, c.reqErr
	}
	req := c.req.(*batchCreateRequest)
	if e := c.checkBatchCreate(req); e != nil {
		return nil, e
	}
	var target *album
	if req.AlbumID != "" {
		a, e := c.albumForWriteLocked(req.AlbumID)
		if e != nil {
			return nil, e
		}
		target = a
		if e := checkAlbumRoom(target, len(req.NewMediaItems)); e != nil {
			return nil, e
		}
		if e := insertEntries(target, nil, req.AlbumPosition); e != nil {
			return nil, e
		}
	}
	resp := batchCreateResponse{NewMediaItemResults: make([]newMediaItemResultJSON, 0, len(req.NewMediaItems))}
	rendered := make([]mediaItemJSON, len(req.NewMediaItems))
	var added []albumEntry
	for i, n := range req.NewMediaItems {
		result := newMediaItemResultJSON{UploadToken: n.SimpleMediaItem.UploadToken}
		it, created, status := c.createOneLocked(n)
		result.Status = status
		if it != nil {
			rendered[i] = c.renderItemLocked(it)
			result.MediaItem = &rendered[i]
			// A new item has a new id, so only an existing one can be in
			// the album or earlier in this request already.
			if target != nil && (created || !target.contains(it.ID) && entryIndex(&album{Entries: added}, albumEntry{MediaItemID: it.ID}) < 0) {
				added = append(added, albumEntry{MediaItemID: it.ID})
			}
		}
		resp.NewMediaItemResults = append(resp.NewMediaItemResults, result)
	}
	if target != nil && len(added) > 0 {
		// The album has not changed since the position was checked above,
		// so an error here means a bug in the emulator.
		if e := insertEntries(target, added, req.AlbumPosition); e != nil {
			return nil, internalError("Internal error encountered.")
		}
	}
	return resp, nil
}

// createOneLocked creates or finds the item for one newMediaItems entry. It
// reports whether the item is new.
func (c *call) createOneLocked(n newMediaItemJSON) (*item, bool, *statusJSON) {
	if injected := c.s.faults.takeItemStatus(); injected != nil {
		return nil, false, injected
	}
	ut := c.s.st.UploadTokens[n.SimpleMediaItem.UploadToken]
	if c.now.Sub(ut.Created) >= uploadTokenLifetime {
		return nil, false, statusTokenExpired
	}
	if existing, ok := c.s.st.itemsBySHA[ut.SHA256]; ok {
		return c.s.st.Items[existing], false, statusSuccess
	}
	if !ut.Supported {
		return nil, false, statusCreateFailed
	}
	if status := checkMediaSize(ut); status != nil {
		return nil, false, status
	}
	name := n.SimpleMediaItem.FileName
	if name == "" {
		name = ut.FileName
	}
	if name == "" {
		name = "IMG_" + c.now.UTC().Format("20060102_150405")
	}
	it := &item{
		mediaInfo:       ut.Info,
		ID:              newID(),
		SHA256:          ut.SHA256,
		Size:            ut.Size,
		Filename:        name,
		Description:     n.Description,
		CreatorClientID: c.clientID,
		UploadTime:      c.now,
		Sequence:        c.s.st.nextSequence(),
	}
	c.s.st.Items[it.ID] = it
	c.s.st.mark(bucketItems, it.ID)
	c.s.st.itemsBySHA[it.SHA256] = it.ID
	return it, true, statusSuccess
}

func (c *call) getMediaItem() (any, *apiError) {
	it, ok := c.itemForReadLocked(c.pathID)
	if !ok {
		return nil, invalidArgument(msgInvalidMediaItemID)
	}
	return c.renderItemLocked(it), nil
}

// batchGet returns one result per requested id, in request order. Unknown
// or invisible ids get a per-item status.
func (c *call) batchGet() (any, *apiError) {
	ids := c.r.URL.Query()["mediaItemIds"]
	if e := checkIDs(ids, true); e != nil {
		return nil, e
	}
	resp := batchGetResponse{MediaItemResults: make([]mediaItemResultJSON, 0, len(ids))}
	for _, id := range ids {
		it, ok := c.itemForReadLocked(id)
		if !ok {
			resp.MediaItemResults = append(resp.MediaItemResults, mediaItemResultJSON{Status: statusInvalidID})
			continue
		}
		rendered := c.renderItemLocked(it)
		resp.MediaItemResults = append(resp.MediaItemResults, mediaItemResultJSON{MediaItem: &rendered})
	}
	return resp, nil
}

// patchMediaItem updates an app-created item's description, the only field
// the API lets clients change.
func (c *call) patchMediaItem() (any, *apiError) {
	var req mediaItemJSON
	if e := decodeJSON(c.r, &req); e != nil {
		return nil, e
	}
	mask := c.r.URL.Query().Get("updateMask")
	if mask == "" {
		return nil, invalidArgument("updateMask is required: use description.")
	}
	if strings.TrimSpace(mask) != "description" {
		return nil, invalidArgument(fmt.Sprintf("Invalid updateMask %q: the only field that can be updated is description.", mask))
	}
	it, ok := c.s.st.Items[c.pathID]
	if !ok || it.CreatorClientID != c.clientID {
		return nil, invalidArgument(msgInvalidMediaItemID)
	}
	if e := checkDescription(req.Description); e != nil {
		return nil, e
	}
	it.Description = req.Description
	c.s.st.mark(bucketItems, it.ID)
	return c.renderItemLocked(it), nil
}

func (c *call) listMediaItems() (any, *apiError) {
	q := c.r.URL.Query()
	size, e := queryPageSize(q.Get("pageSize"), itemsPageDefault, itemsPageMax)
	if e != nil {
		return nil, e
	}
	return c.pageOfItemsLocked("mediaItems.list", q.Get("pageToken"), size, &itemQuery{newestFirst: true})
}

// checkMediaSize fails an item over Google's size limits: 200 MB for
// photos and 20 GB for videos.
// NOTE: Google's message for this case is not known. The emulator returns
// code 3 and its own message.
func checkMediaSize(ut *uploadToken) *statusJSON {
	kind, limit := "photo", media.MaxPhotoSize
	if ut.Info.Video {
		kind, limit = "video", media.MaxVideoSize
	}
	if ut.Size <= limit {
		return nil
	}
	return &statusJSON{Code: 3, Message: fmt.Sprintf("Failed: the %s is %d bytes, more than the %d bytes Google Photos accepts.", kind, ut.Size, limit)}
}
