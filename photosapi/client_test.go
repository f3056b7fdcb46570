package photosapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/oauth2"

	"github.com/photosync/photosync/photosapi"
	"github.com/photosync/photosync/photosapi/api"
)

func TestNewRejectsBadEndpoint(t *testing.T) {
	for _, endpoint := range []string{"photoslibrary.googleapis.com", "ftp://x/", "http://", "://"} {
		if _, err := photosapi.New(photosapi.Options{Endpoint: endpoint}); err == nil {
			t.Errorf("New accepted endpoint %q", endpoint)
		}
	}
}

func TestPathIDsEscaped(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.URL.EscapedPath())
		io.WriteString(w, `{}`)
	}))
	defer srv.Close()
	c, _ := newTestClient(t, srv.URL, nil)
	ctx := t.Context()

	if _, err := c.GetAlbum(ctx, "a/b:share?x=1"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetMediaItem(ctx, "m#1 é"); err != nil {
		t.Fatal(err)
	}
	if err := c.BatchAddMediaItems(ctx, "a:b", []string{"m"}); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"/v1/albums/a%2Fb%3Ashare%3Fx=1",
		"/v1/mediaItems/m%231%20%C3%A9",
		"/v1/albums/a%3Ab:batchAddMediaItems",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("paths differ (-want +got):\n%s", diff)
	}
}

func TestRequestBodies(t *testing.T) {
	type seen struct {
		method, path, query, body string
	}
	var got []seen
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, _ := io.ReadAll(r.Body)
		got = append(got, seen{r.Method, r.URL.Path, r.URL.RawQuery, string(data)})
		io.WriteString(w, `{"newMediaItemResults":[{"status":{"message":"Success"},"mediaItem":{"id":"m"}}]}`)
	}))
	defer srv.Close()
	c, _ := newTestClient(t, srv.URL, nil)
	ctx := t.Context()

	if _, err := c.BatchCreate(ctx, api.BatchCreateMediaItemsRequest{
		AlbumID:       "a",
		NewMediaItems: []api.NewMediaItem{{Description: "d", SimpleMediaItem: &api.SimpleMediaItem{UploadToken: "t", FileName: "f.jpg"}}},
		AlbumPosition: &api.AlbumPosition{Position: api.PositionAfterMediaItem, RelativeMediaItemID: "m0"},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PatchAlbum(ctx, api.Album{ID: "a", Title: "T", CoverPhotoMediaItemID: "m"},
		photosapi.AlbumFieldTitle, photosapi.AlbumFieldCoverPhoto); err != nil {
		t.Fatal(err)
	}
	if _, err := c.BatchGet(ctx, []string{"x", "y"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.JoinSharedAlbum(ctx, "s"); err != nil {
		t.Fatal(err)
	}
	want := []seen{
		{"POST", "/v1/mediaItems:batchCreate", "",
			`{"albumId":"a","newMediaItems":[{"description":"d","simpleMediaItem":{"uploadToken":"t","fileName":"f.jpg"}}],"albumPosition":{"position":"AFTER_MEDIA_ITEM","relativeMediaItemId":"m0"}}`},
		{"PATCH", "/v1/albums/a", "updateMask=title%2CcoverPhotoMediaItemId", `{"id":"a","title":"T","coverPhotoMediaItemId":"m"}`},
		{"GET", "/v1/mediaItems:batchGet", "mediaItemIds=x&mediaItemIds=y", ""},
		{"POST", "/v1/sharedAlbums:join", "", `{"shareToken":"s"}`},
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(seen{})); diff != "" {
		t.Errorf("requests differ (-want +got):\n%s", diff)
	}
}

// pagedServer serves mediaItems.list from pages, keyed by page token.
func pagedServer(t *testing.T, pages map[string]api.ListMediaItemsResponse) (*httptest.Server, *[]string) {
	t.Helper()
	var queries []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		queries = append(queries, r.URL.RawQuery)
		page, ok := pages[r.URL.Query().Get("pageToken")]
		if !ok {
			http.Error(w, `{"error":{"code":400,"message":"bad token","status":"INVALID_ARGUMENT"}}`, 400)
			return
		}
		json.NewEncoder(w).Encode(page)
	}))
	t.Cleanup(srv.Close)
	return srv, &queries
}

func items(ids ...string) []api.MediaItem {
	var out []api.MediaItem
	for _, id := range ids {
		out = append(out, api.MediaItem{ID: id})
	}
	return out
}

