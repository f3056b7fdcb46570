//go:build integration

package photosapi_test

import (
	"bytes"
	"os"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/photosync/photosync/photosapi"
	"github.com/photosync/photosync/photosapi/api"
)

// realClient returns a client for Google's Library API, authenticated with
// the OAuth client and refresh token in GPHOTOS_TEST_CLIENT_ID,
// GPHOTOS_TEST_CLIENT_SECRET and GPHOTOS_TEST_REFRESH_TOKEN. A run with the
// integration tag and without them fails, so a CI job that requires this
// suite cannot pass by skipping it.
func realClient(t *testing.T) *photosapi.Client {
	t.Helper()
	id, secret, refresh := os.Getenv("GPHOTOS_TEST_CLIENT_ID"), os.Getenv("GPHOTOS_TEST_CLIENT_SECRET"),
		os.Getenv("GPHOTOS_TEST_REFRESH_TOKEN")
	if id == "" || secret == "" || refresh == "" {
		t.Fatal("set GPHOTOS_TEST_CLIENT_ID, GPHOTOS_TEST_CLIENT_SECRET and GPHOTOS_TEST_REFRESH_TOKEN " +
			"to run the integration suite against Google")
	}
	cfg := photosapi.OAuthConfig(id, secret, "https://accounts.google.com/o/oauth2/v2/auth",
		"https://oauth2.googleapis.com/token", "http://127.0.0.1/")
	tokens := photosapi.NewTokenSource(t.Context(), cfg, &oauth2.Token{RefreshToken: refresh}, nil)
	c, err := photosapi.New(photosapi.Options{TokenSource: tokens, UserAgent: "photosync-integration-test"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestRealAPIRoundTrip runs the main path against Google. The API cannot
// delete items or albums, so each run leaves one album behind. The photo
// is always the same, so Google keeps one copy of its bytes.
func TestRealAPIRoundTrip(t *testing.T) {
	c := realClient(t)
	ctx := t.Context()

	album, err := c.CreateAlbum(ctx, "photosync integration "+time.Now().UTC().Format(time.RFC3339))
	if err != nil {
		t.Fatal(err)
	}
	_, photo := sample(t, "Camera Roll/IMG_1811.JPG")
	up, err := c.StartResumable(ctx, int64(len(photo)), "IMG_1811.JPG", "image/jpeg")
	if err != nil {
		t.Fatal(err)
	}
	token, err := up.Upload(ctx, bytes.NewReader(photo))
	if err != nil {
		t.Fatal(err)
	}
	results, err := c.BatchCreate(ctx, api.BatchCreateMediaItemsRequest{
		AlbumID:       album.ID,
		NewMediaItems: []api.NewMediaItem{{SimpleMediaItem: &api.SimpleMediaItem{UploadToken: token, FileName: "IMG_1811.JPG"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := results[0].Err(); err != nil {
		t.Fatal(err)
	}
	item := results[0].MediaItem

	got, err := c.BatchGet(ctx, []string{item.ID})
	if err != nil {
		t.Fatal(err)
	}
	if err := got[0].Err(); err != nil {
		t.Fatal(err)
	}
	inAlbum := collect(t, c.Search(ctx, api.SearchMediaItemsRequest{AlbumID: album.ID}))
	if len(inAlbum) != 1 || inAlbum[0].ID != item.ID {
		t.Errorf("album holds %v, want [%s]", itemIDs(inAlbum), item.ID)
	}
	var buf bytes.Buffer
	if _, err := c.Download(ctx, got[0].MediaItem.BaseURL, photosapi.ParamPhoto, &buf); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte{0xFF, 0xD8}) {
		t.Error("downloaded bytes do not start a JPEG")
	}
	if _, err := c.ShareAlbum(ctx, album.ID, api.SharedAlbumOptions{}); !api.IsPermanent(err) {
		t.Errorf("albums.share since March 2025: IsPermanent(%v) = false", err)
	}
}
