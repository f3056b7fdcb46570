package photosapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/photosync/photosync/photosapi/api"
)

// Resumable session states as the server reports them in
// X-Goog-Upload-Status.
const (
	UploadActive    = "active"
	UploadFinal     = "final"
	UploadCancelled = "cancelled"
)

// defaultGranularity is used when the server does not state a chunk
// granularity, as after ResumeUpload before the first query. Google's
// upload servers use 256 KiB, and every chunk size that is a multiple of
// the true granularity stays valid.
const defaultGranularity = 256 << 10

// ErrUploadCancelled is returned when a resumable session was cancelled,
// by Cancel or by the server. Start a new session.
var ErrUploadCancelled = errors.New("upload session cancelled")

// ResumableUpload is a resumable upload session. Persist URL and Size as
// soon as StartResumable returns them: with ResumeUpload they let a later
// process continue the upload without sending the received bytes again.
// A ResumableUpload is not safe for concurrent use.
type ResumableUpload struct {
	// URL is the session URL. It carries the session's identity, so keep
	// it as private as an access token.
	URL string
	// Size is the total number of bytes of the file.
	Size int64
	// Granularity is the server's chunk granularity in bytes: every chunk
	// except the last is a multiple of it.
	Granularity int64

	client *Client
	// offset is the number of bytes the server is known to hold, or -1
	// when unknown and a query must come first.
	offset int64
}

// UploadState is the server's view of a resumable session.
type UploadState struct {
	// Status is UploadActive, UploadFinal or UploadCancelled.
	Status string
	// Received is the number of bytes the server holds.
	Received int64
	// Token is the upload token once Status is UploadFinal, when the
	// server repeats it.
	Token string
}

// StartResumable opens a resumable upload session for a file of size
// bytes and returns it before any file byte is sent, so the caller can
// record URL first. Then call Upload.
func (c *Client) StartResumable(ctx context.Context, size int64, fileName, mimeType string) (*ResumableUpload, error) {
	const method = api.MethodUploads
	if err := checkUpload(method, size, fileName); err != nil {
		return nil, err
	}
	var u *ResumableUpload
	send := func(ctx context.Context) (*http.Response, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.uploadURL, http.NoBody)
		if err != nil {
			return nil, err
		}
		req.Header.Set(headerCommand, "start")
		req.Header.Set(headerProtocol, "resumable")
		req.Header.Set(headerRawSize, strconv.FormatInt(size, 10))
		setFileHeaders(req.Header, fileName, mimeType)
		return c.send(req)
	}
	handle := func(resp *http.Response) (int64, error) {
		n, _ := io.Copy(io.Discard, io.LimitReader(resp.Body, maxUploadTokenBody))
		if status := resp.Header.Get(headerStatus); status != "" && status != UploadActive {
			return n, fmt.Errorf("start session: server returned status %q, want %q", status, UploadActive)
		}
		raw := resp.Header.Get(headerURL)
		if raw == "" {
			return n, fmt.Errorf("start session: response has no %s header", headerURL)
		}
		sessionURL, err := c.sessionURL(raw)
		if err != nil {
			return n, err
		}
		u = &ResumableUpload{URL: sessionURL, Size: size, Granularity: defaultGranularity, client: c}
		if g, err := strconv.ParseInt(resp.Header.Get(headerGranularity), 10, 64); err == nil && g > 0 {
			u.Granularity = g
		}
		return n, nil
	}
	// Starting twice only leaves an unused session behind, so the start
	// request retries like a read.
	r := &request{method: method, kind: idempotent, timeout: c.opts.RequestTimeout, send: send, handle: handle}
	if err := c.retry(ctx, r); err != nil {
		return nil, fmt.Errorf("start upload of %s: %w", fileName, err)
	}
	return u, nil
}

// ResumeUpload returns the session at sessionURL, saved from an earlier
// StartResumable for a file of size bytes. Upload first queries the server
// for the number of bytes it received. When the server has no record of the
// session, Upload and Query fail with an error for which api.IsPermanent
// reports true: start a new session.
func (c *Client) ResumeUpload(sessionURL string, size int64) (*ResumableUpload, error) {
	if size <= 0 {
		return nil, fmt.Errorf("resume upload: %w: size %d; give the file size saved with the session", api.ErrInvalidRequest, size)
	}
	resolved, err := c.sessionURL(sessionURL)
	if err != nil {
		return nil, err
	}
	return &ResumableUpload{URL: resolved, Size: size, Granularity: defaultGranularity, client: c, offset: -1}, nil
}

