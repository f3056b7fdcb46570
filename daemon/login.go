package daemon

import (
	"context"
	"errors"
	"io"
	"iter"
	"os"
	"sync"

	"github.com/photosync/photosync/photosapi"
	"github.com/photosync/photosync/photosapi/api"
	photosync "github.com/photosync/photosync/sync"
)

// connection is an open API client and the engine's Remote over it.
type connection struct {
	client  *photosapi.Client
	remote  photosync.Remote
	closeFn func() error
}

func (c *connection) close() {
	if c.closeFn != nil {
		_ = c.closeFn()
	}
}

// loginState tracks a rejected login and the token file that can fix it.
// It belongs to the loop goroutine.
type loginState struct {
	tokenFile string
	// needed is set while the API rejects the login.
	needed bool
	reason string
	// token is the token file as it was when the login failed, or nil
	// when the file was missing. A change to it ends the wait.
	token os.FileInfo
}

// fail records a rejected login and the token file's current version.
func (l *loginState) fail(reason string) {
	l.needed = true
	l.reason = reason
	l.token, _ = os.Stat(l.tokenFile)
}

// tokenChanged reports whether the token file changed since the login
// failed, for example because `photosync auth login` wrote a new one.
func (l *loginState) tokenChanged() bool {
	info, err := os.Stat(l.tokenFile)
	switch {
	case err != nil:
		return false
	case l.token == nil:
		return true
	}
	return !os.SameFile(info, l.token) || !info.ModTime().Equal(l.token.ModTime()) ||
		info.Size() != l.token.Size()
}

// connect opens the API client unless it is open or the login waits for a
// new token file. It reports whether a client is open.
func (d *Daemon) connect(ctx context.Context) bool {
	if d.login.needed {
		if !d.login.tokenChanged() {
			return false
		}
		d.log.Info().Str("path", d.login.tokenFile).Msg("Token file changed; trying the login again")
		d.login.needed = false
		d.markAllDirty()
		if d.conn != nil {
			d.conn.close()
			d.conn = nil
		}
	}
	if d.conn != nil {
		return true
	}
	client, closeFn, err := d.opts.Connect(ctx, d.onRequest)
	if err != nil {
		d.loginFailed(err)
		return false
	}
	d.conn = &connection{
		client:  client,
		remote:  newObservedRemote(photosync.NewRemote(client), &d.apiErrs),
		closeFn: closeFn,
	}
	return true
}

// loginFailed puts the daemon in the login-needed state.
func (d *Daemon) loginFailed(err error) {
	if !d.login.needed {
		d.log.Error().Err(err).Str("path", d.login.tokenFile).
			Msg("Login needed: run photosync auth login; the daemon keeps watching and queueing")
	}
	d.login.fail(err.Error())
}

// onRequest counts one HTTP attempt of the client toward the quota and the
// metrics. The client calls it on the goroutine of the API call.
func (d *Daemon) onRequest(info photosapi.RequestInfo) {
	d.counter.Hook(info)
	d.metrics.requests.WithLabelValues(info.Method).Inc()
}

// apiErrors keeps the first errors of the kinds that change the daemon's
// state, seen by any API call since the loop last took them. The engine
// reports them in the pass summary as text only, so the daemon watches
// the calls themselves.
type apiErrors struct {
	mu     sync.Mutex
	reauth error
	quota  error
}

func (e *apiErrors) observe(err error) {
	if err == nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	switch {
	case api.NeedsReauth(err):
		if e.reauth == nil {
			e.reauth = err
		}
	case api.IsDailyQuota(err):
		if e.quota == nil {
			e.quota = err
		}
	}
}

// take returns the errors seen and clears them.
func (e *apiErrors) take() (reauth, quota error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	reauth, quota = e.reauth, e.quota
	e.reauth, e.quota = nil, nil
	return reauth, quota
}

// observedRemote is a photosync.Remote and photosync.RemoteReader that
// reports every error to an apiErrors.
type observedRemote struct {
	photosync.Remote
	reader photosync.RemoteReader
	seen   *apiErrors
}

var (
	_ photosync.Remote       = (*observedRemote)(nil)
	_ photosync.RemoteReader = (*observedRemote)(nil)
)

