package sync

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/photosync/photosync/photosapi"
	"github.com/photosync/photosync/photosapi/api"
)

// createAsOtherApp uploads a file's bytes through another OAuth client of
// the same emulator, so that client owns the item of that content.
func (h *harness) createAsOtherApp(file string) string {
	h.t.Helper()
	oauthConfig := photosapi.OAuthConfig("other-app-client", "secret", h.emu.URL+"/o/oauth2/v2/auth", h.emu.URL+"/token", "")
	tokens := photosapi.NewTokenSource(context.Background(), oauthConfig,
		&oauth2.Token{RefreshToken: "other-app-refresh"}, nil)
	other, err := photosapi.New(photosapi.Options{
		Endpoint:    h.emu.URL + "/",
		TokenSource: tokens,
		HTTPClient:  &http.Client{},
		Sleep:       func(ctx context.Context, _ time.Duration) error { return ctx.Err() },
	})
	if err != nil {
		h.t.Fatalf("new client: %v", err)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		h.t.Fatal(err)
	}
	ctx := h.t.Context()
	token, err := other.UploadRaw(ctx, bytes.NewReader(data), int64(len(data)), filepath.Base(file), "image/jpeg")
	if err != nil {
		h.t.Fatalf("upload as the other app: %v", err)
	}
	results, err := other.BatchCreate(ctx, api.BatchCreateMediaItemsRequest{NewMediaItems: []api.NewMediaItem{
		{SimpleMediaItem: &api.SimpleMediaItem{UploadToken: token, FileName: filepath.Base(file)}},
	}})
	if err != nil {
		h.t.Fatalf("create as the other app: %v", err)
	}
	if err := results[0].Err(); err != nil {
		h.t.Fatalf("create as the other app: item status %v", err)
	}
	return results[0].MediaItem.ID
}

func TestSyncAddsAnotherAppsItemToAlbum(t *testing.T) {
	h := newHarness(t)
	root := t.TempDir()
	writeFrom(t, root, "A/photo.jpg", orientation(1))
	foreignID := h.createAsOtherApp(filepath.Join(root, "A", "photo.jpg"))

	// The first pass creates the item in album A through batchCreate,
	// which returns the other app's item.
	if sum := h.sync(folderAt(root)); len(sum.Failed)+len(sum.Pending) != 0 {
		t.Fatalf("first sync left failed %v and pending %v", sum.Failed, sum.Pending)
	}
	// A copy in B is an add, which batchAddMediaItems rejects for an item
	// of another app.
	writeFrom(t, root, "B/copy.jpg", orientation(1))
	sum := h.sync(folderAt(root))
	if len(sum.Failed)+len(sum.Pending) != 0 {
		t.Fatalf("second sync left failed %v and pending %v, want none", sum.Failed, sum.Pending)
	}

	albums := h.albums()
	for _, title := range []string{"A", "B"} {
		if !hasString(albums[title].MediaItemIDs, foreignID) {
			t.Errorf("album %q lacks the other app's item %s: %v", title, foreignID, albums[title].MediaItemIDs)
		}
	}
	if n := len(h.items()); n != 1 {
		t.Errorf("emulator has %d items, want 1", n)
	}
	if again := h.sync(folderAt(root)); len(again.Failed)+len(again.Pending) != 0 || again.Uploaded != 0 {
		t.Errorf("third sync uploaded %d, failed %v, pending %v; want nothing to do",
			again.Uploaded, again.Failed, again.Pending)
	}
}