func TestListDropsItemRepeatedAcrossPages(t *testing.T) {
	srv, queries := pagedServer(t, map[string]api.ListMediaItemsResponse{
		"":   {MediaItems: items("a", "b", "c"), NextPageToken: "p2"},
		"p2": {MediaItems: items("c", "d"), NextPageToken: "p3"},
		"p3": {NextPageToken: "p4"},
		"p4": {MediaItems: items("e")},
	})
	c, _ := newTestClient(t, srv.URL, nil)
	var got []string
	for item, err := range c.ListMediaItems(t.Context(), photosapi.ListOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, item.ID)
	}
	if diff := cmp.Diff([]string{"a", "b", "c", "d", "e"}, got); diff != "" {
		t.Errorf("items differ (-want +got):\n%s", diff)
	}
	want := []string{"pageSize=100", "pageSize=100&pageToken=p2", "pageSize=100&pageToken=p3", "pageSize=100&pageToken=p4"}
	if diff := cmp.Diff(want, *queries); diff != "" {
		t.Errorf("queries differ (-want +got):\n%s", diff)
	}
}

func TestListStopsOnRepeatedPageToken(t *testing.T) {
	srv, _ := pagedServer(t, map[string]api.ListMediaItemsResponse{
		"":   {MediaItems: items("a"), NextPageToken: "p2"},
		"p2": {MediaItems: items("b"), NextPageToken: "p2"},
	})
	c, _ := newTestClient(t, srv.URL, nil)
	var got []string
	var last error
	for item, err := range c.ListMediaItems(t.Context(), photosapi.ListOptions{}) {
		if err != nil {
			last = err
			continue
		}
		got = append(got, item.ID)
	}
	if last == nil || !strings.Contains(last.Error(), "twice") {
		t.Errorf("error = %v, want one about a repeated page token", last)
	}
	if !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("items = %v, want [a b]", got)
	}
}

func TestListStopsWhenCallerBreaks(t *testing.T) {
	srv, queries := pagedServer(t, map[string]api.ListMediaItemsResponse{
		"":   {MediaItems: items("a", "b"), NextPageToken: "p2"},
		"p2": {MediaItems: items("c")},
	})
	c, _ := newTestClient(t, srv.URL, nil)
	for range c.ListMediaItems(t.Context(), photosapi.ListOptions{}) {
		break
	}
	if len(*queries) != 1 {
		t.Errorf("fetched %d pages after the caller stopped at the first item, want 1", len(*queries))
	}
}

func TestBatchCreateResultCountMismatch(t *testing.T) {
	srv, _ := scripted(t, `{"newMediaItemResults":[]}`)
	c, _ := newTestClient(t, srv.URL, nil)
	_, err := c.BatchCreate(t.Context(), api.BatchCreateMediaItemsRequest{
		NewMediaItems: []api.NewMediaItem{{SimpleMediaItem: &api.SimpleMediaItem{UploadToken: "t"}}}})
	if err == nil || !strings.Contains(err.Error(), "0 results for 1 items") {
		t.Errorf("error = %v, want a result count mismatch", err)
	}
}

func TestDownloadSendsNoAuthorization(t *testing.T) {
	var auth []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth = append(auth, r.Header.Get("Authorization"))
		if !strings.HasSuffix(r.URL.Path, "=dv") {
			http.Error(w, "bad params", 400)
			return
		}
		io.WriteString(w, "video bytes")
	}))
	defer srv.Close()
	tokens, _ := tokenServer(t)
	cfg := photosapi.OAuthConfig("client", "secret", tokens.URL+"/auth", tokens.URL+"/token", "http://127.0.0.1/")
	src := photosapi.NewTokenSource(t.Context(), cfg, nil, nil)
	c, _ := newTestClient(t, srv.URL, func(o *photosapi.Options) { o.TokenSource = src })

	var buf bytes.Buffer
	n, err := c.Download(t.Context(), srv.URL+"/media/abc", photosapi.ParamVideo, &buf)
	if err != nil {
		t.Fatal(err)
	}
	if n != 11 || buf.String() != "video bytes" {
		t.Errorf("Download = %d, %q", n, buf.String())
	}
	if len(auth) != 1 || auth[0] != "" {
		t.Errorf("Authorization headers = %q, want one empty", auth)
	}
}

func TestDownloadNotRetriedAfterPartialWrite(t *testing.T) {
	var n int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n++
		w.Header().Set("Content-Length", "100")
		io.WriteString(w, "only part")
	}))
	defer srv.Close()
	c, _ := newTestClient(t, srv.URL, nil)
	var buf bytes.Buffer
	written, err := c.Download(t.Context(), srv.URL+"/x", "d", &buf)
	if err == nil {
		t.Fatal("Download of a truncated body succeeded")
	}
	if written != 9 {
		t.Errorf("written = %d, want 9", written)
	}
	if n != 1 {
		t.Errorf("server saw %d requests, want 1: written bytes cannot be taken back", n)
	}
}

