package photosapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"

	"github.com/photosync/photosync/photosapi/api"
)

// Limits on response bodies the client reads into memory.
const (
	// maxJSONBody is far above the largest page (100 media items of a
	// few hundred bytes each) and stops a broken server from exhausting
	// memory.
	maxJSONBody = 32 << 20
	// maxErrorBody is enough for any Google error body.
	maxErrorBody = 64 << 10
)

// call is one JSON API request.
type call struct {
	method     string // API method, such as "albums.get"
	httpMethod string
	path       string // relative to the endpoint, already escaped
	query      url.Values
	body       any    // encoded as JSON when not nil
	encoded    []byte // the JSON request body, used in place of body when not nil
	out        any    // decoded from a successful response when not nil
	kind       idempotency
}

// do sends cl with retries and decodes the response into cl.out.
func (c *Client) do(ctx context.Context, cl *call) error {
	body := cl.encoded
	if body == nil && cl.body != nil {
		var err error
		if body, err = json.Marshal(cl.body); err != nil {
			return fmt.Errorf("%s: encode request: %w", cl.method, err)
		}
	}
	u := c.endpoint.String() + cl.path
	if len(cl.query) > 0 {
		u += "?" + cl.query.Encode()
	}

	send := func(ctx context.Context) (*http.Response, error) {
		var r io.Reader
		if body != nil {
			r = bytes.NewReader(body)
		}
		req, err := http.NewRequestWithContext(ctx, cl.httpMethod, u, r)
		if err != nil {
			return nil, err
		}
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		return c.send(req)
	}
	handle := func(resp *http.Response) (int64, error) { return decodeAnswer(resp, cl.out) }
	return c.retry(ctx, &request{
		method:  cl.method,
		kind:    cl.kind,
		timeout: c.opts.RequestTimeout,
		size:    int64(len(body)),
		send:    send,
		handle:  handle,
	})
}

// send adds the common headers and the access token, then sends req. Like
// an http.RoundTripper, it closes the request body on every path.
func (c *Client) send(req *http.Request) (*http.Response, error) {
	if c.opts.UserAgent != "" {
		req.Header.Set("User-Agent", c.opts.UserAgent)
	}
	if err := c.authorize(req); err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		// An oauth2.Transport in Options.HTTPClient reports a failed
		// refresh as a transport error; classify it like our own.
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			return nil, fmt.Errorf("refresh access token: %w", tokenError(err))
		}
		return nil, err
	}
	return resp, nil
}

// bodyBuffers holds buffers for reading JSON response bodies. A body sent
// chunked, as the emulator sends them, has no Content-Length, so io.ReadAll
// would grow a new buffer from 512 bytes for each: about four times the
// body for a batchCreate of 50 items.
var bodyBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBody is the largest buffer bodyBuffers keeps, so that one large
// page does not stay in memory.
const maxPooledBody = 1 << 20

// decodeAnswer reads a successful response into out and returns the number
// of body bytes read.
func decodeAnswer(resp *http.Response, out any) (int64, error) {
	buf := bodyBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= maxPooledBody {
			buf.Reset()
			bodyBuffers.Put(buf)
		}
	}()
	_, err := buf.ReadFrom(io.LimitReader(resp.Body, maxJSONBody+1))
	data := buf.Bytes()
	n := int64(len(data))
	if err != nil {
		return n, fmt.Errorf("read response: %w", err)
	}
	if n > maxJSONBody {
		return n, fmt.Errorf("read response: body exceeds %d bytes", maxJSONBody)
	}
	if out == nil || len(bytes.TrimSpace(data)) == 0 {
		return n, nil
	}
	// json.Unmarshal and every bodyDecoder copy what they keep, strings
	// and json.RawMessage alike, so the buffer can be reused afterwards.
	if d, ok := out.(bodyDecoder); ok {
		err = d.decodeJSON(data)
	} else {
		err = json.Unmarshal(data, out)
	}
	if err != nil {
		return n, fmt.Errorf("decode response: %w", err)
	}
	return n, nil
}

