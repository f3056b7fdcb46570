package sync

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	gosync "sync"
	"time"

	"github.com/photosync/photosync/internal/media"
	"github.com/photosync/photosync/photosapi/api"
	"github.com/photosync/photosync/state"
)

// createJob is a file whose bytes the server has, waiting for its item to
// be created in the serial lane.
type createJob struct {
	op       Op
	token    string
	mimeType string
	// upload is the file's pending upload record, holding token.
	upload state.Upload
	// journaled reports whether the store holds upload with its token
	// already; the journal writes the others before the lane gets them.
	journaled bool
}

// upload sends the bytes of one file, or finds them already sent, and
// returns the job for the creation lane. It returns false and no error when
// the file is not uploaded this pass; the reason is in the summary. Only a
// store failure or a cancelled context is returned as an error. files reads
// small files; nil reads them by their whole paths.
func (e *executor) upload(ctx context.Context, op Op, fresh bool, files *dirReader) (createJob, bool, error) {
	folder := e.fr.cfg.Path
	if e.sum.stopped() != "" {
		return createJob{}, false, nil
	}
	spent, reason, err := e.s.opts.Budget.exhausted(e.s.opts.Requests, e.s.opts.Now())
	if err != nil {
		return createJob{}, false, storeError(err)
	}
	if spent {
		if e.sum.stop(reason) {
			e.s.log.Warn().Str("folder", folder).Msg(reason)
		}
		return createJob{}, false, nil
	}

	if e.relink(op) {
		e.progress(op, 1)
		return createJob{}, false, nil
	}
	u, err := e.journalStart(op, fresh)
	if err != nil {
		return createJob{}, false, e.uploadFailed(ctx, op, err)
	}
	if u.Token != "" {
		e.s.log.Debug().Str("folder", folder).Str("path", op.Path).Msg("reusing upload token")
		e.progress(op, 1)
		return createJob{op: op, token: u.Token, mimeType: u.MimeType, upload: u, journaled: true}, true, nil
	}

	token, err := e.sendFrom(ctx, op, &u, files)
	if err != nil {
		return createJob{}, false, e.uploadFailed(ctx, op, err)
	}
	u.Token, u.TokenCreated, u.Stage, u.LastError = token, e.s.opts.Now(), state.StageUploaded, ""
	e.sum.add(func(s *Summary) { s.Sent++ })
	e.progress(op, 1)
	return createJob{op: op, token: token, mimeType: u.MimeType, upload: u}, true, nil
}

func (e *executor) progress(op Op, files int) {
	e.s.emit(Progress{DoneFiles: files, DoneBytes: op.Size, Folder: e.fr.cfg.Path, Path: op.Path})
}

// journalStart returns the pending upload of the file's content. A stored
// token younger than tokenMaxAge is kept for reuse, and a stored resumable
// session is kept for resuming. Otherwise the upload starts in
// StageSending, and it is written before any byte goes out when it is
// resumable or replaces a stored record. The stored records are the ones
// the executor read when it started: within a pass, only the file's own
// upload writes its content's record.
//
// A new raw upload is not written before its bytes go out: a kill during
// the upload loses the bytes with or without that record. Its token is
// journaled after the upload, together with other workers' tokens.
func (e *executor) journalStart(op Op, fresh bool) (state.Upload, error) {
	old, stored := e.pendingUpload(op.SHA256)
	u := state.Upload{SHA256: op.SHA256}
	if stored && !fresh {
		u = old
		if u.Token != "" && e.s.opts.Now().Sub(u.TokenCreated) >= tokenMaxAge {
			u.Token, u.TokenCreated, u.SessionURL = "", time.Time{}, ""
		}
	}
	if u.MimeType == "" {
		mimeType, err := e.mimeType(op.Path)
		if err != nil {
			return u, err
		}
		u.MimeType = mimeType
	}
	u.Folder, u.Path, u.FileName, u.Size = e.fr.cfg.Path, op.Path, path.Base(op.Path), op.Size
	if u.Token == "" {
		u.Stage = state.StageSending
		u.Attempts++
	}
	if stored || op.Size >= e.s.opts.ResumableThreshold {
		// The closure takes a copy, so that u stays off the heap for the
		// uploads that skip this write.
		record := u
		err := e.s.opts.Store.Batch(func(tx *state.Tx) error { return tx.PutUpload(record) })
		if err != nil {
			return u, storeError(err)
		}
	}
	return u, nil
}

// pendingUpload returns the stored pending upload of a content hash, as the
// executor read it when it started.
func (e *executor) pendingUpload(sha string) (state.Upload, bool) {
	u, ok := e.pendingUploads[sha]
	return u, ok
}

