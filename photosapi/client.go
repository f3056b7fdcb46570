package photosapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/oauth2"

	"github.com/photosync/photosync/photosapi/api"
)

// DefaultEndpoint is the Library API's root URL.
const DefaultEndpoint = "https://photoslibrary.googleapis.com/"

// Defaults applied by New to zero Options fields.
const (
	// DefaultRequestTimeout bounds one attempt of a JSON API call. Pages
	// of 100 items come back in well under a second, so a minute only
	// trips on a hung connection.
	DefaultRequestTimeout = time.Minute
	// DefaultTransferTimeout bounds one upload request (a raw upload or
	// one resumable chunk) and one download. At 1 Mbit/s an 8 MiB chunk
	// takes about 70 s, so 15 minutes leaves room for slow links.
	DefaultTransferTimeout = 15 * time.Minute
	// DefaultMaxRetries is the number of retries after the first attempt.
	// With the backoff in retry.go the five waits add up to about 9 s, or
	// to 2.5 minutes when every response is a 429.
	DefaultMaxRetries = 5
	// DefaultMaxRetryAfter is the longest Retry-After the client waits
	// out itself. A longer wait returns the error, with Error.RetryAfter
	// set, so the caller can schedule the work instead of blocking.
	DefaultMaxRetryAfter = 5 * time.Minute
	// DefaultChunkSize is the resumable chunk size before rounding to the
	// server's granularity: large enough that per-request overhead is
	// small, small enough that a lost chunk costs little to resend.
	DefaultChunkSize = 8 << 20
)

// Options configures a Client. The zero value of each field selects the
// default documented on it.
type Options struct {
	// Endpoint is the API root URL, DefaultEndpoint by default. Point it
	// at an emulator for tests.
	Endpoint string
	// UploadEndpoint is the byte upload URL, Endpoint + "v1/uploads" by
	// default.
	UploadEndpoint string

	// HTTPClient sends the requests. Without TokenSource it must add the
	// Authorization header itself, as the clients from
	// oauth2.Config.Client and oauth2.NewClient do. With TokenSource it is
	// the unauthenticated base client. Default: a client with net/http's
	// default transport that keeps up to 16 idle connections per host.
	HTTPClient *http.Client
	// TokenSource supplies access tokens, and then the client sets the
	// Authorization header itself. On an HTTP 401 the client calls
	// Invalidate on the source when it has that method (as *TokenSource
	// does) and sends the request once more with a new token.
	TokenSource oauth2.TokenSource
	// DownloadClient fetches base URLs, which need no Authorization
	// header. Default: HTTPClient when TokenSource is set, the base
	// transport under an *oauth2.Transport, or else the default client
	// described at HTTPClient, so that access tokens never go to the media
	// host.
	DownloadClient *http.Client

	// RequestTimeout bounds one attempt of a JSON call
	// (DefaultRequestTimeout).
	RequestTimeout time.Duration
	// TransferTimeout bounds one upload request or download
	// (DefaultTransferTimeout).
	TransferTimeout time.Duration
	// MaxRetries is the number of retries after the first attempt
	// (DefaultMaxRetries). A negative value turns retries off.
	MaxRetries int
	// MaxRetryAfter caps the Retry-After the client waits out
	// (DefaultMaxRetryAfter).
	MaxRetryAfter time.Duration
	// ChunkSize is the resumable upload chunk size in bytes, rounded down
	// to a multiple of the server's granularity (DefaultChunkSize).
	ChunkSize int64
	// UserAgent is sent in the User-Agent header when set.
	UserAgent string

	// OnRequest, when set, is called once per HTTP attempt, after the
	// response's body is read or the attempt failed, from the goroutine that
	// made the call. Callers count quota with it. It must not block.
	OnRequest func(RequestInfo)
	// Logger receives retry and recovery events. The zero Logger discards
	// them.
	Logger zerolog.Logger
	// Sleep waits between retries and returns early with ctx.Err() when
	// ctx ends. Tests replace it so they do not wait real seconds.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now returns the current time, used to resolve a Retry-After date.
	Now func() time.Time
	// Jitter returns a random number in [0, 1) that spreads retry waits.
	// Tests may fix it.
	Jitter func() float64
}

// RequestInfo describes one HTTP attempt for Options.OnRequest.
type RequestInfo struct {
	// Method is the API method, such as "mediaItems.batchCreate", or
	// api.MethodUploads or api.MethodDownload.
	Method string
	// Attempt counts from 1 for each call.
	Attempt int
	// StatusCode is the HTTP status, or 0 when no response came.
	StatusCode int
	// Duration runs from sending the request to the end of the response.
	Duration time.Duration
	// BytesSent is the request body size; BytesReceived the response body
	// size read.
	BytesSent, BytesReceived int64
	// Err is the attempt's error, or nil.
	Err error
	// WroteHeaders reports whether the request headers went out on a
	// connection. An attempt stopped earlier, by a refused connection or
	// a failed token refresh, never reached the server.
	WroteHeaders bool
}