func TestDownloadRejectsParamsTwice(t *testing.T) {
	c, _ := newTestClient(t, "http://127.0.0.1:1/", nil)
	_, err := c.Download(t.Context(), "http://127.0.0.1:1/x=w10", "d", io.Discard)
	if !errors.Is(err, api.ErrInvalidRequest) {
		t.Errorf("error = %v, want api.ErrInvalidRequest", err)
	}
}

func TestRequestInfoQuota(t *testing.T) {
	for _, tc := range []struct {
		name string
		info photosapi.RequestInfo
		want bool
	}{
		{"batchCreate", photosapi.RequestInfo{Method: "mediaItems.batchCreate", WroteHeaders: true}, true},
		{"upload", photosapi.RequestInfo{Method: api.MethodUploads, WroteHeaders: true}, true},
		{"download", photosapi.RequestInfo{Method: api.MethodDownload, WroteHeaders: true}, false},
		{"never sent", photosapi.RequestInfo{Method: "albums.get"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.info.CountsTowardQuota(); got != tc.want {
				t.Errorf("CountsTowardQuota = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestRequestHookSkipsUnsentAttempts(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c, rec := newTestClient(t, "http://"+addr+"/", func(o *photosapi.Options) { o.MaxRetries = -1 })
	if _, err := c.GetAlbum(t.Context(), "a"); err == nil {
		t.Fatal("GetAlbum succeeded against a closed port")
	}
	if len(rec.attempts) != 1 {
		t.Fatalf("hook ran %d times, want 1", len(rec.attempts))
	}
	if rec.attempts[0].CountsTowardQuota() {
		t.Errorf("a refused connection counts toward quota: %+v", rec.attempts[0])
	}

	srv, _ := scripted(t, `{}`)
	c, rec = newTestClient(t, srv.URL, nil)
	if _, err := c.GetAlbum(t.Context(), "a"); err != nil {
		t.Fatal(err)
	}
	if !rec.attempts[0].CountsTowardQuota() {
		t.Errorf("a served request does not count toward quota: %+v", rec.attempts[0])
	}
}

func ExampleClient_ListAlbums() {
	c, err := photosapi.New(photosapi.Options{Endpoint: "http://127.0.0.1:1/", MaxRetries: -1})
	if err != nil {
		panic(err)
	}
	for album, err := range c.ListAlbums(context.Background(), photosapi.ListOptions{}) {
		if err != nil {
			fmt.Println("list albums failed, retryable:", api.IsRetryable(err))
			break
		}
		fmt.Println(album.Title)
	}
	// Output: list albums failed, retryable: true
}

func TestDownloadRejectsBadBaseURL(t *testing.T) {
	c, _ := newTestClient(t, "http://127.0.0.1:1/", nil)
	for _, baseURL := range []string{"", "/relative", "http://127.0.0.1:1/x?y=1", "http://127.0.0.1:1/x#f"} {
		if _, err := c.Download(t.Context(), baseURL, "d", io.Discard); !errors.Is(err, api.ErrInvalidRequest) {
			t.Errorf("Download(%q) error = %v, want api.ErrInvalidRequest", baseURL, err)
		}
	}
}

func TestDownloadUnauthorizedKeepsToken(t *testing.T) {
	srv, n := scripted(t, ``, status(401, ""))
	tokens, issued := tokenServer(t)
	cfg := photosapi.OAuthConfig("client", "secret", tokens.URL+"/auth", tokens.URL+"/token", "http://127.0.0.1/")
	src := photosapi.NewTokenSource(t.Context(), cfg, &oauth2.Token{RefreshToken: "r"}, nil)
	if _, err := src.Token(); err != nil {
		t.Fatal(err)
	}
	c, _ := newTestClient(t, srv.URL, func(o *photosapi.Options) { o.TokenSource = src })
	if _, err := c.Download(t.Context(), srv.URL+"/media/x", "d", io.Discard); err == nil {
		t.Fatal("Download succeeded after a 401")
	}
	if n.Load() != 1 {
		t.Errorf("server saw %d downloads, want 1", n.Load())
	}
	if issued.Load() != 1 {
		t.Errorf("token endpoint issued %d tokens, want 1: a download's 401 is not about the token", issued.Load())
	}
}
