package testenv

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/photosync/photosync/photosapi/emulator"
)

// Emulator is an emulator on 127.0.0.1 and a client of its inspection API
// under /emulator/v1/. Every method fails the test it was made for.
type Emulator struct {
	// URL is the emulator's base URL, such as "http://127.0.0.1:40123".
	URL string
	// Running is the emulator that StartEmulator started in the test
	// process.
	Running *emulator.Running
	tb      testing.TB
}

// StartEmulator starts an emulator with opts on a free port of 127.0.0.1
// in the test process, so that it outlives a killed binary, and closes it
// when the test ends.
func StartEmulator(tb testing.TB, opts emulator.Options) *Emulator {
	tb.Helper()
	running, err := emulator.Start(opts, "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("start emulator: %v", err)
	}
	tb.Cleanup(func() { running.Close() })
	return &Emulator{URL: running.URL, Running: running, tb: tb}
}

// Get decodes the JSON body of GET /emulator/v1/WHAT into out.
func (e *Emulator) Get(what string, out any) {
	e.tb.Helper()
	resp, err := http.Get(e.URL + "/emulator/v1/" + what)
	if err != nil {
		e.tb.Fatalf("inspect %s: %v", what, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		e.tb.Fatalf("inspect %s: %v", what, err)
	}
	if err := json.Unmarshal(body, out); err != nil {
		e.tb.Fatalf("inspect %s: %v in %s", what, err, body)
	}
}

// Call sends method to /emulator/v1/WHAT with a JSON body and fails the
// test unless the status is 2xx.
func (e *Emulator) Call(method, what, body string) {
	e.tb.Helper()
	req, err := http.NewRequest(method, e.URL+"/emulator/v1/"+what, strings.NewReader(body))
	if err != nil {
		e.tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.tb.Fatalf("%s %s: %v", method, what, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		msg, _ := io.ReadAll(resp.Body)
		e.tb.Fatalf("%s %s %s: HTTP %d: %s", method, what, body, resp.StatusCode, msg)
	}
}

// AddFault adds the fault that spec, a JSON object, describes.
func (e *Emulator) AddFault(spec string) { e.tb.Helper(); e.Call(http.MethodPost, "faults", spec) }

// ClearFaults removes every fault.
func (e *Emulator) ClearFaults() { e.tb.Helper(); e.Call(http.MethodDelete, "faults", "") }

// AdvanceClock moves the emulator's clock forward by a Go duration, such
// as "25h".
func (e *Emulator) AdvanceClock(by string) {
	e.tb.Helper()
	e.Call(http.MethodPost, "clock", `{"advance":"`+by+`"}`)
}

// ResetRequests sets every request count to zero.
func (e *Emulator) ResetRequests() { e.tb.Helper(); e.Call(http.MethodDelete, "requests", "") }

// Requests is the body of GET /emulator/v1/requests.
type Requests struct {
	Total int `json:"total"`
	// ByMethod counts requests by API method, such as "uploads" or
	// "mediaItems.batchCreate".
	ByMethod    map[string]int `json:"byMethod"`
	UploadBytes int64          `json:"uploadBytes"`
	// InFlight is the number of API requests that have arrived and have
	// no response yet.
	InFlight int `json:"inFlight"`
	// Connections is the number of TCP connections accepted.
	Connections int `json:"connections"`
}

// Requests returns the emulator's request counts.
func (e *Emulator) Requests() Requests {
	e.tb.Helper()
	var r Requests
	e.Get("requests", &r)
	return r
}

// Item is a media item of GET /emulator/v1/items.
type Item struct {
	ID       string   `json:"id"`
	Filename string   `json:"filename"`
	SHA256   string   `json:"sha256"`
	AlbumIDs []string `json:"albumIds"`
}

// Album is an album of GET /emulator/v1/albums.
type Album struct {
	ID           string   `json:"id"`
	Title        string   `json:"title"`
	MediaItemIDs []string `json:"mediaItemIds"`
}

// Items returns every media item of the library.
func (e *Emulator) Items() []Item {
	e.tb.Helper()
	var body struct {
		Items []Item `json:"items"`
	}
	e.Get("items", &body)
	return body.Items
}

// Albums returns every album of the library.
func (e *Emulator) Albums() []Album {
	e.tb.Helper()
	var body struct {
		Albums []Album `json:"albums"`
	}
	e.Get("albums", &body)
	return body.Albums
}

// Library returns the items and then the albums.
func (e *Emulator) Library() ([]Item, []Album) {
	e.tb.Helper()
	return e.Items(), e.Albums()
}

// WaitIdle polls the request counts until no API request is in flight, such
// as the uploads that a killed run left on their way, and fails the test
// after timeout.
func (e *Emulator) WaitIdle(timeout time.Duration) {
	e.tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		n := e.Requests().InFlight
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			e.tb.Fatalf("timed out after %v: the emulator still has %d requests in flight", timeout, n)
		}
		time.Sleep(10 * time.Millisecond) // polling interval, not synchronization
	}
}
