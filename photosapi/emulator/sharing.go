package emulator

import "fmt"

// The sharing methods work only with Options.Legacy; otherwise serveAPI
// returns 403 before they run, as Google has since 31 March 2025.

func (c *call) shareAlbum() (any, *apiError) {
	var req shareAlbumRequest
	if e := decodeJSON(c.r, &req); e != nil {
		return nil, e
	}
	a, e := c.albumForWriteLocked(c.pathID)
	if e != nil {
		return nil, e
	}
	if a.Share == nil {
		a.Share = &shareState{ShareToken: newSecret("AOVP", 60), Joined: map[string]bool{}}
		c.s.st.albumsByShareToken[a.Share.ShareToken] = a.ID
	}
	if req.SharedAlbumOptions != nil {
		a.Share.IsCollaborative = req.SharedAlbumOptions.IsCollaborative
		a.Share.IsCommentable = req.SharedAlbumOptions.IsCommentable
	}
	return shareAlbumResponse{ShareInfo: c.renderShareInfo(a)}, nil
}

func (c *call) unshareAlbum() (any, *apiError) {
	var req emptyRequest
	if e := decodeJSON(c.r, &req); e != nil {
		return nil, e
	}
	a, e := c.albumForWriteLocked(c.pathID)
	if e != nil {
		return nil, e
	}
	if a.Share != nil {
		delete(c.s.st.albumsByShareToken, a.Share.ShareToken)
		a.Share = nil
	}
	return struct{}{}, nil
}

func (c *call) sharedAlbumByToken(token string) (*album, *apiError) {
	if token == "" {
		return nil, invalidArgument("Request must contain a shareToken.")
	}
	a, ok := c.s.st.Albums[c.s.st.albumsByShareToken[token]]
	if !ok || a.Share == nil {
		return nil, notFound(fmt.Sprintf("No shared album has the share token %q.", token))
	}
	return a, nil
}

func (c *call) getSharedAlbum() (any, *apiError) {
	a, e := c.sharedAlbumByToken(c.pathID)
	if e != nil {
		return nil, e
	}
	return c.renderAlbumLocked(a), nil
}

func (c *call) joinSharedAlbum() (any, *apiError) {
	var req shareTokenRequest
	if e := decodeJSON(c.r, &req); e != nil {
		return nil, e
	}
	a, e := c.sharedAlbumByToken(req.ShareToken)
	if e != nil {
		return nil, e
	}
	if a.CreatorClientID != c.clientID {
		a.Share.Joined[c.clientID] = true
		c.s.st.mark(bucketAlbums, a.ID)
	}
	album := c.renderAlbumLocked(a)
	return joinSharedAlbumResponse{Album: &album}, nil
}

func (c *call) leaveSharedAlbum() (any, *apiError) {
	var req shareTokenRequest
	if e := decodeJSON(c.r, &req); e != nil {
		return nil, e
	}
	a, e := c.sharedAlbumByToken(req.ShareToken)
	if e != nil {
		return nil, e
	}
	if a.CreatorClientID == c.clientID {
		return nil, invalidArgument("The owner of a shared album cannot leave it: unshare it instead.")
	}
	if !a.Share.Joined[c.clientID] {
		return nil, invalidArgument("The shared album was not joined.")
	}
	delete(a.Share.Joined, c.clientID)
	c.s.st.mark(bucketAlbums, a.ID)
	return struct{}{}, nil
}

// listSharedAlbums lists the shared albums the client owns or joined, in
// creation order.
func (c *call) listSharedAlbums() (any, *apiError) {
	lq, e := c.readAlbumListQuery("sharedAlbums.list")
	if e != nil {
		return nil, e
	}
	size, excludeOthers, scope, cur, resumed := lq.size, lq.excludeOthers, lq.scope, lq.cur, lq.resumed
	var resp listSharedAlbumsResponse
	var lastSeq int64
	for _, a := range c.s.sortedAlbumsLocked() {
		if a.Share == nil || (resumed && a.Sequence <= cur.After.Sequence) {
			continue
		}
		owned := a.CreatorClientID == c.clientID
		if !owned && (excludeOthers || !a.Share.Joined[c.clientID]) {
			continue
		}
		if len(resp.SharedAlbums) == size {
			resp.NextPageToken = encodeCursor(cursor{Scope: scope, After: sortKey{Sequence: lastSeq}})
			break
		}
		resp.SharedAlbums = append(resp.SharedAlbums, c.renderAlbumLocked(a))
		lastSeq = a.Sequence
	}
	return resp, nil
}
