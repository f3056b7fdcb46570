package photosapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rs/zerolog"
	"golang.org/x/oauth2"

	"github.com/photosync/photosync/photosapi"
	"github.com/photosync/photosync/photosapi/api"
)

// recorder captures the waits and attempts of a client under test.
type recorder struct {
	mu       sync.Mutex
	waits    []time.Duration
	attempts []photosapi.RequestInfo
}

func (r *recorder) sleep(ctx context.Context, d time.Duration) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.waits = append(r.waits, d)
	return ctx.Err()
}

func (r *recorder) onRequest(info photosapi.RequestInfo) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.attempts = append(r.attempts, info)
}

// newTestClient returns a client for a server at endpoint whose waits
// are recorded instead of slept and whose jitter is zero.
func newTestClient(t testing.TB, endpoint string, edit func(*photosapi.Options)) (*photosapi.Client, *recorder) {
	t.Helper()
	rec := &recorder{}
	opts := photosapi.Options{
		Endpoint:  endpoint,
		Sleep:     rec.sleep,
		OnRequest: rec.onRequest,
		Jitter:    func() float64 { return 0.5 },
	}
	if edit != nil {
		edit(&opts)
	}
	c, err := photosapi.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c, rec
}

// scripted serves the given statuses and bodies in turn, then 200 with
// final, and counts requests.
func scripted(t *testing.T, final string, steps ...func(http.ResponseWriter)) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		io.Copy(io.Discard, r.Body)
		if i < len(steps) {
			steps[i](w)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, final)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func status(code int, body string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.WriteHeader(code)
		io.WriteString(w, body)
	}
}

func TestRetryBackoffGrows(t *testing.T) {
	srv, n := scripted(t, `{"id":"a1","title":"x"}`, status(503, ""), status(500, ""), status(502, ""))
	c, rec := newTestClient(t, srv.URL, nil)

	album, err := c.GetAlbum(t.Context(), "a1")
	if err != nil {
		t.Fatal(err)
	}
	if album.ID != "a1" {
		t.Errorf("album id = %q, want a1", album.ID)
	}
	want := []time.Duration{time.Second, 1300 * time.Millisecond, 1690 * time.Millisecond}
	if diff := cmp.Diff(want, rec.waits); diff != "" {
		t.Errorf("waits differ (-want +got):\n%s", diff)
	}
	if got := n.Load(); got != 4 {
		t.Errorf("server saw %d requests, want 4", got)
	}
	if len(rec.attempts) != 4 {
		t.Fatalf("OnRequest ran %d times, want 4", len(rec.attempts))
	}
	if a := rec.attempts[0]; a.Method != "albums.get" || a.StatusCode != 503 || a.Attempt != 1 || a.Err == nil {
		t.Errorf("first attempt = %+v", a)
	}
	if a := rec.attempts[3]; a.StatusCode != 200 || a.Attempt != 4 || a.Err != nil || a.BytesReceived == 0 {
		t.Errorf("last attempt = %+v", a)
	}
}

func TestRetryBackoffCapped(t *testing.T) {
	steps := make([]func(http.ResponseWriter), 12)
	for i := range steps {
		steps[i] = status(503, "")
	}
	srv, n := scripted(t, `{}`, steps...)
	c, rec := newTestClient(t, srv.URL, func(o *photosapi.Options) { o.MaxRetries = 10 })

	_, err := c.GetAlbum(t.Context(), "a1")
	if !api.IsRetryable(err) {
		t.Fatalf("error %v is not retryable", err)
	}
	if got := n.Load(); got != 11 {
		t.Errorf("server saw %d requests, want 11", got)
	}
	if last := rec.waits[len(rec.waits)-1]; last != 10*time.Second {
		t.Errorf("last wait = %s, want the 10s cap", last)
	}
}

func TestRetryJitterSpread(t *testing.T) {
	srv, _ := scripted(t, `{}`, status(503, ""), status(503, ""))
	jitter := []float64{0, 0.999999}
	c, rec := newTestClient(t, srv.URL, func(o *photosapi.Options) {
		o.Jitter = func() float64 { v := jitter[0]; jitter = jitter[1:]; return v }
	})
	if _, err := c.GetAlbum(t.Context(), "a"); err != nil {
		t.Fatal(err)
	}
	if rec.waits[0] != 800*time.Millisecond {
		t.Errorf("first wait = %s, want 800ms (1s less 20%%)", rec.waits[0])
	}
	if w := rec.waits[1]; w < 1559*time.Millisecond || w > 1560*time.Millisecond {
		t.Errorf("second wait = %s, want about 1.56s (1.3s plus 20%%)", w)
	}
}