func (e *executor) mimeType(rel string) (string, error) {
	if entry, ok := e.entry(rel); ok && entry.Hashed && entry.Format.MIME != "" {
		return entry.Format.MIME, nil
	}
	f, err := media.DetectFile(e.abs(rel))
	if err != nil {
		return "", err
	}
	return f.MIME, nil
}

func (e *executor) abs(rel string) string {
	return filepath.Join(e.fr.cfg.Path, filepath.FromSlash(rel))
}

// errChanged reports a file that changed between the scan and the upload.
var errChanged = errors.New("changed during the sync")

// maxBufferedUpload is the largest file that send reads into memory before
// uploading it. Reading a small file in one call into a reused buffer takes
// fewer system calls than streaming it to the connection. Each worker holds
// at most one buffer, so the buffers take at most about Workers times this.
const maxBufferedUpload = 256 << 10

// send opens the file, checks that it is the version the scan saw, sends its
// bytes while hashing them, and returns the upload token when the bytes sent
// have the scanned SHA-256. Files up to maxBufferedUpload bytes are hashed
// before the upload instead.
func (e *executor) send(ctx context.Context, op Op, u *state.Upload) (string, error) {
	return e.sendFrom(ctx, op, u, nil)
}

// sendFrom is send with the reader of small files; nil reads them by their
// whole paths.
func (e *executor) sendFrom(ctx context.Context, op Op, u *state.Upload, files *dirReader) (string, error) {
	if op.Size < e.s.opts.ResumableThreshold && op.Size <= maxBufferedUpload {
		return e.sendBuffered(ctx, op, u, files)
	}
	f, err := os.Open(e.abs(op.Path))
	if err != nil {
		return "", err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return "", err
	}
	if info.Size() != op.Size || !info.ModTime().Equal(op.ModTime) {
		return "", fmt.Errorf("%w: size or modification time differ from the scan", errChanged)
	}

	var token, sum string
	if op.Size >= e.s.opts.ResumableThreshold {
		token, sum, err = e.sendResumable(ctx, f, u)
	} else {
		// The client sends a failed upload again only when it can read
		// the bytes again, which an io.ReaderAt allows.
		r := newAttemptHasher(f, op.Size)
		token, err = e.s.opts.Remote.UploadRaw(ctx, r, op.Size, u.FileName, u.MimeType)
		if err == nil {
			sum, err = r.sum()
		}
	}
	if err != nil {
		return "", err
	}
	if sum != op.SHA256 {
		return "", fmt.Errorf("%w: the bytes sent have SHA-256 %s, the scan saw %s", errChanged, sum, op.SHA256)
	}
	return token, nil
}

// sendBuffered reads a small file into memory, checks that it is the
// version the scan saw, and sends it from there. Because the bytes are
// hashed before the upload, a changed file costs no request, and every
// retry sends the same checked bytes. A change after the read leaves the
// upload of the scanned version intact, and the next scan detects the change.
func (e *executor) sendBuffered(ctx context.Context, op Op, u *state.Upload, files *dirReader) (string, error) {
	// One byte more than the scanned size shows a file that grew.
	buf := e.buffers.get(int(op.Size) + 1)
	defer e.buffers.put(buf, e.s.opts.Workers)
	var n int
	var meta fileMeta
	var err error
	if files != nil {
		n, meta, err = files.read(op.Path, buf)
	} else {
		n, meta, err = readSmallFile(e.abs(op.Path), buf)
	}
	if err != nil {
		return "", err
	}
	if !meta.regular {
		return "", fmt.Errorf("%w: no longer a regular file", errChanged)
	}
	if meta.size != op.Size || int64(n) != op.Size || !meta.modTime.Equal(op.ModTime) {
		return "", fmt.Errorf("%w: size or modification time differ from the scan", errChanged)
	}
	data := buf[:n]
	digest := sha256.Sum256(data)
	var text [2 * sha256.Size]byte
	hex.Encode(text[:], digest[:])
	if string(text[:]) != op.SHA256 {
		// The conversion copies text, which keeps text off the heap.
		return "", fmt.Errorf("%w: the file's bytes have SHA-256 %s, the scan saw %s", errChanged, string(text[:]), op.SHA256)
	}
	// Remote.UploadRaw stops reading the body before it returns, so the
	// buffer can go back to the pool then.
	return e.s.opts.Remote.UploadRaw(ctx, bytes.NewReader(data), op.Size, u.FileName, u.MimeType)
}

// fileMeta is the metadata of an open file.
type fileMeta struct {
	size    int64
	modTime time.Time
	regular bool
}

