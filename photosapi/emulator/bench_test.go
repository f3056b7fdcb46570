package emulator

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// benchServer is an in-memory Server driven through ServeHTTP, so that the
// benchmarks measure the emulator and not the loopback network.
type benchServer struct {
	srv   *Server
	token string
}

func newBenchServer(b *testing.B, opts Options) *benchServer {
	opts.DailyQuota = -1
	srv, err := New(opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Close() })
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/token", strings.NewReader("grant_type=refresh_token&refresh_token=r&client_id=c"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	srv.ServeHTTP(rec, req)
	var tok tokenResponse
	json.Unmarshal(rec.Body.Bytes(), &tok)
	return &benchServer{srv: srv, token: tok.AccessToken}
}

func (bs *benchServer) do(b *testing.B, method, path string, body []byte, header ...string) []byte {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+bs.token)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	bs.srv.ServeHTTP(rec, req)
	if rec.Code != 200 {
		b.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body.Bytes())
	}
	return rec.Body.Bytes()
}

// createItems uploads n distinct variants of a small JPEG and creates them
// in batches of 50.
func (bs *benchServer) createItems(b *testing.B, base []byte, n, offset int) {
	for start := 0; start < n; start += maxBatchIDs {
		var items []string
		for i := start; i < min(start+maxBatchIDs, n); i++ {
			data := append(append([]byte(nil), base...), []byte(strconv.Itoa(offset+i))...)
			token := bs.do(b, "POST", "/v1/uploads", data, "X-Goog-Upload-Protocol", "raw")
			items = append(items, `{"simpleMediaItem":{"uploadToken":"`+string(token)+`"}}`)
		}
		bs.do(b, "POST", "/v1/mediaItems:batchCreate", []byte(`{"newMediaItems":[`+strings.Join(items, ",")+`]}`))
	}
}

func BenchmarkBatchCreate50(b *testing.B) {
	base := sample(&testing.T{}, "Tricky/no_exif.jpg")
	bs := newBenchServer(b, Options{})
	offset := 0
	for b.Loop() {
		bs.createItems(b, base, maxBatchIDs, offset)
		offset += maxBatchIDs
	}
}

func BenchmarkBatchCreate50Persistent(b *testing.B) {
	base := sample(&testing.T{}, "Tricky/no_exif.jpg")
	bs := newBenchServer(b, Options{DataDir: b.TempDir()})
	offset := 0
	for b.Loop() {
		bs.createItems(b, base, maxBatchIDs, offset)
		offset += maxBatchIDs
	}
}

func BenchmarkListPageOf2000(b *testing.B) {
	base := sample(&testing.T{}, "Tricky/no_exif.jpg")
	bs := newBenchServer(b, Options{})
	bs.createItems(b, base, 2000, 0)
	for b.Loop() {
		bs.do(b, "GET", "/v1/mediaItems?pageSize=100", nil)
	}
}

// BenchmarkBatchCreateOnly50 times batchCreate requests of 50 new items
// alone: the uploads that make their tokens run with the timer stopped.
func BenchmarkBatchCreateOnly50(b *testing.B) {
	base := sample(&testing.T{}, "Tricky/no_exif.jpg")
	bs := newBenchServer(b, Options{})
	offset := 0
	for b.Loop() {
		b.StopTimer()
		items := make([]string, 0, maxBatchIDs)
		for i := range maxBatchIDs {
			data := append(append([]byte(nil), base...), []byte(strconv.Itoa(offset+i))...)
			token := bs.do(b, "POST", "/v1/uploads", data, "X-Goog-Upload-Protocol", "raw")
			items = append(items, `{"simpleMediaItem":{"uploadToken":"`+string(token)+`","fileName":"IMG_`+strconv.Itoa(offset+i)+`.jpg"}}`)
		}
		offset += maxBatchIDs
		body := []byte(`{"newMediaItems":[` + strings.Join(items, ",") + `]}`)
		b.StartTimer()
		bs.do(b, "POST", "/v1/mediaItems:batchCreate", body)
	}
}