func TestRateLimitWaitsThirtySeconds(t *testing.T) {
	body := `{"error":{"code":429,"message":"Quota exceeded for quota metric 'Write requests' and limit 'Write requests per minute per user'","status":"RESOURCE_EXHAUSTED"}}`
	srv, _ := scripted(t, `{"id":"a"}`, status(429, body))
	c, rec := newTestClient(t, srv.URL, nil)
	if _, err := c.CreateAlbum(t.Context(), "Trips"); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]time.Duration{30 * time.Second}, rec.waits); diff != "" {
		t.Errorf("waits differ (-want +got):\n%s", diff)
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	retryAfter := func(value string) func(http.ResponseWriter) {
		return func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", value)
			w.WriteHeader(503)
		}
	}
	srv, _ := scripted(t, `{}`, retryAfter("7"))
	c, rec := newTestClient(t, srv.URL, nil)
	if _, err := c.GetAlbum(t.Context(), "a"); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]time.Duration{7 * time.Second}, rec.waits); diff != "" {
		t.Errorf("waits differ (-want +got):\n%s", diff)
	}
}

func TestRetryAfterBeyondCeiling(t *testing.T) {
	srv, n := scripted(t, `{}`, func(w http.ResponseWriter) {
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(429)
	})
	c, rec := newTestClient(t, srv.URL, nil)
	_, err := c.GetAlbum(t.Context(), "a")
	var e *api.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is not an *api.Error", err)
	}
	if e.RetryAfter != time.Hour {
		t.Errorf("RetryAfter = %s, want 1h", e.RetryAfter)
	}
	if n.Load() != 1 || len(rec.waits) != 0 {
		t.Errorf("made %d requests and %d waits, want 1 and 0", n.Load(), len(rec.waits))
	}
}

func TestDailyQuotaNotRetried(t *testing.T) {
	body := `{"error":{"code":429,"message":"Quota exceeded for quota metric 'All requests' and limit 'All requests per day'","status":"RESOURCE_EXHAUSTED"}}`
	srv, n := scripted(t, `{}`, status(429, body))
	c, _ := newTestClient(t, srv.URL, nil)
	_, err := c.GetAlbum(t.Context(), "a")
	if !api.IsDailyQuota(err) {
		t.Fatalf("IsDailyQuota(%v) = false", err)
	}
	if !strings.HasPrefix(err.Error(), "albums.get: HTTP 429") {
		t.Errorf("error %q does not start with the method and status", err)
	}
	if got := n.Load(); got != 1 {
		t.Errorf("server saw %d requests, want 1", got)
	}
}

func TestCreateNotRetriedAfterProcessingError(t *testing.T) {
	srv, n := scripted(t, `{}`, status(500, "internal"))
	c, _ := newTestClient(t, srv.URL, nil)
	if _, err := c.CreateAlbum(t.Context(), "Trips"); err == nil {
		t.Fatal("CreateAlbum succeeded")
	}
	if got := n.Load(); got != 1 {
		t.Errorf("server saw %d requests, want 1: a 500 may follow a created album", got)
	}
}

func TestCreateRetriedAfterUnavailable(t *testing.T) {
	srv, n := scripted(t, `{"id":"a"}`, status(503, ""))
	c, _ := newTestClient(t, srv.URL, nil)
	if _, err := c.CreateAlbum(t.Context(), "Trips"); err != nil {
		t.Fatal(err)
	}
	if got := n.Load(); got != 2 {
		t.Errorf("server saw %d requests, want 2", got)
	}
}

func TestCreateNotRetriedAfterLostResponse(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		io.Copy(io.Discard, r.Body)
		// The request arrived whole, then the connection drops: the
		// album may exist now.
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	defer srv.Close()
	c, _ := newTestClient(t, srv.URL, nil)
	_, err := c.CreateAlbum(t.Context(), "Trips")
	if err == nil {
		t.Fatal("CreateAlbum succeeded")
	}
	if !api.IsRetryable(err) {
		t.Errorf("IsRetryable(%v) = false, want true so the caller may check and retry", err)
	}
	if got := n.Load(); got != 1 {
		t.Errorf("server saw %d requests, want 1", got)
	}

	// A read retries the same failure.
	n.Store(0)
	if _, err := c.GetAlbum(t.Context(), "a"); err == nil {
		t.Fatal("GetAlbum succeeded")
	}
	if got := n.Load(); got != 6 {
		t.Errorf("server saw %d reads, want 6", got)
	}
}

func TestCreateRetriedWhenConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c, rec := newTestClient(t, "http://"+addr+"/", func(o *photosapi.Options) { o.MaxRetries = 2 })
	_, err = c.CreateAlbum(t.Context(), "Trips")
	if !api.IsRetryable(err) {
		t.Fatalf("IsRetryable(%v) = false", err)
	}
	if len(rec.attempts) != 3 {
		t.Errorf("made %d attempts, want 3: a refused connection never reached the server", len(rec.attempts))
	}
}

func TestAttemptTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	c, _ := newTestClient(t, srv.URL, func(o *photosapi.Options) {
		o.RequestTimeout = 50 * time.Millisecond
		o.MaxRetries = -1
	})
	_, err := c.GetAlbum(t.Context(), "a")
	if err == nil || !strings.Contains(err.Error(), "timed out") {
		t.Fatalf("error = %v, want a timeout", err)
	}
	if !api.IsRetryable(err) {
		t.Errorf("IsRetryable(%v) = false", err)
	}
}

func TestContextCancelStopsRetries(t *testing.T) {
	srv, n := scripted(t, `{}`, status(503, ""), status(503, ""))
	ctx, cancel := context.WithCancel(t.Context())
	c, _ := newTestClient(t, srv.URL, func(o *photosapi.Options) {
		o.Sleep = func(ctx context.Context, d time.Duration) error { cancel(); return context.Canceled }
	})
	_, err := c.GetAlbum(ctx, "a")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
	if got := n.Load(); got != 1 {
		t.Errorf("server saw %d requests, want 1", got)
	}
}

// tokenServer is an OAuth token endpoint that issues "token-1",
// "token-2", ... for any refresh token.
func tokenServer(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var issued atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.Form.Get("grant_type") != "refresh_token" {
			http.Error(w, `{"error":"invalid_request"}`, 400)
			return
		}
		if r.Form.Get("refresh_token") == "revoked" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(400)
			io.WriteString(w, `{"error":"invalid_grant","error_description":"Token has been expired or revoked."}`)
			return
		}
		n := issued.Add(1)
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"access_token": "token-" + string(rune('0'+n)), "token_type": "Bearer", "expires_in": 3599,
		})
	}))
	t.Cleanup(srv.Close)
	return srv, &issued
}

func TestUnauthorizedRefreshesTokenOnce(t *testing.T) {
	tokens, issued := tokenServer(t)
	var seen []string
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Get("Authorization"))
		mu.Unlock()
		if r.Header.Get("Authorization") == "Bearer token-1" {
			w.WriteHeader(401)
			io.WriteString(w, `{"error":{"code":401,"message":"Request had invalid authentication credentials.","status":"UNAUTHENTICATED"}}`)
			return
		}
		io.WriteString(w, `{"id":"a"}`)
	}))
	defer srv.Close()

	cfg := photosapi.OAuthConfig("client", "secret", tokens.URL+"/auth", tokens.URL+"/token", "http://127.0.0.1/")
	var saved []string
	src := photosapi.NewTokenSource(t.Context(), cfg, &oauth2.Token{RefreshToken: "r"}, func(tok *oauth2.Token) {
		saved = append(saved, tok.AccessToken)
	})
	c, rec := newTestClient(t, srv.URL, func(o *photosapi.Options) { o.TokenSource = src })

	if _, err := c.GetAlbum(t.Context(), "a"); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"Bearer token-1", "Bearer token-2"}, seen); diff != "" {
		t.Errorf("Authorization headers differ (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"token-1", "token-2"}, saved); diff != "" {
		t.Errorf("saved tokens differ (-want +got):\n%s", diff)
	}
	if issued.Load() != 2 {
		t.Errorf("token endpoint issued %d tokens, want 2", issued.Load())
	}
	if len(rec.waits) != 0 {
		t.Errorf("waited %v before sending with the new token", rec.waits)
	}
}

func TestUnauthorizedTwiceNeedsReauth(t *testing.T) {
	tokens, _ := tokenServer(t)
	srv, n := scripted(t, `{}`, status(401, ""), status(401, ""), status(401, ""))
	cfg := photosapi.OAuthConfig("client", "secret", tokens.URL+"/auth", tokens.URL+"/token", "http://127.0.0.1/")
	src := photosapi.NewTokenSource(t.Context(), cfg, &oauth2.Token{RefreshToken: "r"}, nil)
	c, _ := newTestClient(t, srv.URL, func(o *photosapi.Options) { o.TokenSource = src })
	_, err := c.GetAlbum(t.Context(), "a")
	if !api.NeedsReauth(err) {
		t.Fatalf("NeedsReauth(%v) = false", err)
	}
	if got := n.Load(); got != 2 {
		t.Errorf("server saw %d requests, want 2", got)
	}
}

