package photosapi_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"slices"
	"testing"

	"github.com/photosync/photosync/photosapi"
	"github.com/photosync/photosync/photosapi/api"
	"github.com/photosync/photosync/photosapi/emulator"
)

const granule = emulator.DefaultChunkGranularity

// createFromToken creates one item from token and returns it.
func createFromToken(t *testing.T, e *env, token, name string) api.MediaItem {
	t.Helper()
	results, err := e.client.BatchCreate(t.Context(), api.BatchCreateMediaItemsRequest{
		NewMediaItems: []api.NewMediaItem{{SimpleMediaItem: &api.SimpleMediaItem{UploadToken: token, FileName: name}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := results[0].Err(); err != nil {
		t.Fatal(err)
	}
	return *results[0].MediaItem
}

// checkStored fails unless the emulator holds exactly one item, with the
// SHA-256 of data.
func checkStored(t *testing.T, e *env, data []byte) {
	t.Helper()
	stored := e.items(t)
	if len(stored) != 1 {
		t.Fatalf("emulator holds %d items, want 1", len(stored))
	}
	sum := sha256.Sum256(data)
	if stored[0].SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("stored sha256 %s differs from the file's", stored[0].SHA256)
	}
}

func TestResumableUploadInChunks(t *testing.T) {
	e := startEnv(t, emulator.Options{}, func(o *photosapi.Options) { o.ChunkSize = granule*4 + 1000 })
	data := bigJPEG(t, 3<<20+12345, 1)

	up, err := e.client.StartResumable(t.Context(), int64(len(data)), "big.jpg", "image/jpeg")
	if err != nil {
		t.Fatal(err)
	}
	if up.URL == "" || up.Granularity != granule {
		t.Errorf("session = %+v, want a URL and granularity %d", up, granule)
	}
	token, err := up.Upload(t.Context(), bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	createFromToken(t, e, token, "big.jpg")
	checkStored(t, e, data)

	counts := e.requests(t)
	// One start and four chunks: three of 1 MiB and a final one.
	if n := counts.ByMethod["uploads"]; n != 5 {
		t.Errorf("emulator saw %d upload requests, want 5", n)
	}
	if counts.UploadBytes != int64(len(data)) {
		t.Errorf("emulator received %d bytes, want %d", counts.UploadBytes, len(data))
	}
}

func TestResumableResumesAfterDroppedConnection(t *testing.T) {
	e := startEnv(t, emulator.Options{}, nil)
	data := bigJPEG(t, 3<<20, 2)
	up, err := e.client.StartResumable(t.Context(), int64(len(data)), "big.jpg", "image/jpeg")
	if err != nil {
		t.Fatal(err)
	}

	// The connection drops in the middle of the single chunk, 1000 bytes
	// into the seventh granule.
	const dropAt = 6*granule + 1000
	e.fault(t, map[string]any{"method": "uploads", "dropAfterBytes": dropAt, "count": 1})
	e.resetRequests(t)

	token, err := up.Upload(t.Context(), bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	createFromToken(t, e, token, "big.jpg")
	checkStored(t, e, data)

	counts := e.requests(t)
	// The server kept six whole granules, so only the 1000 bytes of the
	// broken granule go out twice.
	if resent := counts.UploadBytes - int64(len(data)); resent != 1000 {
		t.Errorf("client sent %d bytes twice, want 1000", resent)
	}
	// The dropped chunk, a query and the rest.
	if n := counts.ByMethod["uploads"]; n != 3 {
		t.Errorf("emulator saw %d upload requests, want 3", n)
	}
	if len(e.rec.waits) != 1 {
		t.Errorf("client waited %d times, want 1", len(e.rec.waits))
	}
}

func TestResumableResumesAfterServerError(t *testing.T) {
	const chunk = 4 * granule
	e := startEnv(t, emulator.Options{}, func(o *photosapi.Options) { o.ChunkSize = chunk })
	data := bigJPEG(t, 3*chunk, 4)
	up, err := e.client.StartResumable(t.Context(), int64(len(data)), "big.jpg", "image/jpeg")
	if err != nil {
		t.Fatal(err)
	}

	// The first chunk goes through and the second gets a 503 after the
	// server has read all of it.
	e.fault(t, map[string]any{"method": "uploads", "status": 503, "count": 1, "after": 1})
	e.resetRequests(t)

	token, err := up.Upload(t.Context(), bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	createFromToken(t, e, token, "big.jpg")
	checkStored(t, e, data)

	counts := e.requests(t)
	// The server kept none of the failed chunk, so exactly that chunk goes
	// out twice.
	if resent := counts.UploadBytes - int64(len(data)); resent != chunk {
		t.Errorf("client sent %d bytes twice, want the failed chunk of %d", resent, chunk)
	}
	// The first chunk, the second twice with a query between, the third.
	if n := counts.ByMethod["uploads"]; n != 5 {
		t.Errorf("emulator saw %d upload requests, want 5", n)
	}
	type attempt struct {
		status int
		sent   int64
	}
	var got []attempt
	for _, a := range e.rec.attempts[1:] { // after the session start
		if a.Method == api.MethodUploads {
			got = append(got, attempt{a.StatusCode, a.BytesSent})
		}
	}
	want := []attempt{{200, chunk}, {503, chunk}, {200, 0}, {200, chunk}, {200, chunk}}
	if !slices.Equal(got, want) {
		t.Errorf("upload attempts (status, bytes sent) = %v, want %v", got, want)
	}
	if len(e.rec.waits) != 1 {
		t.Errorf("client waited %d times, want 1", len(e.rec.waits))
	}
}

func TestResumeUploadAfterRestart(t *testing.T) {
	e := startEnv(t, emulator.Options{}, func(o *photosapi.Options) { o.MaxRetries = -1 })
	data := bigJPEG(t, 2<<20, 3)
	up, err := e.client.StartResumable(t.Context(), int64(len(data)), "big.jpg", "image/jpeg")
	if err != nil {
		t.Fatal(err)
	}
	saved := up.URL

	e.fault(t, map[string]any{"method": "uploads", "dropAfterBytes": 5 * granule, "count": 1})
	if _, err := up.Upload(t.Context(), bytes.NewReader(data)); !api.IsRetryable(err) {
		t.Fatalf("interrupted upload: IsRetryable(%v) = false", err)
	}

	// A new client stands for the process after a restart.
	restarted := startEnvClient(t, e)
	resumed, err := restarted.ResumeUpload(saved, int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	state, err := resumed.Query(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if state.Status != photosapi.UploadActive || state.Received != 5*granule {
		t.Errorf("session state = %+v, want active with %d bytes", state, 5*granule)
	}
	token, err := resumed.Upload(t.Context(), bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	createFromToken(t, e, token, "big.jpg")
	checkStored(t, e, data)
	if got := e.requests(t).UploadBytes; got != int64(len(data)) {
		t.Errorf("emulator received %d bytes, want %d: no byte should go out twice", got, len(data))
	}

	// A finished session returns its token again.
	again, err := restarted.ResumeUpload(saved, int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	repeat, err := again.Upload(t.Context(), bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if repeat != token {
		t.Errorf("finished session returned token %q, want %q", repeat, token)
	}
}

// startEnvClient returns a second client for the emulator of e, as a
// restarted process would create it.
func startEnvClient(t *testing.T, e *env) *photosapi.Client {
	t.Helper()
	c, err := photosapi.New(photosapi.Options{Endpoint: e.emu.URL + "/", TokenSource: e.tokens, Sleep: e.rec.sleep})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestResumableCancel(t *testing.T) {
	e := startEnv(t, emulator.Options{}, nil)
	data := bigJPEG(t, granule*2, 4)
	up, err := e.client.StartResumable(t.Context(), int64(len(data)), "big.jpg", "image/jpeg")
	if err != nil {
		t.Fatal(err)
	}
	if err := up.Cancel(t.Context()); err != nil {
		t.Fatal(err)
	}
	_, err = up.Upload(t.Context(), bytes.NewReader(data))
	if !errors.Is(err, photosapi.ErrUploadCancelled) {
		t.Errorf("Upload after Cancel: %v, want ErrUploadCancelled", err)
	}
}

func TestResumeUploadRejectsOtherHost(t *testing.T) {
	c, _ := newTestClient(t, "http://127.0.0.1:1/", nil)
	_, err := c.ResumeUpload("http://127.0.0.2:1/v1/uploads?upload_id=x", 10)
	if !errors.Is(err, api.ErrInvalidRequest) {
		t.Errorf("error = %v, want api.ErrInvalidRequest", err)
	}
}

func TestUploadRawRetriedAfterDrop(t *testing.T) {
	e := startEnv(t, emulator.Options{}, nil)
	_, photo := sample(t, "Camera Roll/GOPR0042.JPG")
	e.fault(t, map[string]any{"method": "uploads", "dropAfterBytes": 100000, "count": 1})
	token, err := e.client.UploadRaw(t.Context(), bytes.NewReader(photo), int64(len(photo)), "GOPR0042.JPG", "image/jpeg")
	if err != nil {
		t.Fatal(err)
	}
	createFromToken(t, e, token, "GOPR0042.JPG")
	checkStored(t, e, photo)
}

func TestUploadRawOneShotReader(t *testing.T) {
	e := startEnv(t, emulator.Options{}, nil)
	_, photo := sample(t, "Camera Roll/GOPR0042.JPG")
	e.fault(t, map[string]any{"method": "uploads", "dropAfterBytes": 100000, "count": 1})
	// io.MultiReader hides the bytes.Reader's ReaderAt and Seeker.
	_, err := e.client.UploadRaw(t.Context(), io.MultiReader(bytes.NewReader(photo)), int64(len(photo)), "GOPR0042.JPG", "image/jpeg")
	if err == nil {
		t.Fatal("UploadRaw from a one-shot reader survived a dropped connection")
	}
	if n := e.requests(t).ByMethod["uploads"]; n != 1 {
		t.Errorf("emulator saw %d uploads, want 1", n)
	}
}

func TestResumableUploadAgainAfterFailure(t *testing.T) {
	e := startEnv(t, emulator.Options{}, func(o *photosapi.Options) { o.MaxRetries = -1 })
	data := bigJPEG(t, 2<<20, 5)
	up, err := e.client.StartResumable(t.Context(), int64(len(data)), "big.jpg", "image/jpeg")
	if err != nil {
		t.Fatal(err)
	}
	e.fault(t, map[string]any{"method": "uploads", "dropAfterBytes": 3*granule + 7, "count": 1})
	e.resetRequests(t)
	if _, err := up.Upload(t.Context(), bytes.NewReader(data)); err == nil {
		t.Fatal("Upload survived a dropped connection without retries")
	}

	// The same session object continues where the server stopped.
	token, err := up.Upload(t.Context(), bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	createFromToken(t, e, token, "big.jpg")
	checkStored(t, e, data)
	if resent := e.requests(t).UploadBytes - int64(len(data)); resent != 7 {
		t.Errorf("client sent %d bytes twice, want 7", resent)
	}
}

func TestResumableSessionFinishedElsewhere(t *testing.T) {
	e := startEnv(t, emulator.Options{}, nil)
	data := bigJPEG(t, 1<<20, 6)
	first, err := e.client.StartResumable(t.Context(), int64(len(data)), "big.jpg", "image/jpeg")
	if err != nil {
		t.Fatal(err)
	}
	second, err := e.client.ResumeUpload(first.URL, int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	want, err := second.Upload(t.Context(), bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}

	// first still believes the server holds nothing. Its chunk is
	// rejected, so it queries and finds the finished session.
	got, err := first.Upload(t.Context(), bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("token = %q, want the finished session's %q", got, want)
	}
	if len(e.rec.waits) != 0 {
		t.Errorf("client waited %v before querying", e.rec.waits)
	}
}