// sessionURL resolves a session URL against the upload endpoint and
// checks that it points to the same host, so the access token never goes
// to another server.
func (c *Client) sessionURL(raw string) (string, error) {
	base, _ := url.Parse(c.uploadURL)
	u, err := base.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("upload session URL %q: %w", clipText(raw), err)
	}
	if u.Scheme != base.Scheme || u.Host != base.Host {
		return "", fmt.Errorf("upload session URL %q: %w: host %q differs from the upload endpoint's %q",
			clipText(raw), api.ErrInvalidRequest, u.Host, base.Host)
	}
	return u.String(), nil
}

// chunkSize is the client's chunk size rounded down to the granularity.
func (u *ResumableUpload) chunkSize() int64 {
	g := max(u.Granularity, 1)
	return max(u.client.opts.ChunkSize/g, 1) * g
}

// Upload sends the file's bytes from src in chunks and returns the upload
// token once the server holds all Size bytes. When a chunk request is
// interrupted or fails with a retryable error, Upload queries the server
// for the number of bytes it received and continues from there, up to MaxRetries times
// in a row. src must return the same bytes on every read.
func (u *ResumableUpload) Upload(ctx context.Context, src io.ReaderAt) (string, error) {
	c := u.client
	failures := 0
	reauthorized := false
	for {
		if u.offset < 0 {
			state, err := u.Query(ctx)
			if err != nil {
				return "", err
			}
			switch state.Status {
			case UploadFinal:
				if state.Token == "" {
					return "", fmt.Errorf("upload: session is final but the server sent no token; upload the file again")
				}
				return state.Token, nil
			case UploadCancelled:
				return "", fmt.Errorf("upload: %w", ErrUploadCancelled)
			}
			if state.Received < 0 || state.Received > u.Size {
				return "", fmt.Errorf("upload: server reports %d of %d bytes received, "+
					"so the session does not belong to this file; start a new session", state.Received, u.Size)
			}
			u.offset = state.Received
		}

		token, err := u.sendChunk(ctx, src)
		if err == nil && token != "" {
			return token, nil
		}
		if err == nil {
			failures = 0
			continue
		}

		// The server may hold part of the failed chunk, or all of it, so
		// the next attempt, here or in a later Upload call, queries first.
		u.offset = -1
		if ctx.Err() != nil {
			return "", fmt.Errorf("upload: %w", ctx.Err())
		}
		var e *api.Error
		if errors.As(err, &e) && e.HTTPStatus == http.StatusUnauthorized && !reauthorized && c.canReauthorize() {
			reauthorized = true
			c.invalidateToken()
			continue
		}
		if errors.Is(err, errOffsetMismatch) && failures < c.opts.MaxRetries {
			// Another process or an earlier call advanced the session.
			// Querying costs one request and needs no wait.
			failures++
			continue
		}
		if failures >= c.opts.MaxRetries || !api.IsRetryable(err) {
			return "", fmt.Errorf("upload: %w", err)
		}
		wait, ok := c.backoff(failures, err)
		if !ok {
			return "", fmt.Errorf("upload: %w", err)
		}
		failures++
		c.log.Warn().Err(err).Int64("offset", u.offset).Dur("wait", wait).Msg("upload chunk failed, will query and resume")
		if err := c.opts.Sleep(ctx, wait); err != nil {
			return "", fmt.Errorf("upload: wait to resume: %w", err)
		}
	}
}

// errOffsetMismatch marks a chunk the server rejected because it holds a
// different number of bytes than the chunk's offset.
var errOffsetMismatch = errors.New("server holds a different number of bytes than the chunk offset")

