package emulator

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// fetch downloads url whole with a plain client.
func fetch(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s: %v", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d: %s", url, resp.StatusCode, body)
	}
	return body
}

func TestDownloadThrottledArrivesInChunks(t *testing.T) {
	env := startEnv(t, Options{})
	item := env.create(sample(t, "Camera Roll/IMG_1811.JPG"), "a.jpg")
	want := fetch(t, item.BaseURL+"=d")

	// Four times the size a second: 80 chunks of about 15 KB, sent over
	// about 250 ms.
	rate := int64(len(want)) * 4
	env.inspect("POST", "faults", map[string]any{"method": "download", "bytesPerSecond": rate, "count": 1}, nil)
	resp, err := http.Get(item.BaseURL + "=d")
	if err != nil {
		t.Fatalf("GET: %v", err)
	}
	defer resp.Body.Close()
	var got bytes.Buffer
	reads := 0
	buf := make([]byte, len(want))
	for {
		n, err := resp.Body.Read(buf)
		if n > 0 {
			reads++
			got.Write(buf[:n])
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("read the throttled body after %d bytes: %v", got.Len(), err)
		}
	}
	if reads < 2 {
		t.Errorf("throttled body of %d bytes arrived in %d read, want more than one", len(want), reads)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("throttled body is %d bytes and differs from the %d-byte download", got.Len(), len(want))
	}
	if resp.ContentLength != int64(len(want)) {
		t.Errorf("Content-Length = %d, want %d", resp.ContentLength, len(want))
	}
}

func TestDownloadThrottledClientCancels(t *testing.T) {
	env := startEnv(t, Options{})
	item := env.create(sample(t, "Camera Roll/IMG_1811.JPG"), "a.jpg")
	size := len(fetch(t, item.BaseURL+"=d"))

	// 1 KB a second: the whole body would take over a minute, longer than
	// the test's deadline for the server to let go of the request.
	env.inspect("POST", "faults", map[string]any{"method": "download", "bytesPerSecond": 1000}, nil)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, item.BaseURL+"=d", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET: %v", err)
	}
	defer resp.Body.Close()
	first := make([]byte, 10)
	if _, err := io.ReadFull(resp.Body, first); err != nil {
		t.Fatalf("read the first bytes: %v", err)
	}
	cancel()
	rest, err := io.ReadAll(resp.Body)
	if err == nil {
		t.Errorf("read after the cancel ended without an error")
	}
	if got := len(first) + len(rest); got >= size {
		t.Errorf("cancelled download read %d bytes, want fewer than the body's %d", got, size)
	}

	// The handler must stop writing when the client goes away, and not
	// keep the request open until the whole body was paced out.
	deadline := time.Now().Add(10 * time.Second)
	for {
		var counts requestsJSON
		env.inspect("GET", "requests", nil, &counts)
		if counts.InFlight == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the throttled download was still in flight 10 s after the client cancelled it")
		}
	}
}

func TestFaultBytesPerSecondRejected(t *testing.T) {
	env := startEnv(t, Options{})
	cases := []struct {
		name string
		spec map[string]any
		want string
	}{
		{"zero", map[string]any{"method": "download", "bytesPerSecond": 0}, "bytesPerSecond 0 must be positive"},
		{"negative", map[string]any{"method": "download", "bytesPerSecond": -5}, "bytesPerSecond -5 must be positive"},
		{"other method", map[string]any{"method": "albums.list", "bytesPerSecond": 100}, "bytesPerSecond 100 needs method download"},
		{"no method", map[string]any{"bytesPerSecond": 100}, "bytesPerSecond 100 needs method download"},
		{"with status", map[string]any{"method": "download", "bytesPerSecond": 100, "status": 500}, "remove status"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, _, body := env.doAs("", "POST", "/emulator/v1/faults", c.spec)
			if status != http.StatusBadRequest {
				t.Errorf("status %d, want 400: %s", status, body)
			}
			if msg := googleError(t, body).Message; !strings.Contains(msg, c.want) {
				t.Errorf("message %q does not contain %q", msg, c.want)
			}
		})
	}
	var listed struct {
		Faults []faultSpec `json:"faults"`
	}
	env.inspect("GET", "faults", nil, &listed)
	if len(listed.Faults) != 0 {
		t.Errorf("rejected faults were added: %+v", listed.Faults)
	}
}