// request is one HTTP call the client may send several times.
type request struct {
	method  string // API method, or api.MethodUploads or api.MethodDownload
	kind    idempotency
	timeout time.Duration // per attempt, reading the response included
	size    int64         // request body bytes, for RequestInfo
	// send builds and sends a fresh request for one attempt.
	send func(context.Context) (*http.Response, error)
	// handle reads a 2xx response and returns the number of body bytes read.
	handle func(*http.Response) (int64, error)
	// retryable, when set, reports whether another attempt is still
	// allowed, such as a download that has not written any byte yet.
	retryable func() bool
	// inspect, when set, receives every response before its body is read.
	inspect func(*http.Response)
}

// retry sends r until it succeeds, fails for good or runs out of
// retries. It reads and closes every response body.
func (c *Client) retry(ctx context.Context, r *request) error {
	reauthorized := false
	failures := 0
	for try := 1; ; try++ {
		sent, err := c.attempt(ctx, r, try)
		if err == nil {
			if failures > 0 {
				c.log.Info().Str("method", r.method).Int("attempts", try).Msg("request recovered after retries")
			}
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s: %w", r.method, ctx.Err())
		}
		if r.retryable != nil && !r.retryable() {
			return wrapCallError(r.method, err)
		}

		var e *api.Error
		// Base URL downloads carry no token, so their 401 is not about the
		// token.
		if errors.As(err, &e) && e.HTTPStatus == http.StatusUnauthorized && e.Method != api.MethodToken &&
			r.method != api.MethodDownload && !reauthorized && c.canReauthorize() {
			// x/oauth2 refreshes a token only when it expires by the
			// clock, so a token revoked early needs an explicit refresh.
			reauthorized = true
			c.invalidateToken()
			continue
		}
		if failures >= c.opts.MaxRetries || !mayRetry(r.kind, err, sent) {
			return wrapCallError(r.method, err)
		}
		wait, ok := c.backoff(failures, err)
		if !ok {
			return wrapCallError(r.method, err)
		}
		failures++
		ev := c.log.Debug()
		if failures == 1 {
			ev = c.log.Warn()
		}
		ev.Err(err).Str("method", r.method).Int("attempt", try).Dur("wait", wait).Msg("request failed, will retry")
		if err := c.opts.Sleep(ctx, wait); err != nil {
			return fmt.Errorf("%s: wait to retry: %w", r.method, err)
		}
	}
}

// attempt makes one try of r and reports whether the whole request was
// written to the connection.
func (c *Client) attempt(ctx context.Context, r *request, try int) (sent bool, err error) {
	actx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()

	// The transport reports the writes from its own goroutine.
	var wroteHeaders, wrote atomic.Bool
	trace := &httptrace.ClientTrace{
		WroteHeaders: func() { wroteHeaders.Store(true) },
		WroteRequest: func(info httptrace.WroteRequestInfo) { wrote.Store(info.Err == nil) },
	}
	actx = httptrace.WithClientTrace(actx, trace)

	start := time.Now()
	resp, err := r.send(actx)
	info := RequestInfo{Method: r.method, Attempt: try, BytesSent: r.size}
	if err == nil {
		info.StatusCode = resp.StatusCode
		if r.inspect != nil {
			r.inspect(resp)
		}
		info.BytesReceived, err = c.readAnswer(r.method, resp, r.handle)
	}
	if err != nil && actx.Err() != nil && ctx.Err() == nil {
		err = fmt.Errorf("attempt timed out after %s: %w", r.timeout, actx.Err())
	}
	info.Duration = time.Since(start)
	info.Err = err
	info.WroteHeaders = wroteHeaders.Load()
	if c.opts.OnRequest != nil {
		c.opts.OnRequest(info)
	}
	return wrote.Load(), err
}

// readAnswer hands a 2xx response to handle and turns any other response into
// an *api.Error. It always closes the body.
func (c *Client) readAnswer(
	method string,
	resp *http.Response,
	handle func(*http.Response) (int64, error),
) (int64, error) {
	defer resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return handle(resp)
	}
	data, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	return int64(len(data)), api.ParseError(method, resp.StatusCode, resp.Header, data, c.opts.Now())
}

func wrapCallError(method string, err error) error {
	return fmt.Errorf("%s: %w", method, err)
}