// newObservedRemote wraps remote, which must also be a RemoteReader, as the
// Remote that photosync.NewRemote returns is.
func newObservedRemote(remote photosync.Remote, seen *apiErrors) *observedRemote {
	reader, _ := remote.(photosync.RemoteReader)
	return &observedRemote{Remote: remote, reader: reader, seen: seen}
}

// errNoReader is the error of the read methods when the wrapped Remote
// cannot read.
var errNoReader = errors.New("list remote items: the API client does not implement listing")

func (r *observedRemote) Albums(ctx context.Context) iter.Seq2[photosync.RemoteAlbum, error] {
	if r.reader == nil {
		return failedSeq[photosync.RemoteAlbum](errNoReader)
	}
	return observeSeq(r.seen, r.reader.Albums(ctx))
}

func (r *observedRemote) AlbumItems(ctx context.Context, albumID string) iter.Seq2[photosync.RemoteItem, error] {
	if r.reader == nil {
		return failedSeq[photosync.RemoteItem](errNoReader)
	}
	return observeSeq(r.seen, r.reader.AlbumItems(ctx, albumID))
}

func (r *observedRemote) LibraryItems(ctx context.Context) iter.Seq2[photosync.RemoteItem, error] {
	if r.reader == nil {
		return failedSeq[photosync.RemoteItem](errNoReader)
	}
	return observeSeq(r.seen, r.reader.LibraryItems(ctx))
}

func (r *observedRemote) GetItems(ctx context.Context, ids []string) ([]photosync.RemoteItem, error) {
	if r.reader == nil {
		return nil, errNoReader
	}
	items, err := r.reader.GetItems(ctx, ids)
	r.seen.observe(err)
	return items, err
}

func (r *observedRemote) Download(ctx context.Context, baseURL, params string, w io.Writer) (int64, error) {
	if r.reader == nil {
		return 0, errNoReader
	}
	n, err := r.reader.Download(ctx, baseURL, params, w)
	r.seen.observe(err)
	return n, err
}

// observeSeq reports the errors of seq to seen as the caller iterates.
func observeSeq[T any](seen *apiErrors, seq iter.Seq2[T, error]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for v, err := range seq {
			seen.observe(err)
			if !yield(v, err) {
				return
			}
		}
	}
}

// failedSeq yields err once.
func failedSeq[T any](err error) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		yield(zero, err)
	}
}

func (r *observedRemote) CreateAlbum(ctx context.Context, title string) (string, error) {
	id, err := r.Remote.CreateAlbum(ctx, title)
	r.seen.observe(err)
	return id, err
}

func (r *observedRemote) FindAlbum(ctx context.Context, title string) (string, bool, error) {
	id, found, err := r.Remote.FindAlbum(ctx, title)
	r.seen.observe(err)
	return id, found, err
}

func (r *observedRemote) UploadRaw(ctx context.Context, body io.Reader, size int64,
	fileName, mimeType string) (string, error) {
	token, err := r.Remote.UploadRaw(ctx, body, size, fileName, mimeType)
	r.seen.observe(err)
	return token, err
}

func (r *observedRemote) StartResumable(ctx context.Context, size int64, fileName, mimeType string) (string, error) {
	url, err := r.Remote.StartResumable(ctx, size, fileName, mimeType)
	r.seen.observe(err)
	return url, err
}

func (r *observedRemote) ResumeUpload(ctx context.Context, sessionURL string, body io.ReaderAt,
	size int64) (string, error) {
	token, err := r.Remote.ResumeUpload(ctx, sessionURL, body, size)
	r.seen.observe(err)
	return token, err
}

func (r *observedRemote) BatchCreate(ctx context.Context, albumID string,
	items []photosync.NewItem) ([]photosync.CreateResult, error) {
	results, err := r.Remote.BatchCreate(ctx, albumID, items)
	r.seen.observe(err)
	for _, res := range results {
		r.seen.observe(res.Err)
	}
	return results, err
}

func (r *observedRemote) BatchAdd(ctx context.Context, albumID string, mediaItemIDs []string) error {
	err := r.Remote.BatchAdd(ctx, albumID, mediaItemIDs)
	r.seen.observe(err)
	return err
}

func (r *observedRemote) BatchRemove(ctx context.Context, albumID string, mediaItemIDs []string) error {
	err := r.Remote.BatchRemove(ctx, albumID, mediaItemIDs)
	r.seen.observe(err)
	return err
}
