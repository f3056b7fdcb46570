package emulator

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"testing/iotest"
)

// startSession starts a resumable upload and returns the session URL.
func startSession(t *testing.T, env *testEnv, size int, name string) string {
	t.Helper()
	status, header, body := env.do("POST", "/v1/uploads", nil,
		"X-Goog-Upload-Command", "start", "X-Goog-Upload-Protocol", "resumable",
		"X-Goog-Upload-Content-Type", "image/jpeg", "X-Goog-Upload-Raw-Size", strconv.Itoa(size),
		"X-Goog-Upload-File-Name", name)
	if status != 200 || header.Get("X-Goog-Upload-Status") != "active" {
		t.Fatalf("start: %d %v %s", status, header, body)
	}
	if got, want := header.Get("X-Goog-Upload-Chunk-Granularity"), env.options.withDefaults().ChunkGranularity; got != strconv.FormatInt(want, 10) {
		t.Errorf("granularity = %q, want %d", got, want)
	}
	return header.Get("X-Goog-Upload-URL")
}

func querySession(t *testing.T, env *testEnv, sessionURL string) (string, int64) {
	t.Helper()
	status, header, body := env.do("POST", sessionURL, nil, "X-Goog-Upload-Command", "query")
	if status != 200 {
		t.Fatalf("query: %d %s", status, body)
	}
	n, err := strconv.ParseInt(header.Get("X-Goog-Upload-Size-Received"), 10, 64)
	if err != nil {
		t.Fatalf("query: X-Goog-Upload-Size-Received %q", header.Get("X-Goog-Upload-Size-Received"))
	}
	return header.Get("X-Goog-Upload-Status"), n
}

func TestResumableUploadInChunks(t *testing.T) {
	env := startEnv(t, Options{ChunkGranularity: 1024})
	data := sample(t, "Camera Roll/IMG_1811.JPG")
	sessionURL := startSession(t, env, len(data), "chunked.jpg")

	status, header, body := env.do("POST", sessionURL, data[:1000], "X-Goog-Upload-Command", "upload", "X-Goog-Upload-Offset", "0")
	if status != 400 {
		t.Errorf("chunk off granularity: %d %s, want 400", status, body)
	}
	status, header, body = env.do("POST", sessionURL, data[:2048], "X-Goog-Upload-Command", "upload", "X-Goog-Upload-Offset", "0")
	if status != 200 || header.Get("X-Goog-Upload-Size-Received") != "2048" {
		t.Fatalf("first chunk: %d %v %s", status, header, body)
	}
	status, header, body = env.do("POST", sessionURL, data[1024:2048], "X-Goog-Upload-Command", "upload", "X-Goog-Upload-Offset", "1024")
	if status != 400 || header.Get("X-Goog-Upload-Size-Received") != "2048" {
		t.Errorf("offset mismatch: %d %v %s, want 400 with the received size", status, header, body)
	}
	status, header, body = env.do("POST", sessionURL, data[2048:], "X-Goog-Upload-Command", "upload, finalize", "X-Goog-Upload-Offset", "2048")
	if status != 200 || header.Get("X-Goog-Upload-Status") != "final" || len(body) == 0 {
		t.Fatalf("final chunk: %d %v %s", status, header, body)
	}
	token := string(body)
	state, received := querySession(t, env, sessionURL)
	if state != "final" || received != int64(len(data)) {
		t.Errorf("query after finalize = %s %d, want final %d", state, received, len(data))
	}

	var resp batchCreateResponse
	env.mustJSON("POST", "/v1/mediaItems:batchCreate", map[string]any{"newMediaItems": []any{
		map[string]any{"simpleMediaItem": map[string]any{"uploadToken": token}}}}, &resp)
	if got := resp.NewMediaItemResults[0].MediaItem; got == nil || got.Filename != "chunked.jpg" {
		t.Errorf("item from resumable upload = %+v, want filename chunked.jpg", got)
	}
}

