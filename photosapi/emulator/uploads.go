package emulator

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/photosync/photosync/internal/media"
)

// uploadTokenLifetime is how long an upload token can be used in
// batchCreate: one day, as Google documents.
const uploadTokenLifetime = 24 * time.Hour

// sessionLifetime is how long a resumable session URL works. Google does
// not document it for Photos. Its Street View Publish API uses the same
// protocol and documents seven days, so the emulator does the same.
const sessionLifetime = 7 * 24 * time.Hour

// maxUploadSize is the largest upload the emulator accepts: Google's video
// limit.
// NOTE: the emulator holds a whole upload or chunk in memory, so it is
// meant for test-sized files.
const maxUploadSize = media.MaxVideoSize

// upload serves POST /v1/uploads: raw uploads, and the start, upload,
// finalize, query and cancel commands of resumable ones.
func (c *call) upload() {
	id := c.r.URL.Query().Get("upload_id")
	protocol := strings.ToLower(c.r.Header.Get("X-Goog-Upload-Protocol"))
	cmds := parseCommands(c.r.Header.Get("X-Goog-Upload-Command"))
	carriesBytes := (id == "" && protocol == "raw") || (id != "" && (cmds["upload"] || cmds["finalize"]))
	if c.dropAfter > 0 && !carriesBytes {
		// Commands without bytes (start, query, cancel) are dropped after
		// reading what body they have, before anything changes.
		c.readBody()
		abortConnection()
	}

	if id != "" {
		c.resumableCommand(id, cmds)
		return
	}
	switch protocol {
	case "raw":
		c.rawUpload()
	case "resumable":
		c.startResumable()
	default:
		writeAPIError(c.w, invalidArgument(fmt.Sprintf("Invalid X-Goog-Upload-Protocol %q: use raw or resumable.", protocol)))
	}
}

// readBody reads the request body, or the first c.dropAfter bytes of it
// when a fault requests a dropped connection. It returns the bytes and
// whether the connection must now be dropped.
func (c *call) readBody() ([]byte, bool, *apiError) {
	limit := int64(maxUploadSize)
	if c.dropAfter > 0 {
		limit = c.dropAfter
	}
	data, err := readAll(io.LimitReader(c.r.Body, limit+1), min(c.r.ContentLength, limit, maxBodyPrealloc))
	c.s.counters.addUploadBytes(int64(min(int64(len(data)), limit)))
	if c.dropAfter > 0 {
		return data[:min(int64(len(data)), limit)], true, nil
	}
	if err != nil {
		return nil, false, invalidArgument("Could not read the upload body: " + err.Error())
	}
	if int64(len(data)) > limit {
		return nil, false, invalidArgument(fmt.Sprintf("The upload is larger than %d bytes.", limit))
	}
	return data, false, nil
}

// maxBodyPrealloc caps the buffer readAll allocates on the strength of a
// request's Content-Length, so that a client announcing a huge body it
// never sends does not make the emulator allocate it.
const maxBodyPrealloc = 16 << 20

// readAll reads r to its end, as io.ReadAll does, into a buffer that first
// holds size bytes and one more, so that a body of the announced size needs
// no growing and no final copy. A negative size, an unknown Content-Length,
// leaves the reading to io.ReadAll.
func readAll(r io.Reader, size int64) ([]byte, error) {
	if size < 0 {
		return io.ReadAll(r)
	}
	b := make([]byte, 0, size+1)
	for {
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			return b, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
	}
}

func (c *call) rawUpload() {
	data, drop, e := c.readBody()
	if drop {
		abortConnection()
	}
	if e != nil {
		writeAPIError(c.w, e)
		return
	}
	token, err := c.s.finishUpload(data, c.clientID, uploadFileName(c.r))
	if err != nil {
		writeAPIError(c.w, c.storageFailure(err))
		return
	}
	writeUploadToken(c.w, token)
}

// uploadFileName returns X-Goog-Upload-File-Name as sent, as UTF-8 bytes.
// Names are not percent-decoded, because Google does not document an
// encoding and a literal "%20" in a file name must survive.
func uploadFileName(r *http.Request) string {
	return r.Header.Get("X-Goog-Upload-File-Name")
}

func writeUploadToken(w http.ResponseWriter, token string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Goog-Upload-Status", sessionFinal)
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, token)
}

