package emulator

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"
)

// A call whose JSON body arrives slowly holds up no other call: the
// emulator reads the body before it takes the server's lock.
func TestSlowBodyBlocksNoCall(t *testing.T) {
	env := startEnv(t, Options{})
	token := env.uploadRaw(sample(t, "Camera Roll/IMG_1811.JPG"), "a.jpg")
	for _, c := range []struct{ method, path, body string }{
		{"mediaItems.batchCreate", "/v1/mediaItems:batchCreate",
			fmt.Sprintf(`{"newMediaItems":[{"simpleMediaItem":{"uploadToken":%q,"fileName":"a.jpg"}}]}`, token)},
		{"albums.create", "/v1/albums", `{"album":{"title":"Trips"}}`},
	} {
		t.Run(c.method, func(t *testing.T) {
			finish := env.startSlowCall(c.method, c.path, c.body)

			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			list, err := http.NewRequestWithContext(ctx, http.MethodGet, env.run.URL+"/v1/albums", nil)
			if err != nil {
				t.Fatal(err)
			}
			list.Header.Set("Authorization", "Bearer "+env.token)
			resp, err := http.DefaultClient.Do(list)
			if err != nil {
				t.Fatalf("albums.list while the body of %s is half sent: %v", c.method, err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("albums.list while the body of %s is half sent: status %d, want 200", c.method, resp.StatusCode)
			}

			if got := finish(); got != http.StatusOK {
				t.Errorf("the slow %s returned status %d, want 200", c.method, got)
			}
		})
	}
}

// startSlowCall sends the first half of body to path and waits until the
// emulator counts the call named method, so that its handler runs. The
// function it returns sends the rest and returns the response's status.
func (e *testEnv) startSlowCall(method, path, body string) func() int {
	e.t.Helper()
	var before requestsJSON
	e.inspect("GET", "requests", nil, &before)
	bodyReader, bodyWriter := io.Pipe()
	// A test that fails before it sends the rest still ends the call.
	e.t.Cleanup(func() { bodyWriter.CloseWithError(errors.New("the test ended")) })
	req, err := http.NewRequestWithContext(e.t.Context(), http.MethodPost, e.run.URL+path, bodyReader)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.token)
	req.Header.Set("Content-Type", "application/json")
	req.ContentLength = int64(len(body))
	status := make(chan int, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			status <- 0
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		status <- resp.StatusCode
	}()
	half := len(body) / 2
	if _, err := bodyWriter.Write([]byte(body[:half])); err != nil {
		e.t.Fatal(err)
	}

	// The counters have their own lock, so they show the call even while
	// the server's lock is held.
	ticker := time.NewTicker(10 * time.Millisecond)
	defer ticker.Stop()
	deadline := time.After(10 * time.Second)
	for {
		var counts requestsJSON
		e.inspect("GET", "requests", nil, &counts)
		if counts.ByMethod[method] > before.ByMethod[method] {
			break
		}
		select {
		case <-ticker.C:
		case <-deadline:
			e.t.Fatalf("the emulator did not count the %s call within 10 s", method)
		}
	}
	return func() int {
		if _, err := bodyWriter.Write([]byte(body[half:])); err != nil {
			e.t.Fatal(err)
		}
		bodyWriter.Close()
		return <-status
	}
}
