package sync

import (
	"context"
	"io"
	"iter"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// agingReader is a Remote whose listing of the items outside albums, the
// last call of a poll, moves the syncer's clock past baseURLMaxAge. Every
// download of the pass then starts from a listing the engine takes as too
// old, so it refreshes the base URLs through GetItems first.
type agingReader struct {
	Remote
	reader RemoteReader
	mu     gosync.Mutex
	now    time.Time
}

func newAgingReader(r Remote) *agingReader {
	return &agingReader{Remote: r, reader: r.(RemoteReader), now: time.Now()}
}

func (a *agingReader) Now() time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.now
}

func (a *agingReader) Albums(ctx context.Context) iter.Seq2[RemoteAlbum, error] {
	return a.reader.Albums(ctx)
}

func (a *agingReader) AlbumItems(ctx context.Context, albumID string) iter.Seq2[RemoteItem, error] {
	return a.reader.AlbumItems(ctx, albumID)
}

func (a *agingReader) LibraryItems(ctx context.Context) iter.Seq2[RemoteItem, error] {
	a.mu.Lock()
	a.now = a.now.Add(baseURLMaxAge + time.Minute)
	a.mu.Unlock()
	return a.reader.LibraryItems(ctx)
}

func (a *agingReader) GetItems(ctx context.Context, ids []string) ([]RemoteItem, error) {
	return a.reader.GetItems(ctx, ids)
}

func (a *agingReader) Download(ctx context.Context, baseURL, params string, w io.Writer) (int64, error) {
	return a.reader.Download(ctx, baseURL, params, w)
}

// A refresh of old base URLs that fails leaves the album's new items
// undone, so the pass must not store the album's count. A later poll that
// is not full would otherwise take the album as unchanged, and the new
// item would only show up as an item outside albums, in the folder root.
func TestDownloadRefreshFailureRelists(t *testing.T) {
	h, a, b := downloadFixture(t)
	var aging *agingReader
	b.settings = func(o *Options) {
		if aging == nil {
			aging = newAgingReader(o.Remote)
		}
		o.Remote, o.Now, o.FullPollInterval = aging, aging.Now, 24*time.Hour
	}
	b.sync()

	a.write("A/four.jpg", orientation(4))
	a.sync()
	h.post("faults", map[string]any{"method": "mediaItems.batchGet", "status": 500})
	sum, err := b.syncErr()
	if err != nil {
		t.Fatalf("sync with failing batchGet: %v", err)
	}
	if sum.Downloaded != 0 || len(sum.Pending) == 0 {
		t.Fatalf("downloaded %d, pending %v; want nothing downloaded and the refresh pending", sum.Downloaded, sum.Pending)
	}

	h.clearFaults()
	if got := b.sync().Downloaded; got != 1 {
		t.Errorf("the pass after the failed refresh downloaded %d, want 1", got)
	}
	if diff := cmp.Diff(a.files(), b.files()); diff != "" {
		t.Errorf("b's files after the fault is gone (-a +b):\n%s", diff)
	}
}

// A pass stopped by a fatal error while other downloads of its group were
// complete removes their temporary files, instead of leaving them in the
// folder until the next pass.
func TestDownloadStopRemovesFetched(t *testing.T) {
	h, a, b := downloadFixture(t)
	var mu gosync.Mutex
	writes := 0
	b.settings = func(o *Options) {
		// One worker, so the first item is complete when the second starts.
		o.Workers = 1
		o.DownloadWriter = func(w io.Writer) io.Writer {
			mu.Lock()
			defer mu.Unlock()
			writes++
			if writes == 2 {
				// The second item's base URL expires, and the login that
				// would fetch it again is revoked.
				h.post("faults", map[string]any{"revokeRefreshToken": "nas-refresh"})
				h.post("clock", map[string]any{"advance": "61m"})
			}
			return w
		}
	}
	_, err := b.syncErr()
	if err == nil || !strings.Contains(err.Error(), "auth login") {
		t.Fatalf("sync with a revoked login: error %v, want one that names `photosync auth login`", err)
	}
	// files fails the test on a temporary file left in the folder.
	if got := b.files(); len(got) != 0 {
		t.Errorf("b has files %v after the stopped pass, want none", got)
	}

	b.settings = nil
	b.client = newInstall(t, h, "nas-again").client
	wantConverged(t, a, b)
}