func TestRevokedRefreshTokenNeedsReauth(t *testing.T) {
	tokens, _ := tokenServer(t)
	srv, n := scripted(t, `{}`)
	cfg := photosapi.OAuthConfig("client", "secret", tokens.URL+"/auth", tokens.URL+"/token", "http://127.0.0.1/")
	src := photosapi.NewTokenSource(t.Context(), cfg, &oauth2.Token{RefreshToken: "revoked"}, nil)
	c, _ := newTestClient(t, srv.URL, func(o *photosapi.Options) { o.TokenSource = src })
	_, err := c.GetAlbum(t.Context(), "a")
	if !api.NeedsReauth(err) {
		t.Fatalf("NeedsReauth(%v) = false", err)
	}
	if api.IsRetryable(err) {
		t.Errorf("IsRetryable(%v) = true", err)
	}
	if got := n.Load(); got != 0 {
		t.Errorf("API server saw %d requests, want 0", got)
	}
}

func TestOAuthHTTPClientRevokedNeedsReauth(t *testing.T) {
	tokens, _ := tokenServer(t)
	srv, n := scripted(t, `{}`)
	cfg := photosapi.OAuthConfig("client", "secret", tokens.URL+"/auth", tokens.URL+"/token", "http://127.0.0.1/")
	httpClient := cfg.Client(t.Context(), &oauth2.Token{RefreshToken: "revoked"})
	c, _ := newTestClient(t, srv.URL, func(o *photosapi.Options) { o.HTTPClient = httpClient })
	_, err := c.GetAlbum(t.Context(), "a")
	if !api.NeedsReauth(err) {
		t.Fatalf("NeedsReauth(%v) = false", err)
	}
	if !strings.Contains(err.Error(), "refresh access token") {
		t.Errorf("error %q does not name the token refresh", err)
	}
	if got := n.Load(); got != 0 {
		t.Errorf("API server saw %d requests, want 0", got)
	}
}

func TestRetryLogsFirstFailureAndRecovery(t *testing.T) {
	srv, _ := scripted(t, `{}`, status(503, ""), status(503, ""))
	var buf bytes.Buffer
	c, _ := newTestClient(t, srv.URL, func(o *photosapi.Options) {
		o.Logger = zerolog.New(&buf).Level(zerolog.InfoLevel)
	})
	if _, err := c.GetAlbum(t.Context(), "a"); err != nil {
		t.Fatal(err)
	}
	var events []map[string]any
	for line := range strings.Lines(buf.String()) {
		var ev map[string]any
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		events = append(events, ev)
	}
	if len(events) != 2 {
		t.Fatalf("logged %d events at info and above, want 2: %s", len(events), buf.String())
	}
	if events[0]["level"] != "warn" || events[0]["message"] != "request failed, will retry" {
		t.Errorf("first event = %v", events[0])
	}
	if events[1]["level"] != "info" || events[1]["message"] != "request recovered after retries" {
		t.Errorf("second event = %v", events[1])
	}
	for _, ev := range events {
		if ev["component"] != "photosapi" || ev["method"] != "albums.get" {
			t.Errorf("event %v lacks component photosapi and method albums.get", ev)
		}
	}
}

func TestUploadOneShotReaderRetriedBeforeReading(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c, rec := newTestClient(t, "http://"+addr+"/", func(o *photosapi.Options) { o.MaxRetries = 2 })
	body := io.MultiReader(strings.NewReader("bytes"))
	_, err = c.UploadRaw(t.Context(), body, 5, "a.jpg", "image/jpeg")
	if !api.IsRetryable(err) {
		t.Fatalf("error = %v, want the retryable connection error", err)
	}
	if len(rec.attempts) != 3 {
		t.Errorf("made %d attempts, want 3: no byte was read before the connection failed", len(rec.attempts))
	}
}

func TestTokenSourceRefreshesOnceForConcurrentCallers(t *testing.T) {
	tokens, issued := tokenServer(t)
	cfg := photosapi.OAuthConfig("client", "secret", tokens.URL+"/auth", tokens.URL+"/token", "http://127.0.0.1/")
	src := photosapi.NewTokenSource(t.Context(), cfg, &oauth2.Token{RefreshToken: "r"}, nil)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := src.Token(); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := issued.Load(); n != 1 {
		t.Errorf("token endpoint issued %d tokens for 8 concurrent callers, want 1", n)
	}
	src.Invalidate()
	tok, err := src.Token()
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken != "token-2" || tok.RefreshToken != "r" {
		t.Errorf("token after Invalidate = %q with refresh token %q, want token-2 keeping r", tok.AccessToken, tok.RefreshToken)
	}
}