// readFull reads a file with read into buf until buf is full or the file
// ends, and returns the number of bytes read. size is the file's size as
// fstat returned it. A regular file returns fewer bytes than asked only at
// its end, so a short read that reaches size ends the loop without the
// read that would return the end.
func readFull(buf []byte, size int64, read func([]byte) (int, error)) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := read(buf[n:])
		short := m < len(buf)-n
		n += max(m, 0)
		switch {
		case err == io.EOF || (err == nil && m <= 0):
			return n, nil
		case err != nil:
			return n, err
		case short && int64(n) >= size:
			return n, nil
		}
	}
	return n, nil
}

// bufferPool keeps the read buffers of buffered uploads for reuse. It keeps
// at most as many as the caller of put allows, so that its memory stays flat
// however many files a pass sends.
type bufferPool struct {
	mu   gosync.Mutex
	free [][]byte
}

// bufferGranule rounds buffer capacities, so that files of similar sizes
// share buffers.
const bufferGranule = 64 << 10

// get returns a buffer of n bytes.
func (p *bufferPool) get(n int) []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, b := range p.free {
		if cap(b) >= n {
			last := len(p.free) - 1
			p.free[i] = p.free[last]
			p.free[last] = nil
			p.free = p.free[:last]
			return b[:n]
		}
	}
	return make([]byte, n, (n+bufferGranule-1)/bufferGranule*bufferGranule)
}

// put returns a buffer from get to the pool, which keeps at most max. A
// smaller buffer makes room for a larger one.
func (p *bufferPool) put(b []byte, max int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.free) < max {
		p.free = append(p.free, b)
		return
	}
	for i, old := range p.free {
		if cap(old) < cap(b) {
			p.free[i] = b
			return
		}
	}
}

// sendResumable sends a large file through a resumable session. The session
// URL is stored before the first byte, so a restart resumes the session
// where the server stopped instead of sending everything again.
func (e *executor) sendResumable(ctx context.Context, f *os.File, u *state.Upload) (token, sum string, err error) {
	if u.SessionURL != "" {
		r := newHashingReaderAt(f, u.Size)
		token, err = e.s.opts.Remote.ResumeUpload(ctx, u.SessionURL, r, u.Size)
		if err == nil {
			sum, err = r.sum()
			return token, sum, err
		}
		// A transient failure keeps the session for the next pass, which
		// resumes it again. Anything else means the session is gone or
		// unusable (expired, cancelled, final without a token).
		if ctx.Err() != nil || classify(err) == classFatal || api.IsRetryable(err) {
			return "", "", err
		}
		e.s.log.Info().Err(err).Str("folder", u.Folder).Str("path", u.Path).
			Msg("stored upload session unusable; starting a new one")
	}
	url, err := e.s.opts.Remote.StartResumable(ctx, u.Size, u.FileName, u.MimeType)
	if err != nil {
		return "", "", err
	}
	u.SessionURL, u.SessionStarted = url, e.s.opts.Now()
	// The closure takes a copy, so that the caller's upload record, which
	// u points to, stays off the heap.
	record := *u
	err = e.s.opts.Store.Update(func(tx *state.Tx) error { return tx.PutUpload(record) })
	if err != nil {
		return "", "", storeError(err)
	}
	r := newHashingReaderAt(f, u.Size)
	token, err = e.s.opts.Remote.ResumeUpload(ctx, url, r, u.Size)
	if err != nil {
		return "", "", err
	}
	sum, err = r.sum()
	return token, sum, err
}

// uploadFailed records why a file's bytes did not go up and returns an error
// only when the pass must stop.
func (e *executor) uploadFailed(ctx context.Context, op Op, err error) error {
	folder := e.fr.cfg.Path
	var fatal *FatalError
	switch {
	case errors.As(err, &fatal):
		return err
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.Is(err, fs.ErrNotExist):
		e.sum.skip(folder, op.Path, "vanished during the sync")
		e.s.log.Info().Str("folder", folder).Str("path", op.Path).Msg("file vanished before upload")
		return e.dropUpload(op.SHA256)
	case errors.Is(err, errChanged):
		e.sum.skip(folder, op.Path, reasonChanged)
		e.s.log.Info().Err(err).Str("folder", folder).Str("path", op.Path).Msg("file changed during upload")
		return e.dropUpload(op.SHA256)
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		e.sum.pending(folder, op.Path, fmt.Sprintf("read: %v", err))
		e.s.log.Warn().Err(err).Str("folder", folder).Str("path", op.Path).Msg("read file for upload")
		return nil
	}
	e.noteAttempt(op.SHA256, err)
	e.handleError(err, []string{op.Path}, "upload")
	return nil
}