func TestResumableUploadResumesAfterDrop(t *testing.T) {
	env := startEnv(t, Options{ChunkGranularity: 4096})
	data := sample(t, "Camera Roll/IMG_1811.JPG")
	sessionURL := startSession(t, env, len(data), "dropped.jpg")
	env.inspect("DELETE", "requests", nil, nil)

	const drop = 10000
	env.inspect("POST", "faults", map[string]any{"method": "uploads", "dropAfterBytes": drop, "count": 1}, nil)
	req, _ := http.NewRequestWithContext(t.Context(), "POST", sessionURL, bytes.NewReader(data))
	req.Header.Set("Authorization", "Bearer "+env.token)
	req.Header.Set("X-Goog-Upload-Command", "upload, finalize")
	req.Header.Set("X-Goog-Upload-Offset", "0")
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("upload with a drop fault answered %d, want a broken connection", resp.StatusCode)
	}

	state, received := querySession(t, env, sessionURL)
	if state != "active" || received != 8192 {
		t.Fatalf("query after drop = %s %d, want active 8192 (whole granules only)", state, received)
	}
	status, header, body := env.do("POST", sessionURL, data[received:], "X-Goog-Upload-Command", "upload, finalize",
		"X-Goog-Upload-Offset", strconv.FormatInt(received, 10))
	if status != 200 || header.Get("X-Goog-Upload-Status") != "final" {
		t.Fatalf("resume: %d %s", status, body)
	}
	env.create(data, "dropped.jpg")
	var items struct{ Items []inspectItemJSON }
	env.inspect("GET", "items", nil, &items)
	if len(items.Items) != 1 {
		t.Errorf("library holds %d items, want 1", len(items.Items))
	}
	var counts requestsJSON
	env.inspect("GET", "requests", nil, &counts)
	// The dropped request sent 10000 bytes, the resume the rest, and the
	// raw upload of env.create the whole file again.
	if want := int64(drop) + int64(len(data)) - received + int64(len(data)); counts.UploadBytes != want {
		t.Errorf("uploadBytes = %d, want %d", counts.UploadBytes, want)
	}
}

func TestResumableCancelAndBadCommands(t *testing.T) {
	env := startEnv(t, Options{})
	sessionURL := startSession(t, env, 10, "c.jpg")
	status, header, _ := env.do("POST", sessionURL, nil, "X-Goog-Upload-Command", "cancel")
	if status != 200 || header.Get("X-Goog-Upload-Status") != "cancelled" {
		t.Errorf("cancel: %d %v", status, header)
	}
	status, _, body := env.do("POST", sessionURL, "0123456789", "X-Goog-Upload-Command", "upload, finalize", "X-Goog-Upload-Offset", "0")
	if status != 400 {
		t.Errorf("upload to a cancelled session: %d %s, want 400", status, body)
	}
	for _, tc := range []struct{ name, protocol, command string }{
		{"no protocol", "", ""},
		{"resumable without start", "resumable", "upload"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, _, body := env.do("POST", "/v1/uploads", "x", "X-Goog-Upload-Protocol", tc.protocol, "X-Goog-Upload-Command", tc.command)
			if e := googleError(t, body); status != 400 || e.Status != "INVALID_ARGUMENT" {
				t.Errorf("got %d %s", status, body)
			}
		})
	}
	status, _, _ = env.do("POST", "/v1/uploads?upload_id=unknown&upload_protocol=resumable", nil, "X-Goog-Upload-Command", "query")
	if status != 404 {
		t.Errorf("query of an unknown session: status %d, want 404", status)
	}
	sessionURL = startSession(t, env, 10, "d.jpg")
	status, _, body = env.do("POST", sessionURL, "0123456789AB", "X-Goog-Upload-Command", "upload, finalize", "X-Goog-Upload-Offset", "0")
	if status != 400 {
		t.Errorf("more bytes than X-Goog-Upload-Raw-Size: %d %s, want 400", status, body)
	}
}

func TestDropFaultOnSessionStart(t *testing.T) {
	env := startEnv(t, Options{})
	env.inspect("POST", "faults", map[string]any{"method": "uploads", "dropAfterBytes": 1, "count": 1}, nil)
	req, _ := http.NewRequestWithContext(t.Context(), "POST", env.run.URL+"/v1/uploads", nil)
	req.Header.Set("Authorization", "Bearer "+env.token)
	req.Header.Set("X-Goog-Upload-Protocol", "resumable")
	req.Header.Set("X-Goog-Upload-Command", "start")
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Errorf("start with a drop fault answered %d, want a broken connection", resp.StatusCode)
	}
	env.run.Server.mu.Lock()
	sessions := len(env.run.Server.st.Sessions)
	env.run.Server.mu.Unlock()
	if sessions != 0 {
		t.Errorf("a dropped start created %d sessions", sessions)
	}
}

