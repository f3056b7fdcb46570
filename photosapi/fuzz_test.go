package photosapi_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/photosync/photosync/photosapi"
	"github.com/photosync/photosync/photosapi/api"
)

// FuzzClientResponse feeds arbitrary statuses and bodies to the client
// through a real HTTP server and checks how each call ends.
func FuzzClientResponse(f *testing.F) {
	f.Add(200, `{"mediaItems":[{"id":"a"},{"id":"a"}],"nextPageToken":""}`)
	f.Add(200, `{"mediaItems":[{"id":"a","mediaMetadata":{"width":"12"}}]}`)
	f.Add(200, `{"mediaItems":[{"mediaMetadata":{"width":12}}]}`)
	f.Add(200, `{"nextPageToken":"same"}`)
	f.Add(200, `not json`)
	f.Add(429, `{"error":{"code":429,"message":"per day","status":"RESOURCE_EXHAUSTED"}}`)
	f.Add(401, `{"code":16,"message":"Authentication session is not defined."}`)
	f.Add(302, ``)
	f.Add(500, "\x00\xff")

	var mu sync.Mutex
	var status int
	var body string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		s, b := status, body
		mu.Unlock()
		w.WriteHeader(s)
		io.WriteString(w, b)
	}))
	defer srv.Close()
	c, err := photosapi.New(photosapi.Options{Endpoint: srv.URL, MaxRetries: -1})
	if err != nil {
		f.Fatal(err)
	}

	f.Fuzz(func(t *testing.T, s int, b string) {
		if s < 200 || s > 599 || (s >= 300 && s < 400) || s == 204 || s == 304 {
			// net/http rejects other codes, follows redirects, and sends
			// no body with 204 and 304.
			return
		}
		mu.Lock()
		status, body = s, b
		mu.Unlock()

		yielded := 0
		for _, err := range c.ListMediaItems(t.Context(), photosapi.ListOptions{}) {
			if err != nil {
				var e *api.Error
				if s >= 300 && !errors.As(err, &e) {
					t.Errorf("HTTP %d gave %v, want an *api.Error", s, err)
				}
				break
			}
			yielded++
			if yielded > 10000 {
				t.Fatal("listing did not stop")
			}
		}
		_, err := c.GetAlbum(t.Context(), "a")
		if s >= 300 && err == nil {
			t.Errorf("HTTP %d succeeded", s)
		}
	})
}