// dropUpload deletes the pending upload of a content whose bytes no longer
// match, so the next pass starts it over.
func (e *executor) dropUpload(sha string) error {
	return storeError(e.s.opts.Store.Update(func(tx *state.Tx) error {
		return tx.DeleteUpload(sha)
	}))
}

func (e *executor) noteAttempt(sha string, cause error) {
	err := e.s.opts.Store.Update(func(tx *state.Tx) error {
		u, ok, err := tx.GetUpload(sha)
		if err != nil || !ok {
			return err
		}
		u.LastError = cause.Error()
		return tx.PutUpload(u)
	})
	if err != nil {
		e.s.log.Error().Err(err).Str("folder", e.fr.cfg.Path).Msg("record upload error")
	}
}

// hashingReaderAt hashes the bytes of a file in order as an upload reads
// them. Reads may start past the hashed prefix when a session resumes at
// the server's offset. The skipped range is then read from the file into
// the hash, because the server got those bytes from an earlier attempt.
// Re-reads of a hashed range, as happen when a chunk is retried, add
// nothing.
type hashingReaderAt struct {
	r    io.ReaderAt
	size int64

	mu      gosync.Mutex
	h       hash.Hash
	covered int64
	err     error
}

func newHashingReaderAt(r io.ReaderAt, size int64) *hashingReaderAt {
	return &hashingReaderAt{r: r, size: size, h: sha256.New()}
}

// ReadAt reads from the file and adds the new bytes to the hash.
func (r *hashingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := r.r.ReadAt(p, off)
	r.mu.Lock()
	defer r.mu.Unlock()
	if off > r.covered {
		r.fillLocked(off)
	}
	if end := off + int64(n); end > r.covered && off <= r.covered {
		r.h.Write(p[r.covered-off : n])
		r.covered = end
	}
	return n, err
}

// fillLocked hashes the file from the hashed prefix up to off.
func (r *hashingReaderAt) fillLocked(off int64) {
	if r.err != nil {
		return
	}
	n, err := io.Copy(r.h, io.NewSectionReader(r.r, r.covered, off-r.covered))
	r.covered += n
	if err == nil && r.covered < off {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		r.err = fmt.Errorf("hash file prefix: %w", err)
	}
}

// sum hashes whatever the upload did not read and returns the hex SHA-256
// of the whole file.
func (r *hashingReaderAt) sum() (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.covered < r.size {
		r.fillLocked(r.size)
	}
	if r.err != nil {
		return "", r.err
	}
	return hex.EncodeToString(r.h.Sum(nil)), nil
}

// attemptHasher gives an upload a re-readable view of a file and hashes
// the bytes of the last attempt. Each attempt reads the file in order from
// offset 0, so a read at offset 0 starts the hash over. A read at any other
// offset than the end of the hashed bytes breaks the sequence, and sum then
// returns an error, so a token is never stored for bytes that were not
// hashed.
type attemptHasher struct {
	*io.SectionReader

	mu     gosync.Mutex
	h      hash.Hash
	next   int64
	broken bool
}

func newAttemptHasher(r io.ReaderAt, size int64) *attemptHasher {
	return &attemptHasher{SectionReader: io.NewSectionReader(r, 0, size), h: sha256.New()}
}

// ReadAt reads from the file and adds the bytes to the current attempt's
// hash.
func (r *attemptHasher) ReadAt(p []byte, off int64) (int, error) {
	n, err := r.SectionReader.ReadAt(p, off)
	r.mu.Lock()
	defer r.mu.Unlock()
	switch off {
	case 0:
		r.h.Reset()
		r.next, r.broken = 0, false
	case r.next:
	default:
		r.broken = true
	}
	r.h.Write(p[:n])
	r.next = off + int64(n)
	return n, err
}

// Read reads from the file as ReadAt does, so a caller that ignores
// io.ReaderAt still gets its bytes hashed.
func (r *attemptHasher) Read(p []byte) (int, error) {
	off, err := r.Seek(0, io.SeekCurrent)
	if err != nil {
		return 0, err
	}
	n, err := r.ReadAt(p, off)
	if _, serr := r.Seek(off+int64(n), io.SeekStart); serr != nil && err == nil {
		err = serr
	}
	if err == io.EOF && n > 0 {
		err = nil
	}
	return n, err
}

// sum returns the hex SHA-256 of the last attempt's bytes, or an error
// when that attempt did not read the whole file in order.
func (r *attemptHasher) sum() (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.broken || r.next != r.SectionReader.Size() {
		return "", fmt.Errorf("%w: the last upload attempt did not read the file's %d bytes in order",
			errChanged, r.SectionReader.Size())
	}
	return hex.EncodeToString(r.h.Sum(nil)), nil
}