func TestResumableSessionExpiresAfterAWeek(t *testing.T) {
	env := startEnv(t, Options{})
	sessionURL := startSession(t, env, 10, "old.jpg")
	env.clock.Advance(sessionLifetime)
	env.token = env.accessToken("client-a", "refresh-a")
	status, _, body := env.do("POST", sessionURL, nil, "X-Goog-Upload-Command", "query")
	if status != 404 {
		t.Errorf("query of a week-old session = %d %s, want 404", status, body)
	}
	startSession(t, env, 10, "new.jpg")
	// Starts prune only every pruneEvery sessions, so the prune is called
	// directly here.
	srv := env.run.Server
	srv.mu.Lock()
	srv.pruneSessionsLocked()
	sessions := len(srv.st.Sessions)
	srv.mu.Unlock()
	if sessions != 1 {
		t.Errorf("%d sessions kept after a prune, want only the new one", sessions)
	}
}

func TestParallelIdenticalUploadsKeepOneBlob(t *testing.T) {
	env := startEnv(t, Options{})
	data := sample(t, "Camera Roll/IMG_1811.JPG")
	const uploads = 8
	tokens := make([]string, uploads)
	errs := make([]error, uploads)
	var wg sync.WaitGroup
	for i := range uploads {
		wg.Go(func() {
			tokens[i], errs[i] = postRawUpload(t.Context(), env, data, fmt.Sprintf("copy-%d.jpg", i))
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("upload %d: %v", i, err)
		}
	}

	blobs, ok := env.run.Server.blobs.(*memBlobs)
	if !ok {
		t.Fatalf("blob store is %T, want *memBlobs", env.run.Server.blobs)
	}
	if n := blobs.len(); n != 1 {
		t.Errorf("%d identical uploads left %d blobs, want 1", uploads, n)
	}
	stored, err := blobs.get(hexSHA256(data))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(stored, data) {
		t.Errorf("stored blob of %d bytes differs from the %d uploaded", len(stored), len(data))
	}

	var ids []string
	for _, token := range tokens {
		var resp batchCreateResponse
		env.mustJSON("POST", "/v1/mediaItems:batchCreate", map[string]any{"newMediaItems": []any{
			map[string]any{"simpleMediaItem": map[string]any{"uploadToken": token}}}}, &resp)
		if got := resp.NewMediaItemResults[0].MediaItem; got != nil {
			ids = append(ids, got.ID)
		}
	}
	if len(ids) != uploads {
		t.Fatalf("created %d items from %d tokens", len(ids), uploads)
	}
	for _, id := range ids[1:] {
		if id != ids[0] {
			t.Errorf("identical uploads gave items %s and %s, want one", ids[0], id)
		}
	}
}

// postRawUpload sends data as a raw upload and returns the upload token.
// It reports failures as errors, so that goroutines can call it.
func postRawUpload(ctx context.Context, env *testEnv, data []byte, fileName string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, "POST", env.run.URL+"/v1/uploads", bytes.NewReader(data))
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+env.token)
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("X-Goog-Upload-Protocol", "raw")
	req.Header.Set("X-Goog-Upload-File-Name", fileName)
	resp, err := env.http.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("raw upload of %s: HTTP %d: %s", fileName, resp.StatusCode, body)
	}
	return string(body), nil
}

