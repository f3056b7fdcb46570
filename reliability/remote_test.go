package reliability

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"net/http"
	"path"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/photosync/photosync/internal/media"
	"github.com/photosync/photosync/internal/testenv"
	"github.com/photosync/photosync/photosapi"
	"github.com/photosync/photosync/photosapi/api"
)

// remoteRefreshToken is the refresh token of the other install that adds
// items on the server. It shares the OAuth client id of every env, so the
// binary lists what it creates.
const remoteRefreshToken = "reliability-other-install"

// remoteClient returns the other install's API client.
func (e *env) remoteClient() *photosapi.Client {
	e.t.Helper()
	if e.client != nil {
		return e.client
	}
	conf := photosapi.OAuthConfig("reliability-client", "reliability-secret",
		e.emu.URL+"/o/oauth2/v2/auth", e.emu.URL+"/token", "")
	tokens := photosapi.NewTokenSource(context.Background(), conf,
		&oauth2.Token{RefreshToken: remoteRefreshToken}, nil)
	c, err := photosapi.New(photosapi.Options{
		Endpoint:    e.emu.URL + "/",
		TokenSource: tokens,
		HTTPClient:  &http.Client{},
	})
	if err != nil {
		e.t.Fatalf("new API client: %v", err)
	}
	e.client = c
	return c
}

// plainJPEG is a small JPEG without metadata. An item made from it has no
// capture time, so the server gives it the upload time as its creation
// time, and it is the newest in a listing of the library.
var plainJPEG = func() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for x := range 16 {
		for y := range 16 {
			img.Set(x, y, color.RGBA{R: uint8(x * 16), G: uint8(y * 16), B: 128, A: 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		panic(err)
	}
	return buf.Bytes()
}()

// remoteAddition is one item that addRemote created: where its download
// must land and with what content.
type remoteAddition struct {
	dir string
	sha string
}

// addRemote creates n photos with distinct content on the server, as
// another install of the same OAuth client would. They go into the album
// titled album, which it creates when no album has that title, or outside
// every album when album is "". It returns where each download must land:
// the directory named by the title, or the folder root.
func (e *env) addRemote(album string, n int, tag string) []remoteAddition {
	e.t.Helper()
	ctx := e.t.Context()
	c := e.remoteClient()
	var albumID string
	if album != "" {
		_, albums := e.emu.Library()
		for _, a := range albums {
			if a.Title == album {
				albumID = a.ID
			}
		}
		if albumID == "" {
			a, err := c.CreateAlbum(ctx, album)
			if err != nil {
				e.t.Fatalf("create remote album %q: %v", album, err)
			}
			albumID = a.ID
		}
	}
	batch := remoteBatch{t: e.t, client: c, albumID: albumID}
	var out []remoteAddition
	for i := range n {
		data := append(bytes.Clone(plainJPEG), fmt.Sprintf("%s remote photo %d", tag, i)...)
		remote, local := batch.upload(data, fmt.Sprintf("%s-%d.jpg", tag, i))
		e.localSHA[remote] = local
		e.remoteSHA[local] = remote
		out = append(out, remoteAddition{dir: album, sha: local})
	}
	batch.create(album)
	return out
}

// remoteBatch uploads photos as another client of the same OAuth client id
// would, and creates them in one batchCreate in the album albumID, or
// outside albums when it is "".
type remoteBatch struct {
	t       testing.TB
	client  *photosapi.Client
	albumID string
	req     api.BatchCreateMediaItemsRequest
}

// upload sends data as name and returns the SHA-256 of the bytes the server
// stores and of the bytes a download returns, which lack the location.
func (b *remoteBatch) upload(data []byte, name string) (remote, local string) {
	b.t.Helper()
	token, err := b.client.UploadRaw(b.t.Context(), bytes.NewReader(data), int64(len(data)), name, "image/jpeg")
	if err != nil {
		b.t.Fatalf("upload remote photo %s: %v", name, err)
	}
	b.req.NewMediaItems = append(b.req.NewMediaItems, api.NewMediaItem{
		SimpleMediaItem: &api.SimpleMediaItem{UploadToken: token, FileName: name}})
	stripped, err := media.StripLocation(data, media.Detect(data))
	if err != nil {
		b.t.Fatal(err)
	}
	remoteSum, localSum := sha256.Sum256(data), sha256.Sum256(stripped)
	return hex.EncodeToString(remoteSum[:]), hex.EncodeToString(localSum[:])
}

// create creates the uploaded photos, titled album in messages, and fails
// the test on any error.
func (b *remoteBatch) create(album string) {
	b.t.Helper()
	b.req.AlbumID = b.albumID
	results, err := b.client.BatchCreate(b.t.Context(), b.req)
	if err != nil {
		b.t.Fatalf("create remote photos in %q: %v", album, err)
	}
	for _, r := range results {
		if r.Status != nil && r.Status.Code != 0 {
			b.t.Fatalf("create remote photo in %q: %+v", album, *r.Status)
		}
	}
}

// localSet counts the supported local files by content and directory.
func localSet(files []testenv.LocalFile) map[string]int {
	set := map[string]int{}
	for _, f := range files {
		set[f.SHA256+" "+dirOf(f.Rel)]++
	}
	return set
}

func dirOf(rel string) string {
	if d := path.Dir(rel); d != "." {
		return d
	}
	return ""
}

// checkLocal checks that the supported local files, by content and
// directory, are exactly want: nothing missing, nothing twice, no partial
// download under a real name, nothing in the wrong directory.
func (e *env) checkLocal(want map[string]int) {
	e.t.Helper()
	files := e.supported()
	got := localSet(files)
	names := map[string][]string{}
	for _, f := range files {
		k := f.SHA256 + " " + dirOf(f.Rel)
		names[k] = append(names[k], f.Rel)
	}
	var keys []string
	for k := range want {
		keys = append(keys, k)
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		if got[k] == want[k] {
			continue
		}
		sha, dir, _ := strings.Cut(k, " ")
		e.t.Errorf("content %s in directory %q: %d local files %q, want %d", sha[:12], dir, got[k], names[k], want[k])
	}
}

// requestsDoneTimeout bounds the wait for the emulator to finish the
// requests of a killed process.
const requestsDoneTimeout = 30 * time.Second

// waitRequestsDone waits until the emulator has finished every API
// request, such as the ones a killed process left on their way. Their
// effects, and their upload bytes, then belong to the run that sent them.
func (e *env) waitRequestsDone() {
	e.t.Helper()
	e.emu.WaitIdle(requestsDoneTimeout)
}
