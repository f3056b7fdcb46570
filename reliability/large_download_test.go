package reliability

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/photosync/photosync/internal/media"
	"github.com/photosync/photosync/photosapi/api"
)

// largePhotoSize is the approximate size of the large photo that each
// trial of largeDownloadKind adds on the server.
const largePhotoSize = 3 << 20

// largeDownloadRate is the rate of the throttled downloads, in bytes per
// second: the large photo's body takes about a second, so a kill at a
// random moment of the run lands inside it in most trials.
const largeDownloadRate = 3 << 20

// largeDownloadDelays stretch the listings of a poll as downloadDelays do,
// and throttle every download's body in place of delaying its start.
var largeDownloadDelays = []string{
	`{"method":"albums.list","delay":"40ms"}`,
	`{"method":"mediaItems.search","delay":"40ms"}`,
	`{"method":"mediaItems.list","delay":"40ms"}`,
	fmt.Sprintf(`{"method":"download","bytesPerSecond":%d}`, largeDownloadRate),
}

// largeDownloadKind is the trial of a download-only folder whose remote
// additions include one photo of about 3 MiB, downloaded at
// largeDownloadRate. A run over one trial's additions takes about 1.2 s.
var largeDownloadKind = crashKind{mode: "download-only", remote: true, large: true,
	delays: largeDownloadDelays, maxKill: 1500 * time.Millisecond, ciTrials: 3}

// largeJPEG returns plainJPEG with about size random bytes in comment
// segments after its start marker, so that the file is a valid JPEG of
// that size whose content no compression shrinks.
func largeJPEG(rng *rand.Rand, size int) []byte {
	const maxSegment = 0xffff - 2
	var out bytes.Buffer
	out.Write(plainJPEG[:2])
	payload := make([]byte, maxSegment)
	for written := 0; written < size; written += maxSegment {
		for i := range payload {
			payload[i] = byte(rng.Uint32())
		}
		out.Write([]byte{0xff, 0xfe})
		length := len(payload) + 2
		out.Write([]byte{byte(length >> 8), byte(length)})
		out.Write(payload)
	}
	out.Write(plainJPEG[2:])
	return out.Bytes()
}

// addRemoteLarge creates one large photo in the album titled album and
// returns where its download must land and its size after the download.
func (e *env) addRemoteLarge(album, tag string, rng *rand.Rand) (remoteAddition, int64) {
	e.t.Helper()
	ctx := e.t.Context()
	c := e.remoteClient()

	var albumID string
	_, albums := e.emu.Library()
	for _, a := range albums {
		if a.Title == album {
			albumID = a.ID
		}
	}
	if albumID == "" {
		e.t.Fatalf("album %q for the large photo does not exist", album)
	}

	data := largeJPEG(rng, largePhotoSize)
	name := tag + "-large.jpg"
	token, err := c.UploadRaw(ctx, bytes.NewReader(data), int64(len(data)), name, "image/jpeg")
	if err != nil {
		e.t.Fatalf("upload large remote photo %s: %v", name, err)
	}
	results, err := c.BatchCreate(ctx, api.BatchCreateMediaItemsRequest{AlbumID: albumID,
		NewMediaItems: []api.NewMediaItem{{SimpleMediaItem: &api.SimpleMediaItem{UploadToken: token, FileName: name}}}})
	if err != nil {
		e.t.Fatalf("create large remote photo in %q: %v", album, err)
	}
	for _, r := range results {
		if r.Status != nil && r.Status.Code != 0 {
			e.t.Fatalf("create large remote photo in %q: %+v", album, *r.Status)
		}
	}

	stripped, err := media.StripLocation(data, media.Detect(data))
	if err != nil {
		e.t.Fatal(err)
	}
	remote, local := sha256.Sum256(data), sha256.Sum256(stripped)
	e.localSHA[hex.EncodeToString(remote[:])] = hex.EncodeToString(local[:])
	e.remoteSHA[hex.EncodeToString(local[:])] = hex.EncodeToString(remote[:])
	return remoteAddition{dir: album, sha: hex.EncodeToString(local[:])}, int64(len(stripped))
}

// partialLargeFiles counts the temporary files of downloads that hold part
// of a large photo: more bytes than any small photo has, but fewer than
// size.
func (e *env) partialLargeFiles(size int64) int {
	e.t.Helper()
	n := 0
	err := filepath.WalkDir(e.root, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || !strings.HasPrefix(d.Name(), ".photosync-tmp-") {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if info.Size() > int64(len(plainJPEG))+1024 && info.Size() < size {
			n++
		}
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

func TestCrashLargeDownloadSync(t *testing.T) {
	e := newCrashEnv(t, largeDownloadKind)
	start, finish := syncRuns(e)
	runCrashTrials(t, e, largeDownloadKind, start, finish)
}
