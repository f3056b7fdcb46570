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
	"io/fs"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/photosync/photosync/internal/testenv"
	"github.com/photosync/photosync/photosapi"
	"github.com/photosync/photosync/photosapi/emulator"
)

// downloadModes are the folder modes whose passes download.
var downloadModes = []string{"download-only", "two-way"}

// maxDownloadRuns bounds the sync runs a download fault case may take to
// converge, so a case that never converges fails instead of looping.
const maxDownloadRuns = 4

// otherInstallToken is the refresh token of the install that adds the
// remote items of these tests. It shares the OAuth client id of the env,
// so the binary lists what it creates.
const otherInstallToken = "reliability-download-faults-other"

// expiryDelay holds one download in the emulator while the test moves the
// emulator clock past the base URLs' 60-minute lifetime. The test only has
// to see the request arrive within it.
const expiryDelay = "3s"

// downloadEnv is an env whose folder downloads, with the items another
// install added remotely and the local files it must end with.
type downloadEnv struct {
	*env
	other *photosapi.Client
	// want counts the expected local files by SHA-256 and directory,
	// joined by a space.
	want map[string]int
}

// newDownloadEnv returns an env in mode with 7 remote items: 2 outside
// albums, 3 in "Trips/2024" and 2 in "Family". A two-way folder also gets
// 3 local photos to upload, at the root and in "Home".
func newDownloadEnv(t *testing.T, mode string) *downloadEnv {
	t.Helper()
	d := &downloadEnv{env: newEnvWith(t, mode, emulator.Options{}), want: map[string]int{}}
	d.addRemoteItems("", 2, "loose")
	d.addRemoteItems("Trips/2024", 3, "trip")
	d.addRemoteItems("Family", 2, "family")
	if mode == "two-way" {
		d.addPhotos("", 1, "local")
		d.addPhotos("Home", 2, "home")
		for _, f := range d.supported() {
			d.want[f.SHA256+" "+path.Dir(f.Rel)]++
		}
	}
	return d
}

func (d *downloadEnv) otherClient() *photosapi.Client {
	d.t.Helper()
	if d.other != nil {
		return d.other
	}
	conf := photosapi.OAuthConfig("reliability-client", "reliability-secret",
		d.emu.URL+"/o/oauth2/v2/auth", d.emu.URL+"/token", "")
	tokens := photosapi.NewTokenSource(context.Background(), conf,
		&oauth2.Token{RefreshToken: otherInstallToken}, nil)
	c, err := photosapi.New(photosapi.Options{Endpoint: d.emu.URL + "/", TokenSource: tokens, HTTPClient: &http.Client{}})
	if err != nil {
		d.t.Fatalf("new API client: %v", err)
	}
	d.other = c
	return c
}

