package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// OAuth scopes. Only the first three exist since 31 March 2025; the others
// work only with Options.Legacy.
const (
	scopeAppendOnly      = "https://www.googleapis.com/auth/photoslibrary.appendonly"
	scopeReadAppCreated  = "https://www.googleapis.com/auth/photoslibrary.readonly.appcreateddata"
	scopeEditAppCreated  = "https://www.googleapis.com/auth/photoslibrary.edit.appcreateddata"
	scopeLibrary         = "https://www.googleapis.com/auth/photoslibrary"
	scopeLibraryReadOnly = "https://www.googleapis.com/auth/photoslibrary.readonly"
	scopeSharing         = "https://www.googleapis.com/auth/photoslibrary.sharing"
)

// call is one authenticated Library API request on its way to a handler.
type call struct {
	s        *Server
	w        http.ResponseWriter
	r        *http.Request
	method   string
	pathID   string
	clientID string
	now      time.Time
	// dropAfter, when positive, is a fault's request-body byte count after
	// which the upload handler drops the connection.
	dropAfter int64
	// baseURLPrefix is the start of the base URLs the call hands out, set
	// by the first one.
	baseURLPrefix string
	// req and reqErr are the decoded request body and the decoding error,
	// set by methodSpec.decode.
	req    any
	reqErr *apiError
}

// jsonHandler serves a method with a JSON response. It runs with s.mu held
// and returns the value to send with status 200.
type jsonHandler func(c *call) (any, *apiError)

// rawHandler serves a method that writes its own response and does its own
// locking, because it moves bytes.
type rawHandler func(c *call)

// methodSpec describes one Library API method.
type methodSpec struct {
	name string
	// scopes accept the method since 2025; legacyScopes accept it too with
	// Options.Legacy, as the 2024 discovery document lists them.
	scopes       []string
	legacyScopes []string
	// write marks methods that count against the per-minute write limit and
	// change the state.
	write bool
	// sharing marks the methods Google turned off in 2025.
	sharing bool
	// query lists the method's own query parameters.
	query []string
	json  jsonHandler
	raw   rawHandler
	// decode, when set, decodes the request body into call.req and
	// call.reqErr before the Server's lock is taken, which shortens the
	// time the handler holds it. The handler returns reqErr where it would
	// have decoded, so errors keep their order.
	decode func(c *call)
}

var (
	readScopes       = []string{scopeReadAppCreated}
	legacyReadScopes = []string{scopeLibrary, scopeLibraryReadOnly}
	appendScopes     = []string{scopeAppendOnly}
	legacyAddScopes  = []string{scopeLibrary, scopeSharing}
	sharingScopes    = []string{scopeSharing}
)

// routes builds the top-level mux.
func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/", s.serveAPI)
	mux.HandleFunc("POST /token", s.serveToken)
	mux.HandleFunc("GET /o/oauth2/auth", s.serveAuthorize)
	mux.HandleFunc("GET /o/oauth2/v2/auth", s.serveAuthorize)
	mux.HandleFunc("POST /revoke", s.serveRevoke)
	mux.HandleFunc("GET "+baseURLPath+"{token}", s.serveDownload)
	mux.HandleFunc("HEAD "+baseURLPath+"{token}", s.serveDownload)
	mux.HandleFunc("/emulator/v1/", s.serveInspection)
	return mux
}

// route finds the method for a /v1/ request and the id in its path. It
// splits the escaped path, so that an id with an escaped "/" or ":" stays
// one id instead of adding a path segment or a custom verb, and returns the
// id unescaped.
func (s *Server) route(r *http.Request) (*methodSpec, string) {
	path := strings.TrimPrefix(r.URL.EscapedPath(), "/v1/")
	collection, rest, hasID := strings.Cut(path, "/")
	verb := ""
	if hasID {
		if i := strings.LastIndex(rest, ":"); i >= 0 {
			rest, verb = rest[:i], rest[i+1:]
		}
		if rest == "" || strings.Contains(rest, "/") {
			return nil, ""
		}
	} else if i := strings.Index(collection, ":"); i >= 0 {
		collection, verb = collection[:i], collection[i+1:]
	}
	key := r.Method + " " + collection
	switch {
	case hasID && verb != "":
		key += "/{id}:" + verb
	case hasID:
		key += "/{id}"
	case verb != "":
		key += ":" + verb
	}
	if r.Method == http.MethodPut && key == "PUT uploads" {
		key = "POST uploads"
	}
	spec, ok := s.methods()[key]
	if !ok {
		return nil, ""
	}
	id, err := url.PathUnescape(rest)
	if err != nil {
		// EscapedPath always returns a valid escaping, so this branch is
		// a guard only.
		return nil, ""
	}
	return spec, id
}