func hexSHA256(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

func TestBlobWriteAtOffset(t *testing.T) {
	dirStore, err := newDirBlobs(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for name, store := range map[string]blobStore{"memory": newMemBlobs(), "directory": dirStore} {
		t.Run(name, func(t *testing.T) {
			if err := store.writeAt("k", 0, []byte("abcdef")); err != nil {
				t.Fatal(err)
			}
			before, err := store.get("k")
			if err != nil {
				t.Fatal(err)
			}
			// Writing at 3 drops "def", as after a crash that lost the
			// session's record of them.
			if err := store.writeAt("k", 3, []byte("XY")); err != nil {
				t.Fatal(err)
			}
			got, err := store.get("k")
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != "abcXY" {
				t.Errorf("blob after writeAt(3) = %q, want %q", got, "abcXY")
			}
			if string(before) != "abcdef" {
				t.Errorf("slice returned before writeAt changed to %q", before)
			}
			if err := store.writeAt("k", 6, []byte("Z")); err == nil {
				t.Error("writeAt past the end of a 5-byte blob succeeded, want an error")
			}
			if err := store.writeAt("new", 1, []byte("Z")); err == nil {
				t.Error("writeAt(1) on a missing blob succeeded, want an error")
			}
		})
	}
}

func TestConcurrentChunksAtSameOffset(t *testing.T) {
	env := startEnv(t, Options{ChunkGranularity: 1024})
	data := sample(t, "Camera Roll/IMG_1811.JPG")
	sessionURL := startSession(t, env, len(data), "raced.jpg")

	const senders = 4
	statuses := make([]int, senders)
	errs := make([]error, senders)
	var wg sync.WaitGroup
	for i := range senders {
		wg.Go(func() {
			req, err := http.NewRequestWithContext(t.Context(), "POST", sessionURL, bytes.NewReader(data[:2048]))
			if err != nil {
				errs[i] = err
				return
			}
			req.Header.Set("Authorization", "Bearer "+env.token)
			req.Header.Set("X-Goog-Upload-Command", "upload")
			req.Header.Set("X-Goog-Upload-Offset", "0")
			resp, err := env.http.Do(req)
			if err != nil {
				errs[i] = err
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			statuses[i] = resp.StatusCode
		})
	}
	wg.Wait()
	accepted := 0
	for i, status := range statuses {
		if errs[i] != nil {
			t.Fatalf("chunk %d: %v", i, errs[i])
		}
		switch status {
		case http.StatusOK:
			accepted++
		case http.StatusBadRequest:
		default:
			t.Errorf("chunk %d: status %d, want 200 or 400", i, status)
		}
	}
	if accepted != 1 {
		t.Errorf("%d of %d identical chunks at offset 0 were accepted, want 1", accepted, senders)
	}
	if state, received := querySession(t, env, sessionURL); state != "active" || received != 2048 {
		t.Fatalf("session after the race = %s %d, want active 2048", state, received)
	}

	status, _, body := env.do("POST", sessionURL, data[2048:], "X-Goog-Upload-Command", "upload, finalize", "X-Goog-Upload-Offset", "2048")
	if status != 200 {
		t.Fatalf("final chunk: %d %s", status, body)
	}
	stored, err := env.run.Server.blobs.get(hexSHA256(data))
	if err != nil {
		t.Fatalf("blob of the finished upload: %v", err)
	}
	if !bytes.Equal(stored, data) {
		t.Errorf("finished upload stored %d bytes that differ from the %d sent", len(stored), len(data))
	}
}

func TestReadAllMatchesIOReadAll(t *testing.T) {
	body := bytes.Repeat([]byte("0123456789"), 500)
	failure := errors.New("connection reset")
	readers := []struct {
		name string
		make func() io.Reader
	}{
		{"plain", func() io.Reader { return bytes.NewReader(body) }},
		{"one byte at a time", func() io.Reader { return iotest.OneByteReader(bytes.NewReader(body)) }},
		{"data with EOF", func() io.Reader { return iotest.DataErrReader(bytes.NewReader(body)) }},
		{"error midway", func() io.Reader { return io.MultiReader(bytes.NewReader(body[:700]), iotest.ErrReader(failure)) }},
		{"empty", func() io.Reader { return bytes.NewReader(nil) }},
	}
	for _, r := range readers {
		for _, size := range []int64{-1, 0, 1, 700, int64(len(body)) - 1, int64(len(body)), int64(len(body)) + 1, 3 * int64(len(body))} {
			want, wantErr := io.ReadAll(r.make())
			got, err := readAll(r.make(), size)
			if !bytes.Equal(got, want) || err != wantErr {
				t.Errorf("%s with size %d: readAll = %d bytes, %v; io.ReadAll = %d bytes, %v", r.name, size, len(got), err, len(want), wantErr)
			}
		}
	}
}

func TestMemBlobsPutKeepsCallerArray(t *testing.T) {
	blobs := newMemBlobs()
	data := make([]byte, 3, 8)
	copy(data, "abc")
	if err := blobs.put("k", data); err != nil {
		t.Fatal(err)
	}
	if err := blobs.writeAt("k", 3, []byte("def")); err != nil {
		t.Fatal(err)
	}
	if spare := data[3:cap(data)]; !bytes.Equal(spare, make([]byte, len(spare))) {
		t.Errorf("writeAt after put wrote %q into the caller's spare capacity", spare)
	}
	got, err := blobs.get("k")
	if err != nil || string(got) != "abcdef" {
		t.Errorf("get = %q, %v, want abcdef", got, err)
	}
}
