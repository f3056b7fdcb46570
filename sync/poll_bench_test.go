package sync

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/oauth2"

	"github.com/photosync/photosync/config"
	"github.com/photosync/photosync/photosapi"
	"github.com/photosync/photosync/photosapi/api"
	"github.com/photosync/photosync/photosapi/emulator"
	"github.com/photosync/photosync/state"
)

// benchRemote is an emulator without a daily quota and a client of it
// that counts requests.
type benchRemote struct {
	emu      *emulator.Running
	client   *photosapi.Client
	requests int
}

func newBenchRemote(b *testing.B) *benchRemote {
	b.Helper()
	emu, err := emulator.Start(emulator.Options{DailyQuota: -1, VideoProcessingTime: -1}, "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { emu.Close() })
	r := &benchRemote{emu: emu}
	oauthConfig := photosapi.OAuthConfig(testClientID, "secret", emu.URL+"/o/oauth2/v2/auth", emu.URL+"/token", "")
	tokens := photosapi.NewTokenSource(context.Background(), oauthConfig,
		&oauth2.Token{RefreshToken: "bench-refresh"}, nil)
	r.client, err = photosapi.New(photosapi.Options{
		Endpoint:    emu.URL + "/",
		TokenSource: tokens,
		HTTPClient:  &http.Client{},
		OnRequest: func(info photosapi.RequestInfo) {
			if info.CountsTowardQuota() && info.Method != api.MethodToken {
				r.requests++
			}
		},
	})
	if err != nil {
		b.Fatal(err)
	}
	return r
}

// createItems creates n items with distinct bytes (base followed by a
// number and padding bytes) in album albumID, 50 a call, and returns their ids.
func (r *benchRemote) createItems(b *testing.B, base []byte, albumID string, n, offset, padding int) []string {
	b.Helper()
	ctx := context.Background()
	var ids []string
	for start := 0; start < n; start += MaxBatch {
		req := api.BatchCreateMediaItemsRequest{AlbumID: albumID}
		for i := start; i < min(start+MaxBatch, n); i++ {
			data := append(append([]byte(nil), base...), strconv.Itoa(offset+i)...)
			data = append(data, make([]byte, padding)...)
			token, err := r.client.UploadRaw(ctx, bytes.NewReader(data), int64(len(data)), "f.jpg", "image/jpeg")
			if err != nil {
				b.Fatal(err)
			}
			req.NewMediaItems = append(req.NewMediaItems, api.NewMediaItem{
				SimpleMediaItem: &api.SimpleMediaItem{UploadToken: token, FileName: fmt.Sprintf("%d.jpg", offset+i)}})
		}
		results, err := r.client.BatchCreate(ctx, req)
		if err != nil {
			b.Fatal(err)
		}
		for _, res := range results {
			if res.Err() != nil {
				b.Fatal(res.Err())
			}
			ids = append(ids, res.MediaItem.ID)
		}
	}
	return ids
}

func benchSample(b *testing.B) []byte {
	b.Helper()
	_, file, _, _ := runtime.Caller(0)
	data, err := os.ReadFile(filepath.Join(filepath.Dir(file), "..", "testdata", "media", "Tricky", "no_exif.jpg"))
	if err != nil {
		b.Fatal(err)
	}
	return data
}

func benchSyncer(b *testing.B, r *benchRemote, store *state.Store, opts Options) *Syncer {
	b.Helper()
	opts.Store, opts.Remote, opts.Workers = store, NewRemote(r.client), 4
	opts.Logger = zerolog.Nop()
	s, err := New(opts)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkPollNothingChanged measures the requests of a poll where nothing
// changed, over 100 albums of 500 items each. The store is primed as a
// full poll would leave it, so no item is downloaded.
func BenchmarkPollNothingChanged(b *testing.B) {
	const albums, perAlbum = 100, 500
	r := newBenchRemote(b)
	base := benchSample(b)
	root := b.TempDir()
	store, err := state.Open(filepath.Join(b.TempDir(), "state.db"), state.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	folder := config.Folder{Path: root, Mode: config.ModeTwoWay, DeleteThreshold: config.DefaultDeleteThreshold}
	ctx := context.Background()
	if err := store.PutFolder(state.Folder{ID: root}); err != nil {
		b.Fatal(err)
	}
	for i := range albums {
		title := fmt.Sprintf("Album %03d", i)
		a, err := r.client.CreateAlbum(ctx, title)
		if err != nil {
			b.Fatal(err)
		}
		ids := r.createItems(b, base, a.ID, perAlbum, i*perAlbum, 0)
		err = store.Update(func(tx *state.Tx) error {
			if err := tx.PutAlbum(state.Album{ID: a.ID, Title: title, Folder: root, Dir: title}); err != nil {
				return err
			}
			for _, id := range ids {
				rel := title + "/" + id + ".jpg"
				err := tx.PutFile(state.File{Folder: root, Path: rel, MediaItemID: id, AlbumID: a.ID,
					Status: state.StatusSynced, Origin: state.OriginDownloaded})
				if err != nil {
					return err
				}
				if err := tx.PutMediaItem(state.MediaItem{ID: id, AlbumIDs: []string{a.ID}}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	if err := CheckMarker(root, false, false, time.Now()); err != nil {
		b.Fatal(err)
	}
	s := benchSyncer(b, r, store, Options{})
	// The first poll is a full one and stores each album's count and cover.
	if _, err := s.Poll(ctx, []config.Folder{folder}); err != nil {
		b.Fatal(err)
	}
	r.requests = 0
	for b.Loop() {
		sum, err := s.Poll(ctx, []config.Folder{folder})
		if err != nil || sum.Downloaded != 0 || sum.Trashed != 0 {
			b.Fatalf("poll: %v, downloaded %d, trashed %d", err, sum.Downloaded, sum.Trashed)
		}
	}
	b.ReportMetric(float64(r.requests)/float64(b.N), "requests/poll")
}

// BenchmarkDownloadThroughput downloads 20 items of 1 MiB through the
// engine and, in the same run, fetches the same bytes with plain HTTP GETs,
// and reports the engine's share of the plain throughput.
func BenchmarkDownloadThroughput(b *testing.B) {
	const items, size = 20, 1 << 20
	r := newBenchRemote(b)
	a, err := r.client.CreateAlbum(context.Background(), "Big")
	if err != nil {
		b.Fatal(err)
	}
	r.createItems(b, benchSample(b), a.ID, items, 0, size)
	var engine, plain, disk time.Duration
	for b.Loop() {
		root := b.TempDir()
		store, err := state.Open(filepath.Join(b.TempDir(), "state.db"), state.Options{})
		if err != nil {
			b.Fatal(err)
		}
		folder := config.Folder{Path: root, Mode: config.ModeDownloadOnly}
		s := benchSyncer(b, r, store, Options{})
		start := time.Now()
		sum, err := s.Poll(context.Background(), []config.Folder{folder})
		engine += time.Since(start)
		store.Close()
		if err != nil || sum.Downloaded != items {
			b.Fatalf("poll: %v, downloaded %d", err, sum.Downloaded)
		}

		plain += plainGets(b, r, a.ID, "")
		disk += plainGets(b, r, a.ID, b.TempDir())
	}
	mb := float64(items*size) / (1 << 20) * float64(b.N)
	b.ReportMetric(mb/engine.Seconds(), "engine-MB/s")
	b.ReportMetric(mb/plain.Seconds(), "plain-MB/s")
	b.ReportMetric(mb/disk.Seconds(), "plain-to-disk-MB/s")
	b.ReportMetric(100*plain.Seconds()/engine.Seconds(), "engine-%-of-plain")
	b.ReportMetric(100*disk.Seconds()/engine.Seconds(), "engine-%-of-plain-to-disk")
}

// plainGets lists the album and fetches each item's bytes with one plain
// HTTP GET, one after the other. With dir set, each body goes to a new file
// in dir that is fsynced, as a download must be; otherwise it is discarded.
func plainGets(b *testing.B, r *benchRemote, albumID, dir string) time.Duration {
	b.Helper()
	start := time.Now()
	n := 0
	for m, err := range r.client.Search(context.Background(), api.SearchMediaItemsRequest{AlbumID: albumID}) {
		if err != nil {
			b.Fatal(err)
		}
		resp, err := http.Get(m.BaseURL + "=d")
		if err != nil {
			b.Fatal(err)
		}
		var w io.Writer = io.Discard
		var f *os.File
		if dir != "" {
			if f, err = os.Create(filepath.Join(dir, m.ID)); err != nil {
				b.Fatal(err)
			}
			w = f
		}
		_, err = io.Copy(w, resp.Body)
		resp.Body.Close()
		if err != nil {
			b.Fatal(err)
		}
		if f != nil {
			if err := f.Sync(); err != nil {
				b.Fatal(err)
			}
			f.Close()
		}
		n++
	}
	if n == 0 {
		b.Fatal("plain GET fetched no item")
	}
	return time.Since(start)
}
