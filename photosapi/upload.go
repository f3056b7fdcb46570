package photosapi

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/photosync/photosync/photosapi/api"
)

// Upload protocol header names and values.
const (
	headerProtocol    = "X-Goog-Upload-Protocol"
	headerCommand     = "X-Goog-Upload-Command"
	headerContentType = "X-Goog-Upload-Content-Type"
	headerFileName    = "X-Goog-Upload-File-Name"
	headerRawSize     = "X-Goog-Upload-Raw-Size"
	headerURL         = "X-Goog-Upload-URL"
	headerGranularity = "X-Goog-Upload-Chunk-Granularity"
	headerStatus      = "X-Goog-Upload-Status"
	headerOffset      = "X-Goog-Upload-Offset"
	headerReceived    = "X-Goog-Upload-Size-Received"
)

// maxUploadTokenBody caps the response that carries an upload token; real
// tokens are a few hundred bytes.
const maxUploadTokenBody = 64 << 10

// UploadRaw sends size bytes from r in one request and returns the upload
// token, valid for one day, to pass to BatchCreate. fileName is the name
// the item gets unless BatchCreate names it; mimeType may be empty.
//
// Options.TransferTimeout bounds the whole request, so send files of more
// than a few tens of megabytes with StartResumable instead.
//
// The client retries a failed upload only when it can read the bytes
// again: when r is an io.ReaderAt or an io.Seeker, or when the failed
// attempt read no byte of r. A retry is safe because a token not used by
// BatchCreate creates nothing, and the server deduplicates identical bytes.
//
// UploadRaw reads r only until it returns, so the caller may reuse the
// memory behind r afterwards.
func (c *Client) UploadRaw(ctx context.Context, r io.Reader, size int64, fileName, mimeType string) (string, error) {
	const method = api.MethodUploads
	if err := checkUpload(method, size, fileName); err != nil {
		return "", err
	}
	body, canResend := rewinder(r, size)
	// The transport may go on reading a request body after the response
	// came, so each attempt waits until the previous body is closed, and
	// UploadRaw waits for the last one.
	var last *closeTracker
	defer func() {
		if last != nil {
			last.wait()
		}
	}()
	var token string
	send := func(ctx context.Context) (*http.Response, error) {
		if last != nil {
			last.wait()
			last = nil
		}
		src, err := body()
		if err != nil {
			return nil, err
		}
		tracked := newCloseTracker(src)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.uploadURL, tracked)
		if err != nil {
			return nil, err
		}
		// From here on, c.send closes the body on every path.
		last = tracked
		req.ContentLength = size
		req.Header.Set("Content-Type", "application/octet-stream")
		req.Header.Set(headerProtocol, "raw")
		setFileHeaders(req.Header, fileName, mimeType)
		return c.send(req)
	}
	handle := func(resp *http.Response) (int64, error) {
		var n int64
		var err error
		token, n, err = readToken(resp)
		return n, err
	}
	req := &request{method: method, timeout: c.opts.TransferTimeout, size: size,
		send: send, handle: handle, retryable: canResend}
	if err := c.retry(ctx, req); err != nil {
		return "", fmt.Errorf("upload %s: %w", fileName, err)
	}
	return token, nil
}

func checkUpload(method string, size int64, fileName string) error {
	if size <= 0 {
		return invalid(method, "file %q has size %d; the API accepts only non-empty files", fileName, size)
	}
	if fileName == "" {
		return invalid(method, "file name is empty")
	}
	return checkLength(method, "file name "+strconv.Quote(fileName), fileName, api.MaxFileNameLength)
}

// rewinder returns a function giving a reader over the first size bytes
// of r for each attempt, and a function reporting whether another attempt
// can still read them all. An io.ReaderAt or io.Seeker can always be read
// again, and another reader only while no byte of it was read.
func rewinder(r io.Reader, size int64) (func() (io.Reader, error), func() bool) {
	always := func() bool { return true }
	if ra, ok := r.(io.ReaderAt); ok {
		return func() (io.Reader, error) { return io.NewSectionReader(ra, 0, size), nil }, always
	}
	if s, ok := r.(io.Seeker); ok {
		start, err := s.Seek(0, io.SeekCurrent)
		if err == nil {
			return func() (io.Reader, error) {
				if _, err := s.Seek(start, io.SeekStart); err != nil {
					return nil, fmt.Errorf("rewind upload source: %w", err)
				}
				return io.LimitReader(r, size), nil
			}, always
		}
	}
	once := &trackingReader{r: io.LimitReader(r, size)}
	return func() (io.Reader, error) { return once, nil }, func() bool { return !once.read }
}

// closeTracker is a request body that records when the transport closes
// it, after which no goroutine of the transport reads it.
type closeTracker struct {
	r      io.Reader
	closed atomic.Bool
	done   sync.WaitGroup
}

func newCloseTracker(r io.Reader) *closeTracker {
	t := &closeTracker{r: r}
	t.done.Add(1)
	return t
}

func (t *closeTracker) Read(p []byte) (int, error) { return t.r.Read(p) }

// Close marks the body closed. The transport may call it more than once.
func (t *closeTracker) Close() error {
	if t.closed.CompareAndSwap(false, true) {
		t.done.Done()
	}
	return nil
}

// wait blocks until the body is closed. An http.RoundTripper closes the
// request body on every path, also after errors.
func (t *closeTracker) wait() { t.done.Wait() }

// trackingReader records whether any byte was read, so a request that
// failed before reading its body can still be sent again.
type trackingReader struct {
	r    io.Reader
	read bool
}

func (t *trackingReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if n > 0 {
		t.read = true
	}
	return n, err
}

func setFileHeaders(h http.Header, fileName, mimeType string) {
	if mimeType != "" {
		h.Set(headerContentType, mimeType)
	}
	if fileName != "" {
		h.Set(headerFileName, encodeHeaderValue(fileName))
	}
}

// encodeHeaderValue makes a file name safe for an HTTP header. UTF-8
// passes unchanged, as Google's upload clients send it; control bytes,
// which no header may carry, become "_". BatchCreate's file name
// overrides this one, so callers that need the exact name send it there.
func encodeHeaderValue(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '_'
		}
		return r
	}, s)
}

// readToken reads an upload token from a response body.
func readToken(resp *http.Response) (string, int64, error) {
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxUploadTokenBody+1))
	n := int64(len(data))
	if err != nil {
		return "", n, fmt.Errorf("read upload token: %w", err)
	}
	if n > maxUploadTokenBody {
		return "", n, fmt.Errorf("read upload token: response body exceeds %d bytes", maxUploadTokenBody)
	}
	token := string(bytes.TrimSpace(data))
	if token == "" {
		return "", n, fmt.Errorf("read upload token: response body is empty")
	}
	return token, n, nil
}