// CountsTowardQuota reports whether the attempt may count against the
// 10,000 Library API requests per project per day: an API call or byte
// upload whose headers reached the server. Base URL downloads have their
// own, larger quota. An attempt whose connection broke after the headers
// counts, because the server may have counted it.
func (r RequestInfo) CountsTowardQuota() bool {
	return r.Method != api.MethodDownload && r.WroteHeaders
}

// Client calls the Google Photos Library API. It is safe for concurrent
// use.
type Client struct {
	opts      Options
	endpoint  *url.URL
	uploadURL string
	http      *http.Client
	download  *http.Client
	tokens    oauth2.TokenSource
	log       zerolog.Logger
}

// New returns a Client for opts. It rejects an endpoint that is not an
// absolute http or https URL.
func New(opts Options) (*Client, error) {
	opts.applyDefaults()
	endpoint, err := parseEndpoint("endpoint", opts.Endpoint)
	if err != nil {
		return nil, err
	}
	if !strings.HasSuffix(endpoint.Path, "/") {
		endpoint.Path += "/"
	}
	upload := opts.UploadEndpoint
	if upload == "" {
		upload = endpoint.String() + "v1/uploads"
	}
	if _, err := parseEndpoint("upload endpoint", upload); err != nil {
		return nil, err
	}
	c := &Client{
		opts:      opts,
		endpoint:  endpoint,
		uploadURL: upload,
		http:      opts.HTTPClient,
		download:  opts.DownloadClient,
		tokens:    opts.TokenSource,
		log:       opts.Logger.With().Str("component", "photosapi").Logger(),
	}
	if c.download == nil {
		c.download = unauthenticated(opts.HTTPClient, opts.TokenSource != nil)
	}
	return c, nil
}

func parseEndpoint(what, raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("parse %s %q: %w", what, raw, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("parse %s %q: want an absolute http or https URL such as %q", what, raw, DefaultEndpoint)
	}
	return u, nil
}

func (o *Options) applyDefaults() {
	if o.Endpoint == "" {
		o.Endpoint = DefaultEndpoint
	}
	if o.HTTPClient == nil {
		o.HTTPClient = newHTTPClient()
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = DefaultRequestTimeout
	}
	if o.TransferTimeout <= 0 {
		o.TransferTimeout = DefaultTransferTimeout
	}
	if o.MaxRetries == 0 {
		o.MaxRetries = DefaultMaxRetries
	}
	if o.MaxRetries < 0 {
		o.MaxRetries = 0
	}
	if o.MaxRetryAfter <= 0 {
		o.MaxRetryAfter = DefaultMaxRetryAfter
	}
	if o.ChunkSize <= 0 {
		o.ChunkSize = DefaultChunkSize
	}
	if o.Sleep == nil {
		o.Sleep = sleep
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Jitter == nil {
		o.Jitter = randomFraction
	}
}

// unauthenticated returns a client for base URLs that adds no
// Authorization header.
func unauthenticated(base *http.Client, ownsTokens bool) *http.Client {
	if ownsTokens {
		return base
	}
	if t, ok := base.Transport.(*oauth2.Transport); ok {
		plain := *base
		plain.Transport = t.Base
		return &plain
	}
	return newHTTPClient()
}

// maxIdleConnsPerHost keeps a connection open for each of the sync
// engine's parallel transfers. net/http keeps only 2 by default, so more
// workers than that would dial a new connection for every request.
const maxIdleConnsPerHost = 16

// newHTTPClient returns a client with net/http's default transport
// settings except for the idle connection limit.
func newHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = maxIdleConnsPerHost
	return &http.Client{Transport: t}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// invalidator is implemented by token sources that can drop a cached
// access token the server rejected.
type invalidator interface {
	Invalidate()
}

// authorize sets the Authorization header when the client owns the
// tokens. A token endpoint error becomes an *api.Error for
// api.MethodToken.
func (c *Client) authorize(req *http.Request) error {
	if c.tokens == nil {
		return nil
	}
	tok, err := c.tokens.Token()
	if err != nil {
		return fmt.Errorf("refresh access token: %w", tokenError(err))
	}
	tok.SetAuthHeader(req)
	return nil
}

// canReauthorize reports whether a 401 can be retried with a new token.
func (c *Client) canReauthorize() bool {
	_, ok := c.tokens.(invalidator)
	return ok
}

func (c *Client) invalidateToken() {
	if inv, ok := c.tokens.(invalidator); ok {
		inv.Invalidate()
	}
}

// tokenError turns an OAuth token endpoint failure into an *api.Error so
// that api.NeedsReauth and api.IsRetryable classify it.
func tokenError(err error) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return err
	}
	status := 0
	var header http.Header
	if re.Response != nil {
		status = re.Response.StatusCode
		header = re.Response.Header
	}
	e := api.ParseError(api.MethodToken, status, header, re.Body, time.Now())
	if re.ErrorCode != "" {
		e.Reason = re.ErrorCode
	}
	return e
}
