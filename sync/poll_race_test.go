package sync

import (
	"context"
	"io"
	"iter"
	gosync "sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// raceReader is a Remote whose first listing of the items outside albums,
// the last listing of a poll, first runs before: a change another install
// makes while the poll runs.
type raceReader struct {
	Remote
	reader RemoteReader
	once   gosync.Once
	before func()
}

func (r *raceReader) Albums(ctx context.Context) iter.Seq2[RemoteAlbum, error] {
	return r.reader.Albums(ctx)
}

func (r *raceReader) AlbumItems(ctx context.Context, albumID string) iter.Seq2[RemoteItem, error] {
	return r.reader.AlbumItems(ctx, albumID)
}

func (r *raceReader) LibraryItems(ctx context.Context) iter.Seq2[RemoteItem, error] {
	r.once.Do(r.before)
	return r.reader.LibraryItems(ctx)
}

func (r *raceReader) GetItems(ctx context.Context, ids []string) ([]RemoteItem, error) {
	return r.reader.GetItems(ctx, ids)
}

func (r *raceReader) Download(ctx context.Context, baseURL, params string, w io.Writer) (int64, error) {
	return r.reader.Download(ctx, baseURL, params, w)
}

// An item that another install adds to an album after a poll listed the
// albums, and before it listed the items outside albums, shows up in the
// second listing only. It belongs in its album's directory, not in the
// folder root, and must come down once.
func TestPollItemAddedToAlbumDuringPoll(t *testing.T) {
	_, a, b := downloadFixture(t)
	b.sync()

	var race *raceReader
	b.settings = func(o *Options) {
		if race == nil {
			race = &raceReader{Remote: o.Remote, reader: o.Remote.(RemoteReader), before: func() {
				a.write("A/four.jpg", orientation(4))
				a.sync()
			}}
		}
		o.Remote, o.FullPollInterval = race, 24*time.Hour
	}
	b.sync()
	b.sync()
	if diff := cmp.Diff(a.files(), b.files()); diff != "" {
		t.Errorf("b's files (-a +b):\n%s", diff)
	}
}
