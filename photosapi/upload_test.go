package photosapi_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"golang.org/x/oauth2"

	"github.com/photosync/photosync/photosapi"
	"github.com/photosync/photosync/photosapi/api"
)

// gatedReader serves data, but a read past gate blocks until release is
// closed.
type gatedReader struct {
	data    []byte
	gate    int64
	release chan struct{}
}

func (r *gatedReader) ReadAt(p []byte, off int64) (int, error) {
	if off+int64(len(p)) > r.gate {
		<-r.release
	}
	return bytes.NewReader(r.data).ReadAt(p, off)
}

func (r *gatedReader) Read(p []byte) (int, error) {
	return 0, errors.New("gatedReader supports only ReadAt")
}

// closeRecorder is a transport that records when the request body it
// forwards is closed.
type closeRecorder struct {
	base   http.RoundTripper
	closed atomic.Bool
}

func (t *closeRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	body := req.Body
	req.Body = recordedBody{ReadCloser: body, closed: &t.closed}
	return t.base.RoundTrip(req)
}

type recordedBody struct {
	io.ReadCloser
	closed *atomic.Bool
}

func (b recordedBody) Close() error {
	b.closed.Store(true)
	return b.ReadCloser.Close()
}

func TestUploadRawReturnsAfterBodyClosed(t *testing.T) {
	// The server responds without reading the body, so the response comes
	// while the transport still writes the request.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"error": {"code": 400, "message": "bad upload", "status": "INVALID_ARGUMENT"}}`)
	}))
	t.Cleanup(srv.Close)

	body := &gatedReader{data: bytes.Repeat([]byte{1}, 4<<20), gate: 64 << 10, release: make(chan struct{})}
	var once sync.Once
	transport := &closeRecorder{base: http.DefaultTransport.(*http.Transport).Clone()}
	c, _ := newTestClient(t, srv.URL+"/", func(o *photosapi.Options) {
		o.HTTPClient = &http.Client{Transport: transport}
		// The reader is released once the response is read, which is
		// before UploadRaw could return.
		o.OnRequest = func(photosapi.RequestInfo) { once.Do(func() { close(body.release) }) }
	})

	_, err := c.UploadRaw(t.Context(), body, int64(len(body.data)), "a.jpg", "image/jpeg")
	if !api.IsPermanent(err) {
		t.Fatalf("UploadRaw error = %v, want the server's 400", err)
	}
	if !transport.closed.Load() {
		t.Error("UploadRaw returned before the transport closed the request body")
	}
}

func TestUploadRawTokenFailureReturns(t *testing.T) {
	// The request never reaches a transport, so the client itself must
	// close the body that UploadRaw waits for.
	tokens, _ := tokenServer(t)
	srv, n := scripted(t, "token")
	cfg := photosapi.OAuthConfig("client", "secret", tokens.URL+"/auth", tokens.URL+"/token", "http://127.0.0.1/")
	src := photosapi.NewTokenSource(t.Context(), cfg, &oauth2.Token{RefreshToken: "revoked"}, nil)
	c, _ := newTestClient(t, srv.URL+"/", func(o *photosapi.Options) { o.TokenSource = src })
	_, err := c.UploadRaw(t.Context(), bytes.NewReader([]byte("photo")), 5, "a.jpg", "image/jpeg")
	if !api.NeedsReauth(err) {
		t.Fatalf("NeedsReauth(%v) = false", err)
	}
	if got := n.Load(); got != 0 {
		t.Errorf("upload server saw %d requests, want 0", got)
	}
}