// distinctJPEG returns a 24×24 JPEG without metadata, followed by a
// trailer that makes its bytes unique.
func distinctJPEG(t *testing.T, trailer string) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 24, 24))
	for x := range 24 {
		for y := range 24 {
			img.Set(x, y, color.RGBA{R: uint8(x * 10), G: 200, B: uint8(y * 10), A: 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return append(buf.Bytes(), trailer...)
}

// addRemoteItems creates n photos through the other install, in the album
// titled album (created when missing) or outside albums when album is "".
// It records where their downloads must land: the directory named by the
// title, or the folder root.
func (d *downloadEnv) addRemoteItems(album string, n int, tag string) {
	d.t.Helper()
	ctx := d.t.Context()
	c := d.otherClient()
	var albumID string
	if album != "" {
		a, err := c.CreateAlbum(ctx, album)
		if err != nil {
			d.t.Fatalf("create remote album %q: %v", album, err)
		}
		albumID = a.ID
	}

	batch := remoteBatch{t: d.t, client: c, albumID: albumID}
	dir := album
	if dir == "" {
		dir = "."
	}
	for i := range n {
		data := distinctJPEG(d.t, fmt.Sprintf("%s download-fault photo %d", tag, i))
		remote, local := batch.upload(data, fmt.Sprintf("%s-%d.jpg", tag, i))
		d.localSHA[remote] = local
		d.remoteSHA[local] = remote
		d.want[local+" "+dir]++
	}
	batch.create(album)
}

// checkTree walks every file of the folder outside its .photosync
// directory and checks that the files are exactly d.want by SHA-256 and
// directory. So each remote item is there once, in its album's directory,
// and no partial download is left under any name.
func (d *downloadEnv) checkTree() {
	d.t.Helper()
	got := map[string][]string{}
	err := filepath.WalkDir(d.root, func(p string, entry fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(d.root, p)
		rel = filepath.ToSlash(rel)
		if entry.IsDir() && rel == ".photosync" {
			return filepath.SkipDir
		}
		if entry.IsDir() {
			return nil
		}
		if !entry.Type().IsRegular() {
			d.t.Errorf("%s: not a regular file (%v)", rel, entry.Type())
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		key := hex.EncodeToString(sum[:]) + " " + path.Dir(rel)
		got[key] = append(got[key], rel)
		return nil
	})
	if err != nil {
		d.t.Fatalf("walk %s: %v", d.root, err)
	}
	var keys []string
	for k := range d.want {
		keys = append(keys, k)
	}
	for k := range got {
		if _, ok := d.want[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		if len(got[k]) == d.want[k] {
			continue
		}
		sha, dir, _ := strings.Cut(k, " ")
		d.t.Errorf("content %s in directory %q: %d files %q, want %d", sha[:12], dir, len(got[k]), got[k], d.want[k])
	}
}

// checkDone checks the local tree, the library and `photosync state check`.
func (d *downloadEnv) checkDone() {
	d.t.Helper()
	d.checkTree()
	d.checkConverged()
	d.checkStateClean()
}

// syncToConvergence runs sync until it exits 0, at most maxDownloadRuns
// times, and then checks the result. Each run before that must exit 1 and
// write a message.
func (d *downloadEnv) syncToConvergence() {
	d.t.Helper()
	for run := 1; ; run++ {
		res := d.run("sync")
		if res.Code == 0 {
			break
		}
		if res.Code != 1 || strings.TrimSpace(res.Stderr) == "" {
			d.t.Fatalf("sync run %d: want exit 0, or 1 with a message: %s", run, res)
		}
		if run == maxDownloadRuns {
			d.t.Fatalf("sync did not converge in %d runs; last: %s", run, res)
		}
	}
	d.checkDone()
}

// checkStopped checks that res stopped with code and a message that
// contains text.
func checkStopped(t *testing.T, res testenv.Result, code int, text string) {
	t.Helper()
	if res.Code != code {
		t.Errorf("sync exit %d, want %d: %s", res.Code, code, res)
	}
	if !strings.Contains(strings.ToLower(res.Stdout+res.Stderr), text) {
		t.Errorf("sync output does not mention %q: %s", text, res)
	}
}

// faultsLeft returns the faults the emulator still holds. A counted fault
// leaves the list once it has been applied count times.
func (d *downloadEnv) faultsLeft() []map[string]any {
	d.t.Helper()
	var list struct {
		Faults []map[string]any `json:"faults"`
	}
	d.emu.Get("faults", &list)
	return list.Faults
}

// checkFaultsUsed fails the test when a counted fault was not applied in
// full, so that a case cannot pass by never meeting its fault.
func (d *downloadEnv) checkFaultsUsed() {
	d.t.Helper()
	for _, f := range d.faultsLeft() {
		if n, ok := f["count"].(float64); ok && n > 0 {
			d.t.Errorf("fault %v was not applied %v times", f, n)
		}
	}
}

// listingMethods are the calls of a poll: the albums, the items of each
// album, and the items outside albums.
var listingMethods = []string{"albums.list", "mediaItems.search", "mediaItems.list"}

// dailyQuotaIn400 is Google's daily quota text inside an HTTP 400.
const dailyQuotaIn400 = `"status":400,"body":"{\"error\":{\"code\":400,\"message\":\"Quota exceeded for quota metric ` +
	`'All requests' and limit 'All requests per day' of service 'photoslibrary.googleapis.com'\",` +
	`\"status\":\"INVALID_ARGUMENT\"}}"`

// downloadFaultCase is one row of the download fault matrix.
type downloadFaultCase struct {
	name   string
	faults []string
	// stopCode and stopText, when stopCode is not 0, are the exit code and
	// a part of the output of the first run, which must stop.
	stopCode int
	stopText string
}

// serverStatuses are the server errors each listing call and the download
// get, one request each. Each costs the client's first backoff of about a
// second, so a two-way folder gets one status per method by default and
// all of them with -reliability.long.
var serverStatuses = []int{500, 502, 503, 504}

func downloadFaultMatrix(mode string) []downloadFaultCase {
	var cases []downloadFaultCase
	methods := append(slices.Clone(listingMethods), "download")
	for i, method := range methods {
		for j, status := range serverStatuses {
			if mode == "two-way" && !*long && j != i%len(serverStatuses) {
				continue
			}
			cases = append(cases, downloadFaultCase{
				name:   fmt.Sprintf("%d on %s", status, method),
				faults: []string{fmt.Sprintf(`{"method":%q,"status":%d,"count":1}`, method, status)},
			})
		}
	}
	for _, method := range listingMethods {
		cases = append(cases,
			downloadFaultCase{name: "per-minute quota on " + method,
				faults: []string{`{"method":"` + method + `","preset":"perMinuteQuota","count":1` + retryAfterOne + `}`}},
			downloadFaultCase{name: "daily quota on " + method,
				faults:   []string{`{"method":"` + method + `","preset":"dailyQuota"}`},
				stopCode: 3, stopText: "quota"},
			downloadFaultCase{name: "daily quota in a 400 on " + method,
				faults:   []string{`{"method":"` + method + `",` + dailyQuotaIn400 + `}`},
				stopCode: 3, stopText: "quota"},
		)
	}
	cases = append(cases, downloadFaultCase{name: "dropped downloads",
		faults: []string{`{"method":"download","dropAfterBytes":100,"count":3}`}})
	return cases
}

func TestDownloadFaults(t *testing.T) {
	for _, mode := range downloadModes {
		for _, tc := range downloadFaultMatrix(mode) {
			t.Run(mode+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				d := newDownloadEnv(t, mode)
				for _, spec := range tc.faults {
					d.emu.AddFault(spec)
				}
				if tc.stopCode != 0 {
					checkStopped(t, d.run("sync"), tc.stopCode, tc.stopText)
					d.checkNoTemporaryFiles()
					d.emu.ClearFaults()
				}
				d.syncToConvergence()
				d.checkFaultsUsed()
			})
		}
	}
}

// mixedDownloadFaults are the transient faults TestDownloadFaultsMixed
// draws from, each applied to a request with a probability.
var mixedDownloadFaults = []string{
	`{"method":%q,"status":500,"probability":0.25,"seed":%d}`,
	`{"method":%q,"status":502,"probability":0.25,"seed":%d}`,
	`{"method":%q,"status":503,"probability":0.25,"seed":%d}`,
	`{"method":%q,"status":504,"probability":0.25,"seed":%d}`,
	`{"method":%q,"preset":"perMinuteQuota","probability":0.2,"seed":%d` + retryAfterOne + `}`,
	`{"method":%q,"dropAfterBytes":100,"probability":0.25,"seed":%d}`,
}

func TestDownloadFaultsMixed(t *testing.T) {
	rng := rand.New(rand.NewPCG(*seed, 11))
	methods := append(slices.Clone(listingMethods), "download")
	for _, mode := range downloadModes {
		for round := range 2 {
			var specs []string
			for _, method := range methods {
				specs = append(specs, fmt.Sprintf(mixedDownloadFaults[rng.IntN(len(mixedDownloadFaults))], method, rng.Uint64()>>1))
			}
			t.Run(fmt.Sprintf("%s/round %d", mode, round), func(t *testing.T) {
				t.Parallel()
				d := newDownloadEnv(t, mode)
				for _, spec := range specs {
					d.emu.AddFault(spec)
				}
				t.Logf("faults: %s", strings.Join(specs, " "))
				d.syncToConvergence()
			})
		}
	}
}

// startHeldDownload starts `photosync sync` with its first download held
// for expiryDelay and waits until that download reaches the emulator. The
// caller acts while the download waits, then calls wait for the result.
func (d *downloadEnv) startHeldDownload() (wait func() testenv.Result) {
	d.t.Helper()
	d.emu.AddFault(`{"method":"download","delay":"` + expiryDelay + `","count":1}`)
	ctx, cancel := context.WithTimeout(d.t.Context(), testenv.CommandTimeout)
	cmd := d.command(ctx, "sync")
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		cancel()
		d.t.Fatal(err)
	}

	done := false
	wait = func() testenv.Result {
		d.t.Helper()
		if done {
			d.t.Fatal("wait called twice")
		}
		done = true
		defer cancel()
		err := cmd.Wait()
		code := 0
		if exitErr, ok := err.(*exec.ExitError); ok {
			code = exitErr.ExitCode()
		} else if err != nil {
			d.t.Fatalf("run %v: %v", cmd.Args, err)
		}
		return testenv.Result{Code: code, Stdout: stdout.String(), Stderr: stderr.String()}
	}
	d.t.Cleanup(func() {
		if !done {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			cancel()
		}
	})

	testenv.WaitFor(d.t, "the first download", testenv.CommandTimeout, func() bool {
		return d.emu.Requests().ByMethod["download"] >= 1
	})
	return wait
}

// checkExpiryMet fails the test unless the pass fetched an item again
// after a base URL expired, which shows that the clock moved while the
// first download was held.
func (d *downloadEnv) checkExpiryMet() {
	d.t.Helper()
	if n := d.emu.Requests().ByMethod["mediaItems.batchGet"]; n == 0 {
		d.t.Errorf("no mediaItems.batchGet: no download met an expired base URL")
	}
}

func TestDownloadExpiredBaseURLs(t *testing.T) {
	for _, mode := range downloadModes {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			d := newDownloadEnv(t, mode)
			wait := d.startHeldDownload()
			// Every base URL the poll listed expires, and so does the
			// access token, which lives 3599 s.
			d.emu.AdvanceClock("2h")
			res := wait()
			if res.Code != 0 {
				t.Errorf("sync with expired base URLs: %s", res)
			}
			d.checkExpiryMet()
			d.checkDone()
		})
	}
}

func TestDownloadBatchGetFaults(t *testing.T) {
	// By default each folder mode gets two of the four statuses, which the
	// client retries with growing waits of about 1 and 1.3 seconds.
	for i, mode := range downloadModes {
		statuses := serverStatuses[2*i : 2*i+2]
		if *long {
			statuses = serverStatuses
		}
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			d := newDownloadEnv(t, mode)
			for _, status := range statuses {
				d.emu.AddFault(fmt.Sprintf(`{"method":"mediaItems.batchGet","status":%d,"count":1}`, status))
			}
			wait := d.startHeldDownload()
			d.emu.AdvanceClock("2h")
			if res := wait(); res.Code != 0 {
				t.Errorf("sync with batchGet failures: %s", res)
			}
			d.checkExpiryMet()
			d.checkFaultsUsed()
			d.checkDone()
		})
	}
}

func TestDownloadRevokedToken(t *testing.T) {
	for _, mode := range downloadModes {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			d := newDownloadEnv(t, mode)
			wait := d.startHeldDownload()
			// A base URL needs no token, so the revocation only shows when
			// the pass must fetch an expired item again.
			d.emu.AddFault(`{"revokeRefreshToken":"` + refreshToken + `"}`)
			d.emu.AdvanceClock("2h")
			checkStopped(t, wait(), 3, "auth login")
			d.checkExpiryMet()
			d.checkNoTemporaryFiles()
			d.emu.ClearFaults()
			testenv.WriteToken(t, d.token, "reliability-refresh-after-revoke")
			d.syncToConvergence()
		})
	}
}

func TestDownloadSlowListingPastTimeout(t *testing.T) {
	if !*long {
		t.Skip("waits past the client's one-minute request timeout; run with -reliability.long")
	}
	for _, mode := range downloadModes {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			d := newDownloadEnv(t, mode)
			d.emu.AddFault(`{"method":"mediaItems.list","delay":"70s","count":1}`)
			d.syncToConvergence()
			d.checkFaultsUsed()
		})
	}
}
