package emulator

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// inspectItemJSON is one entry of GET /emulator/v1/items.
type inspectItemJSON struct {
	ID              string   `json:"id"`
	Filename        string   `json:"filename"`
	SHA256          string   `json:"sha256"`
	Size            int64    `json:"size"`
	MimeType        string   `json:"mimeType"`
	CreatorClientID string   `json:"creatorClientId"`
	AlbumIDs        []string `json:"albumIds"`
}

// inspectAlbumJSON is one entry of GET /emulator/v1/albums.
type inspectAlbumJSON struct {
	ID              string   `json:"id"`
	Title           string   `json:"title"`
	CreatorClientID string   `json:"creatorClientId"`
	MediaItemIDs    []string `json:"mediaItemIds"`
}

// clockJSON is the body of POST /emulator/v1/clock and the response to both
// clock requests.
type clockJSON struct {
	Advance string `json:"advance,omitempty"`
	Now     string `json:"now,omitempty"`
}

// serveInspection serves the unauthenticated inspection and fault API.
// Errors are in Google's JSON error shape, so that one decoder reads all.
func (s *Server) serveInspection(w http.ResponseWriter, r *http.Request) {
	switch strings.TrimPrefix(r.URL.Path, "/emulator/v1/") + " " + r.Method {
	case "items GET":
		writeJSON(w, http.StatusOK, map[string]any{"items": s.inspectItems()})
	case "albums GET":
		writeJSON(w, http.StatusOK, map[string]any{"albums": s.inspectAlbums()})
	case "requests GET":
		writeJSON(w, http.StatusOK, s.counters.snapshot())
	case "requests DELETE":
		s.counters.reset()
		writeJSON(w, http.StatusOK, struct{}{})
	case "faults GET":
		writeJSON(w, http.StatusOK, map[string]any{"faults": s.faults.list()})
	case "faults DELETE":
		s.faults.clear()
		writeJSON(w, http.StatusOK, struct{}{})
	case "faults POST":
		s.serveAddFault(w, r)
	case "clock GET":
		writeJSON(w, http.StatusOK, clockJSON{Now: s.now().UTC().Format(time.RFC3339Nano)})
	case "clock POST":
		s.serveAdvanceClock(w, r)
	default:
		writeAPIError(w, notFound(fmt.Sprintf("No inspection endpoint %s %s: use items, albums, requests, faults or clock.", r.Method, r.URL.Path)))
	}
}

func (s *Server) inspectItems() []inspectItemJSON {
	s.mu.Lock()
	defer s.mu.Unlock()
	albumIDs := map[string][]string{}
	for _, a := range s.sortedAlbumsLocked() {
		for _, id := range a.mediaItemIDs() {
			albumIDs[id] = append(albumIDs[id], a.ID)
		}
	}
	items := []inspectItemJSON{}
	for _, it := range s.sortedItemsLocked() {
		ids := albumIDs[it.ID]
		if ids == nil {
			ids = []string{}
		}
		items = append(items, inspectItemJSON{
			ID: it.ID, Filename: it.Filename, SHA256: it.SHA256, Size: it.Size,
			MimeType: it.MimeType, CreatorClientID: it.CreatorClientID, AlbumIDs: ids,
		})
	}
	return items
}

func (s *Server) inspectAlbums() []inspectAlbumJSON {
	s.mu.Lock()
	defer s.mu.Unlock()
	albums := []inspectAlbumJSON{}
	for _, a := range s.sortedAlbumsLocked() {
		ids := a.mediaItemIDs()
		if ids == nil {
			ids = []string{}
		}
		albums = append(albums, inspectAlbumJSON{ID: a.ID, Title: a.Title, CreatorClientID: a.CreatorClientID, MediaItemIDs: ids})
	}
	return albums
}

// sortedItemsLocked returns every item in creation order.
func (s *Server) sortedItemsLocked() []*item {
	items := make([]*item, 0, len(s.st.Items))
	for _, it := range s.st.Items {
		items = append(items, it)
	}
	slices.SortFunc(items, func(a, b *item) int { return int(a.Sequence - b.Sequence) })
	return items
}

// sortedAlbumsLocked returns every album in creation order.
func (s *Server) sortedAlbumsLocked() []*album {
	albums := make([]*album, 0, len(s.st.Albums))
	for _, a := range s.st.Albums {
		albums = append(albums, a)
	}
	slices.SortFunc(albums, func(a, b *album) int { return int(a.Sequence - b.Sequence) })
	return albums
}

func (s *Server) serveAddFault(w http.ResponseWriter, r *http.Request) {
	var spec faultSpec
	if e := decodeJSON(r, &spec); e != nil {
		writeAPIError(w, e)
		return
	}
	if spec.RevokeRefreshToken != "" {
		s.mu.Lock()
		s.revokeLocked(spec.RevokeRefreshToken)
		s.saveOrLogLocked()
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, struct{}{})
		return
	}
	id, err := s.faults.add(spec)
	if err != nil {
		writeAPIError(w, invalidArgument("Invalid fault: "+err.Error()+"."))
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"id": id})
}

func (s *Server) serveAdvanceClock(w http.ResponseWriter, r *http.Request) {
	var body clockJSON
	if e := decodeJSON(r, &body); e != nil {
		writeAPIError(w, e)
		return
	}
	d, err := time.ParseDuration(body.Advance)
	if err != nil || d < 0 {
		writeAPIError(w, invalidArgument(fmt.Sprintf("Invalid advance %q: use a non-negative Go duration such as \"25h\".", body.Advance)))
		return
	}
	s.mu.Lock()
	s.st.ClockOffset += d
	now := s.nowLocked()
	s.saveOrLogLocked()
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, clockJSON{Now: now.UTC().Format(time.RFC3339Nano)})
}