// finishUpload stores complete upload bytes and issues an upload token.
func (s *Server) finishUpload(data []byte, clientID, fileName string) (string, error) {
	sum := sha256.Sum256(data)
	digest := hex.EncodeToString(sum[:])
	info, supported := probeMedia(data)
	if err := s.blobs.put(digest, data); err != nil {
		return "", err
	}
	token := newSecret("CAIS", 96)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.mark(bucketUploadTokens, token)
	s.st.UploadTokens[token] = &uploadToken{
		Info:      info,
		Supported: supported,
		SHA256:    digest,
		Size:      int64(len(data)),
		FileName:  fileName,
		ClientID:  clientID,
		Created:   s.nowLocked(),
	}
	if len(s.st.UploadTokens)%pruneEvery == 0 {
		s.pruneUploadTokensLocked()
	}
	s.saveOrLogLocked()
	return token, nil
}

// pruneEvery is how many new upload tokens pass between two prunes. A prune
// walks every token, so pruning on each upload made a day of n uploads cost
// O(n²): a profile of 10,000 uploads showed 5 s of CPU in it. The count
// passes every multiple of pruneEvery, so at most pruneEvery-1 dead tokens
// wait.
const pruneEvery = 1024

// pruneUploadTokensLocked deletes tokens a week past their expiry. Until
// then batchCreate can tell an expired token from an unknown one.
func (s *Server) pruneUploadTokensLocked() {
	const keepExpired = 7 * 24 * time.Hour
	now := s.nowLocked()
	for token, ut := range s.st.UploadTokens {
		if now.Sub(ut.Created) > uploadTokenLifetime+keepExpired {
			delete(s.st.UploadTokens, token)
			s.st.mark(bucketUploadTokens, token)
		}
	}
}

func (c *call) startResumable() {
	if cmd := c.r.Header.Get("X-Goog-Upload-Command"); strings.TrimSpace(strings.ToLower(cmd)) != "start" {
		writeAPIError(c.w, invalidArgument(fmt.Sprintf("Invalid X-Goog-Upload-Command %q: a resumable upload begins with start.", cmd)))
		return
	}
	rawSize := int64(-1)
	if v := c.r.Header.Get("X-Goog-Upload-Raw-Size"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 || n > maxUploadSize {
			writeAPIError(c.w, invalidArgument(fmt.Sprintf("Invalid X-Goog-Upload-Raw-Size %q: use the file size in bytes, at most %d.", v, maxUploadSize)))
			return
		}
		rawSize = n
	}
	io.Copy(io.Discard, io.LimitReader(c.r.Body, maxJSONBody))

	sess := &uploadSession{
		ID:       newSecret("", 48),
		ClientID: c.clientID,
		FileName: uploadFileName(c.r),
		RawSize:  rawSize,
		Status:   sessionActive,
		Created:  c.now,
	}
	if err := c.s.blobs.put(sessionBlob(sess.ID), nil); err != nil {
		writeAPIError(c.w, c.storageFailure(err))
		return
	}
	c.s.mu.Lock()
	// Sessions are pruned as rarely as upload tokens, for the same reason.
	if len(c.s.st.Sessions)%pruneEvery == 0 {
		c.s.pruneSessionsLocked()
	}
	c.s.st.Sessions[sess.ID] = sess
	c.s.st.mark(bucketSessions, sess.ID)
	c.s.saveOrLogLocked()
	c.s.mu.Unlock()

	sessionURL := requestBase(c.r) + "/v1/uploads?upload_id=" + sess.ID + "&upload_protocol=resumable"
	h := c.w.Header()
	h.Set("X-Goog-Upload-URL", sessionURL)
	h.Set("X-Goog-Upload-Chunk-Granularity", strconv.FormatInt(c.s.opts.ChunkGranularity, 10))
	h.Set("X-Goog-Upload-Status", sessionActive)
	c.w.WriteHeader(http.StatusOK)
}

func sessionBlob(id string) string { return "session-" + id }

// pruneSessionsLocked deletes sessions older than sessionLifetime with
// their bytes.
func (s *Server) pruneSessionsLocked() {
	now := s.nowLocked()
	for id, sess := range s.st.Sessions {
		if now.Sub(sess.Created) >= sessionLifetime {
			delete(s.st.Sessions, id)
			s.st.mark(bucketSessions, id)
			s.blobs.remove(sessionBlob(id))
		}
	}
}