// checkPathID rejects an id that cannot exist, because the discovery
// document gives path ids the pattern ^[^/]+$. It returns Google's 400 for
// the id's collection, as for a path such as /v1/albums/abc%2Fdef.
func checkPathID(spec *methodSpec, id string) *apiError {
	if !strings.Contains(id, "/") {
		return nil
	}
	switch {
	case strings.HasPrefix(spec.name, "albums."):
		return invalidArgument(msgInvalidAlbumID)
	case strings.HasPrefix(spec.name, "mediaItems."):
		return invalidArgument(msgInvalidMediaItemID)
	}
	return invalidArgument(fmt.Sprintf("Invalid id %q: ids contain no \"/\".", id))
}

// serveAPI runs the steps every Library API request goes through: count,
// faults, authentication, the 2025 sharing cut-off, scopes, quota, handler.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	spec, id := s.route(r)
	if spec == nil {
		writeAPIError(w, notFound("Method not found."))
		return
	}
	s.counters.record(spec.name)
	handled, dropAfter := s.faults.apply(w, r, spec.name)
	if handled {
		return
	}

	clientID, e := s.authorizeCall(r, spec)
	if e != nil {
		s.writeAuthError(w, spec, e)
		return
	}
	if e := checkPathID(spec, id); e != nil {
		writeAPIError(w, e)
		return
	}

	c := &call{s: s, w: w, r: r, method: spec.name, pathID: id, clientID: clientID, dropAfter: dropAfter}
	if spec.json != nil {
		bufferBody(r)
	}
	if spec.decode != nil {
		spec.decode(c)
	}
	s.mu.Lock()
	if e := s.admitLocked(c, spec); e != nil {
		s.mu.Unlock()
		writeAPIError(w, e)
		return
	}
	if spec.raw != nil {
		// Only the quota counters changed so far. The upload handler saves
		// what it changes.
		s.dirty = true
		s.mu.Unlock()
		spec.raw(c)
		return
	}

	resp, e := spec.json(c)
	if spec.write {
		s.saveOrLogLocked()
	} else {
		s.dirty = true
	}
	s.mu.Unlock()
	if e != nil {
		writeAPIError(w, e)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// bufferBody reads the body of a JSON call into memory before the handler
// takes the Server's lock, so that a client that sends its body slowly
// holds up no other call. The handler decodes from memory as before, and a
// read error reaches it after the bytes read.
func bufferBody(r *http.Request) {
	data, err := io.ReadAll(io.LimitReader(r.Body, maxJSONBody+1))
	var body io.Reader = bytes.NewReader(data)
	if err != nil {
		body = io.MultiReader(body, errorReader{err})
	}
	r.Body = io.NopCloser(body)
}

// errorReader returns err from every Read.
type errorReader struct{ err error }

func (r errorReader) Read([]byte) (int, error) { return 0, r.err }

// authorizeCall checks the request's token, the 2025 sharing cut-off and
// the method's scopes, and returns the client id.
func (s *Server) authorizeCall(r *http.Request, spec *methodSpec) (string, *apiError) {
	clientID, scopes, e := s.authenticate(r)
	switch {
	case e != nil:
		return "", e
	case spec.sharing && !s.opts.Legacy:
		return "", permissionDenied(msgSharingGone)
	case !s.scopeAllows(spec, scopes):
		return "", permissionDenied(msgInsufficientScopes)
	}
	return clientID, nil
}

// writeAuthError sends an authorization failure. The uploads endpoint has
// its own 401 body for every token problem.
func (s *Server) writeAuthError(w http.ResponseWriter, spec *methodSpec, e *apiError) {
	if spec.name == methodUploads {
		writeUploadsUnauthenticated(w)
		return
	}
	if e.Code == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="https://accounts.google.com/", error="invalid_token"`)
	}
	writeAPIError(w, e)
}

// admitLocked sets the call's time and rejects it when the Server is
// closed, the client is out of quota or the query has unknown parameters.
func (s *Server) admitLocked(c *call, spec *methodSpec) *apiError {
	if s.closed {
		return unavailable()
	}
	c.now = s.nowLocked()
	if e := s.chargeQuotaLocked(c.clientID, spec.write, c.now); e != nil {
		return e
	}
	if c.r.URL.RawQuery == "" {
		return nil
	}
	return checkQuery(c.r.URL.Query(), spec.query...)
}

// saveOrLogLocked saves the state and logs a failure, because a request
// that changed the state in memory has succeeded whether or not the copy on
// disk could be written. Reads only mark the state dirty, because all they
// change is quota counters, which the next write or Close saves.
func (s *Server) saveOrLogLocked() {
	if err := s.saveLocked(); err != nil {
		s.log.Error().Err(err).Msg("Cannot save emulator state")
	}
}

func (s *Server) scopeAllows(spec *methodSpec, granted []string) bool {
	for _, g := range granted {
		for _, want := range spec.scopes {
			if g == want {
				return true
			}
		}
		if !s.opts.Legacy {
			continue
		}
		for _, want := range spec.legacyScopes {
			if g == want {
				return true
			}
		}
	}
	return false
}

// writeJSON sends v as the JSON response body. A jsonAppender encodes
// itself into a pooled buffer, and any other value goes through
// json.Marshal.
func writeJSON(w http.ResponseWriter, status int, v any) {
	if a, ok := v.(jsonAppender); ok {
		buf := responseBuffers.Get().(*[]byte)
		body, ok := a.appendJSON((*buf)[:0])
		if ok {
			writeJSONBody(w, status, body)
		}
		if cap(body) <= maxPooledResponse {
			*buf = body[:0]
			responseBuffers.Put(buf)
		}
		if ok {
			return
		}
	}
	body, err := json.Marshal(v)
	if err != nil {
		writeAPIError(w, internalError("Internal error encountered."))
		return
	}
	writeJSONBody(w, status, body)
}

func writeJSONBody(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	w.Write(body)
}

// Method names as the inspection API and the fault API spell them.
const (
	methodUploads  = "uploads"
	methodDownload = "download"
	methodToken    = "token"
)

// methods maps "HTTP-METHOD collection[/{id}][:verb]" to the method.
func (s *Server) methods() map[string]*methodSpec {
	return methodTable
}

var methodTable = map[string]*methodSpec{
	"POST albums": {name: "albums.create", scopes: appendScopes, legacyScopes: legacyAddScopes,
		write: true, json: (*call).createAlbum},
	"GET albums": {name: "albums.list", scopes: readScopes, legacyScopes: legacyReadScopes,
		query: []string{"pageSize", "pageToken", "excludeNonAppCreatedData"}, json: (*call).listAlbums},
	"GET albums/{id}": {name: "albums.get", scopes: readScopes, legacyScopes: legacyReadScopes,
		json: (*call).getAlbum},
	"PATCH albums/{id}": {name: "albums.patch", scopes: []string{scopeEditAppCreated},
		write: true, query: []string{"updateMask"}, json: (*call).patchAlbum},
	"POST albums/{id}:addEnrichment": {name: "albums.addEnrichment",
		scopes: []string{scopeAppendOnly, scopeEditAppCreated}, legacyScopes: legacyAddScopes,
		write: true, json: (*call).addEnrichment},
	"POST albums/{id}:batchAddMediaItems": {name: "albums.batchAddMediaItems",
		scopes: []string{scopeAppendOnly, scopeEditAppCreated}, legacyScopes: legacyAddScopes,
		write: true, json: (*call).batchAddMediaItems},
	"POST albums/{id}:batchRemoveMediaItems": {name: "albums.batchRemoveMediaItems",
		scopes: []string{scopeEditAppCreated}, legacyScopes: []string{scopeLibrary},
		write: true, json: (*call).batchRemoveMediaItems},
	"POST albums/{id}:share": {name: "albums.share", legacyScopes: sharingScopes,
		write: true, sharing: true, json: (*call).shareAlbum},
	"POST albums/{id}:unshare": {name: "albums.unshare", legacyScopes: sharingScopes,
		write: true, sharing: true, json: (*call).unshareAlbum},
	"POST mediaItems:batchCreate": {name: "mediaItems.batchCreate", scopes: appendScopes,
		legacyScopes: legacyAddScopes, write: true, json: (*call).batchCreate, decode: decodeBatchCreate},
	"GET mediaItems:batchGet": {name: "mediaItems.batchGet", scopes: readScopes,
		legacyScopes: legacyReadScopes, query: []string{"mediaItemIds"}, json: (*call).batchGet},
	"GET mediaItems/{id}": {name: "mediaItems.get", scopes: readScopes,
		legacyScopes: legacyReadScopes, json: (*call).getMediaItem},
	"GET mediaItems": {name: "mediaItems.list", scopes: readScopes,
		legacyScopes: legacyReadScopes, query: []string{"pageSize", "pageToken"}, json: (*call).listMediaItems},
	"PATCH mediaItems/{id}": {name: "mediaItems.patch", scopes: []string{scopeEditAppCreated},
		write: true, query: []string{"updateMask"}, json: (*call).patchMediaItem},
	"POST mediaItems:search": {name: "mediaItems.search", scopes: readScopes,
		legacyScopes: legacyReadScopes, json: (*call).searchMediaItems},
	"GET sharedAlbums/{id}": {name: "sharedAlbums.get", legacyScopes: []string{scopeSharing},
		sharing: true, json: (*call).getSharedAlbum},
	"POST sharedAlbums:join": {name: "sharedAlbums.join", legacyScopes: sharingScopes,
		write: true, sharing: true, json: (*call).joinSharedAlbum},
	"POST sharedAlbums:leave": {name: "sharedAlbums.leave", legacyScopes: sharingScopes,
		write: true, sharing: true, json: (*call).leaveSharedAlbum},
	"GET sharedAlbums": {name: "sharedAlbums.list",
		legacyScopes: []string{scopeLibrary, scopeLibraryReadOnly, scopeSharing}, sharing: true,
		query: []string{"pageSize", "pageToken", "excludeNonAppCreatedData"}, json: (*call).listSharedAlbums},
	"POST uploads": {name: methodUploads, scopes: appendScopes, legacyScopes: legacyAddScopes,
		query: []string{"upload_id"}, raw: (*call).upload},
}
