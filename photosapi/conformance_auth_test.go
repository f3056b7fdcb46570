package photosapi_test

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/photosync/photosync/photosapi"
	"github.com/photosync/photosync/photosapi/api"
	"github.com/photosync/photosync/photosapi/emulator"
)

func TestConformanceExpiredAccessTokenRefreshed(t *testing.T) {
	e := startEnv(t, emulator.Options{}, nil)
	album, err := e.client.CreateAlbum(t.Context(), "A")
	if err != nil {
		t.Fatal(err)
	}
	// On the emulator's clock the access token is now two hours old and
	// expired, while the client's clock still calls it valid.
	e.inspect(t, http.MethodPost, "clock", map[string]string{"advance": "2h"}, nil)
	e.resetRequests(t)

	if _, err := e.client.GetAlbum(t.Context(), album.ID); err != nil {
		t.Fatalf("GetAlbum after the token expired on the server: %v", err)
	}
	if n := e.requests(t).ByMethod["albums.get"]; n != 2 {
		t.Errorf("emulator saw %d albums.get requests, want 2: one rejected, one with the new token", n)
	}
	if len(e.rec.waits) != 0 {
		t.Errorf("client waited %v before using the new token", e.rec.waits)
	}
}

func TestConformanceRequestHookMatchesServerCount(t *testing.T) {
	e := startEnv(t, emulator.Options{}, nil)
	ctx := t.Context()
	_, photo := sample(t, "Camera Roll/IMG_1811.JPG")

	e.fault(t, map[string]any{"method": "albums.list", "status": 503, "count": 1})
	album, err := e.client.CreateAlbum(ctx, "A")
	if err != nil {
		t.Fatal(err)
	}
	item := createItem(t, e, photo, "IMG_1811.JPG", album.ID)
	if err := firstError(e.client.ListAlbums(ctx, photosapi.ListOptions{})); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.Download(ctx, item.BaseURL, "d", &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}

	counted := 0
	downloads := 0
	for _, a := range e.rec.attempts {
		if a.CountsTowardQuota() {
			counted++
		} else {
			downloads++
		}
	}
	server := e.requests(t)
	if want := server.Total - server.ByMethod[api.MethodDownload] - server.ByMethod["token"]; counted != want {
		t.Errorf("hook counted %d quota requests, emulator %d (by method %v)", counted, want, server.ByMethod)
	}
	if downloads != 1 {
		t.Errorf("hook saw %d downloads, want 1", downloads)
	}
}

func TestConformanceUnicodeFileName(t *testing.T) {
	e := startEnv(t, emulator.Options{}, nil)
	const name = "Café – 東京 #1.jpg"
	_, data := sample(t, "Tricky/"+name)
	token, err := e.client.UploadRaw(t.Context(), bytes.NewReader(data), int64(len(data)), name, "image/jpeg")
	if err != nil {
		t.Fatal(err)
	}
	// No file name in batchCreate, so the name sent with the bytes counts.
	results, err := e.client.BatchCreate(t.Context(), api.BatchCreateMediaItemsRequest{
		NewMediaItems: []api.NewMediaItem{{SimpleMediaItem: &api.SimpleMediaItem{UploadToken: token}}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := results[0].Err(); err != nil {
		t.Fatal(err)
	}
	if got := results[0].MediaItem.Filename; got != name {
		t.Errorf("filename = %q, want %q", got, name)
	}
}

func TestConformanceUploadTokenExpires(t *testing.T) {
	e := startEnv(t, emulator.Options{}, nil)
	_, photo := sample(t, "Camera Roll/IMG_1811.JPG")
	token, err := e.client.UploadRaw(t.Context(), bytes.NewReader(photo), int64(len(photo)), "a.jpg", "image/jpeg")
	if err != nil {
		t.Fatal(err)
	}
	// Upload tokens live one day.
	e.inspect(t, http.MethodPost, "clock", map[string]string{"advance": "25h"}, nil)
	results, err := e.client.BatchCreate(t.Context(), api.BatchCreateMediaItemsRequest{
		NewMediaItems: []api.NewMediaItem{{SimpleMediaItem: &api.SimpleMediaItem{UploadToken: token}}}})
	if err == nil {
		err = results[0].Err()
	}
	if !api.IsPermanent(err) {
		t.Errorf("creating from an expired token: IsPermanent(%v) = false", err)
	}
	if n := len(e.items(t)); n != 0 {
		t.Errorf("emulator holds %d items, want 0", n)
	}
}