// requestBase returns scheme://host of the request, so that URLs the
// emulator hands out lead back to the listener the client used.
func requestBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// parseCommands splits X-Goog-Upload-Command ("upload, finalize") into a
// set.
func parseCommands(header string) map[string]bool {
	cmds := map[string]bool{}
	for _, part := range strings.Split(header, ",") {
		if p := strings.TrimSpace(strings.ToLower(part)); p != "" {
			cmds[p] = true
		}
	}
	return cmds
}

func (c *call) resumableCommand(id string, cmds map[string]bool) {
	c.s.mu.Lock()
	sess, ok := c.s.st.Sessions[id]
	var snapshot uploadSession
	if ok {
		snapshot = *sess
	}
	c.s.mu.Unlock()
	if !ok || snapshot.ClientID != c.clientID || c.now.Sub(snapshot.Created) >= sessionLifetime {
		writeAPIError(c.w, unknownSession(id))
		return
	}
	switch {
	case cmds["query"]:
		c.writeSessionStatus(&snapshot)
	case cmds["cancel"]:
		c.cancelSession(id)
	case cmds["upload"] || cmds["finalize"]:
		c.uploadChunk(id, cmds["finalize"])
	default:
		writeAPIError(c.w, invalidArgument(fmt.Sprintf("Invalid X-Goog-Upload-Command %q: use upload, \"upload, finalize\", finalize, query or cancel.", c.r.Header.Get("X-Goog-Upload-Command"))))
	}
}

// writeSessionStatus responds to a query. A finished session returns its
// upload token again, so that a client that lost the final response still
// gets it.
func (c *call) writeSessionStatus(sess *uploadSession) {
	h := c.w.Header()
	h.Set("X-Goog-Upload-Status", sess.Status)
	h.Set("X-Goog-Upload-Size-Received", strconv.FormatInt(sess.Received, 10))
	if sess.Status == sessionActive {
		h.Set("X-Goog-Upload-Chunk-Granularity", strconv.FormatInt(c.s.opts.ChunkGranularity, 10))
	}
	if sess.Status == sessionFinal {
		writeUploadToken(c.w, sess.Token)
		return
	}
	c.w.WriteHeader(http.StatusOK)
}

func (c *call) cancelSession(id string) {
	unlockSession := c.s.lockSession(id)
	defer unlockSession()
	c.s.mu.Lock()
	sess, ok := c.s.st.Sessions[id]
	if !ok {
		c.s.mu.Unlock()
		writeAPIError(c.w, unknownSession(id))
		return
	}
	if sess.Status == sessionActive {
		sess.Status = sessionCancelled
		c.s.st.mark(bucketSessions, id)
		c.s.blobs.remove(sessionBlob(id))
	}
	snapshot := *sess
	c.s.saveOrLogLocked()
	c.s.mu.Unlock()
	c.writeSessionStatus(&snapshot)
}

// rejectChunk responds to a chunk the session cannot take, with the session's
// state so that the client can resume.
func (c *call) rejectChunk(sess *uploadSession, e *apiError) {
	c.w.Header().Set("X-Goog-Upload-Status", sess.Status)
	c.w.Header().Set("X-Goog-Upload-Size-Received", strconv.FormatInt(sess.Received, 10))
	writeAPIError(c.w, e)
}

func (c *call) uploadChunk(id string, finalize bool) {
	offsetHeader := c.r.Header.Get("X-Goog-Upload-Offset")
	offset, offsetErr := strconv.ParseInt(offsetHeader, 10, 64)
	data, drop, readErr := c.readBody()
	if drop {
		// A dropped chunk keeps the whole granules that arrived, as a
		// resumable server does, so that the client must query and resume.
		g := c.s.opts.ChunkGranularity
		data = data[:int64(len(data))/g*g]
		finalize = false
	}

	// The session lock orders this chunk against other commands on the
	// session, so s.mu need not be held while the bytes are written.
	unlockSession := c.s.lockSession(id)
	defer unlockSession()

	c.s.mu.Lock()
	sess, ok := c.s.st.Sessions[id]
	if !ok {
		// A new session start pruned it while the chunk was arriving.
		c.s.mu.Unlock()
		writeAPIError(c.w, unknownSession(id))
		return
	}
	snapshot := *sess
	e := c.checkChunkLocked(sess, offsetHeader, offset, offsetErr, int64(len(data)), finalize)
	if e == nil && readErr != nil {
		e = readErr
	}
	c.s.mu.Unlock()
	if e != nil {
		if drop {
			abortConnection()
		}
		c.rejectChunk(&snapshot, e)
		return
	}

	if err := c.s.blobs.writeAt(sessionBlob(id), snapshot.Received, data); err != nil {
		c.rejectChunk(&snapshot, c.storageFailure(err))
		return
	}

	c.s.mu.Lock()
	sess, ok = c.s.st.Sessions[id]
	if !ok {
		c.s.mu.Unlock()
		writeAPIError(c.w, unknownSession(id))
		return
	}
	sess.Received += int64(len(data))
	c.s.st.mark(bucketSessions, id)
	c.s.saveOrLogLocked()
	snapshot = *sess
	c.s.mu.Unlock()
	if drop {
		abortConnection()
	}
	if !finalize {
		c.writeSessionStatus(&snapshot)
		return
	}
	c.finalizeSession(id)
}