// sendChunk sends the next chunk at u.offset and advances the offset. It
// returns the token after the last chunk and "" before.
func (u *ResumableUpload) sendChunk(ctx context.Context, src io.ReaderAt) (string, error) {
	c := u.client
	length := min(u.Size-u.offset, u.chunkSize())
	last := u.offset+length == u.Size
	command := "upload"
	if last {
		command = "upload, finalize"
	}
	offset := u.offset

	var token string
	send := func(ctx context.Context) (*http.Response, error) {
		body := io.NewSectionReader(src, offset, length)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.URL, body)
		if err != nil {
			return nil, err
		}
		req.ContentLength = length
		if length == 0 {
			req.Body = http.NoBody
		}
		req.Header.Set("Content-Type", "application/octet-stream")
		req.Header.Set(headerProtocol, "resumable")
		req.Header.Set(headerCommand, command)
		req.Header.Set(headerOffset, strconv.FormatInt(offset, 10))
		return c.send(req)
	}
	handle := func(resp *http.Response) (int64, error) {
		if !last {
			n, _ := io.Copy(io.Discard, io.LimitReader(resp.Body, maxUploadTokenBody))
			return n, nil
		}
		var n int64
		var err error
		token, n, err = readToken(resp)
		return n, err
	}
	received := ""
	inspect := func(resp *http.Response) { received = resp.Header.Get(headerReceived) }
	r := &request{method: api.MethodUploads, timeout: c.opts.TransferTimeout, size: length,
		send: send, handle: handle, inspect: inspect}
	if _, err := c.attempt(ctx, r, 1); err != nil {
		var e *api.Error
		if errors.As(err, &e) && e.HTTPStatus == http.StatusBadRequest && received != "" &&
			received != strconv.FormatInt(offset, 10) {
			return "", fmt.Errorf("%w: %w", errOffsetMismatch, err)
		}
		return "", err
	}
	u.offset += length
	return token, nil
}

// Query requests the session's state and updates the offset
// Upload continues from.
func (u *ResumableUpload) Query(ctx context.Context) (UploadState, error) {
	var state UploadState
	handle := func(resp *http.Response) (int64, error) {
		state.Status = resp.Header.Get(headerStatus)
		if g, err := strconv.ParseInt(resp.Header.Get(headerGranularity), 10, 64); err == nil && g > 0 {
			u.Granularity = g
		}
		var n int64
		if state.Status == UploadFinal {
			token, read, _ := readToken(resp)
			state.Token, n = token, read
		} else {
			n, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxUploadTokenBody))
		}
		switch state.Status {
		case UploadActive, UploadFinal, UploadCancelled, "canceled":
		default:
			return n, fmt.Errorf("query response has status %q, want %q, %q or %q", state.Status, UploadActive, UploadFinal, UploadCancelled)
		}
		if state.Status == "canceled" {
			state.Status = UploadCancelled
		}
		raw := resp.Header.Get(headerReceived)
		if state.Status == UploadActive || raw != "" {
			received, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 64)
			if err != nil {
				return n, fmt.Errorf("query response has %s %q, want a byte count", headerReceived, clipText(raw))
			}
			state.Received = received
		}
		return n, nil
	}
	if err := u.command(ctx, "query", handle); err != nil {
		return UploadState{}, fmt.Errorf("query upload session: %w", err)
	}
	if state.Status == UploadActive {
		u.offset = state.Received
	}
	return state, nil
}

// Cancel ends the session; the server drops the bytes it holds.
func (u *ResumableUpload) Cancel(ctx context.Context) error {
	discard := func(resp *http.Response) (int64, error) {
		return io.Copy(io.Discard, io.LimitReader(resp.Body, maxUploadTokenBody))
	}
	if err := u.command(ctx, "cancel", discard); err != nil {
		return fmt.Errorf("cancel upload session: %w", err)
	}
	u.offset = -1
	return nil
}

// command sends a bodiless session command, retrying like a read.
func (u *ResumableUpload) command(
	ctx context.Context,
	command string,
	handle func(*http.Response) (int64, error),
) error {
	c := u.client
	send := func(ctx context.Context) (*http.Response, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.URL, http.NoBody)
		if err != nil {
			return nil, err
		}
		// Google's Java upload client sends the protocol header on every
		// session request, so this client does the same.
		req.Header.Set(headerProtocol, "resumable")
		req.Header.Set(headerCommand, command)
		return c.send(req)
	}
	return c.retry(ctx, &request{method: api.MethodUploads, timeout: c.opts.RequestTimeout, send: send, handle: handle})
}