// lockSession locks the resumable session id against other chunks,
// finalizes and cancels, and returns the function that unlocks it.
// NOTE: the mutexes are never freed, so a long run keeps one per session
// ever started, a few bytes each.
func (s *Server) lockSession(id string) func() {
	v, _ := s.sessionLocks.LoadOrStore(id, &sync.Mutex{})
	m := v.(*sync.Mutex)
	m.Lock()
	return m.Unlock
}

// checkChunkLocked validates a chunk against the session: state, offset,
// granularity and the announced total size.
func (c *call) checkChunkLocked(sess *uploadSession, offsetHeader string, offset int64, offsetErr error, n int64, finalize bool) *apiError {
	switch {
	case sess.Status != sessionActive:
		return invalidArgument(fmt.Sprintf("The upload session is %s and takes no more bytes.", sess.Status))
	case offsetErr != nil:
		return invalidArgument(fmt.Sprintf("Invalid X-Goog-Upload-Offset %q: send the number of bytes already received.", offsetHeader))
	case offset != sess.Received:
		return invalidArgument(fmt.Sprintf("X-Goog-Upload-Offset %d does not match the %d bytes received: query the session and resume from X-Goog-Upload-Size-Received.", offset, sess.Received))
	case !finalize && n%c.s.opts.ChunkGranularity != 0:
		return invalidArgument(fmt.Sprintf("The chunk of %d bytes is not a multiple of the upload chunk granularity %d.", n, c.s.opts.ChunkGranularity))
	case sess.RawSize >= 0 && sess.Received+n > sess.RawSize:
		return invalidArgument(fmt.Sprintf("The upload would be %d bytes, more than the X-Goog-Upload-Raw-Size %d.", sess.Received+n, sess.RawSize))
	case finalize && sess.RawSize >= 0 && sess.Received+n != sess.RawSize:
		return invalidArgument(fmt.Sprintf("The upload was finalized at %d bytes but X-Goog-Upload-Raw-Size is %d.", sess.Received+n, sess.RawSize))
	}
	return nil
}

func (c *call) finalizeSession(id string) {
	data, err := c.s.blobs.get(sessionBlob(id))
	if err != nil {
		writeAPIError(c.w, c.storageFailure(err))
		return
	}
	c.s.mu.Lock()
	fileName := snapshotFileName(c.s.st.Sessions[id])
	c.s.mu.Unlock()
	token, err := c.s.finishUpload(data, c.clientID, fileName)
	if err != nil {
		writeAPIError(c.w, c.storageFailure(err))
		return
	}
	c.s.mu.Lock()
	sess, ok := c.s.st.Sessions[id]
	if !ok {
		c.s.mu.Unlock()
		writeAPIError(c.w, unknownSession(id))
		return
	}
	sess.Status = sessionFinal
	sess.Token = token
	c.s.st.mark(bucketSessions, id)
	c.s.blobs.remove(sessionBlob(id))
	c.s.saveOrLogLocked()
	c.s.mu.Unlock()
	writeUploadToken(c.w, token)
}

// snapshotFileName returns the session's file name, or "" when the session
// is gone.
func snapshotFileName(sess *uploadSession) string {
	if sess == nil {
		return ""
	}
	return sess.FileName
}

// storageFailure logs a failure of the blob store or the state database
// and returns the error Google sends for internal failures.
func (c *call) storageFailure(err error) *apiError {
	c.s.log.Error().Err(err).Str("method", c.method).Msg("Cannot store upload bytes")
	return internalError("Internal error encountered.")
}

// unknownSession is the error for a session id the emulator does not have,
// never had, or has pruned.
func unknownSession(id string) *apiError {
	return notFound(fmt.Sprintf("No upload session %q: start a new resumable upload.", id))
}
