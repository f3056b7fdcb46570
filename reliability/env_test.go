package reliability

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/photosync/photosync/internal/media"
	"github.com/photosync/photosync/photosapi"
	"github.com/photosync/photosync/photosapi/emulator"
)

var (
	trials = flag.Int("reliability.trials", 6, "crash trials per mode")
	seed   = flag.Uint64("reliability.seed", 1, "seed of the kill points and of the mixed faults")
	long   = flag.Bool("reliability.long", false, "also run the cases that wait past the client's timeouts")
)

// binary is the photosync binary that TestMain builds.
var binary string

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(buildAndRun(m))
}

func buildAndRun(m *testing.M) int {
	dir, err := os.MkdirTemp("", "photosync-reliability-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "create build directory:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	binary = filepath.Join(dir, "photosync")
	build := exec.Command("go", "build", "-o", binary, "../cmd/photosync")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build photosync:", err)
		return 1
	}
	return m.Run()
}

// commandTimeout bounds one run of the binary, so a hang fails the test
// instead of stalling the suite.
const commandTimeout = 2 * time.Minute

// env is one install of photosync: a config, credentials, a synced folder
// and a state directory, talking to an emulator of its own.
type env struct {
	t        *testing.T
	emu      *emulator.Running
	mode     string
	dir      string
	root     string
	stateDir string
	config   string
	token    string
	creds    string
	socket   string
	vars     []string

	// client is the other install's API client that addRemote uses, made
	// on first use.
	client *photosapi.Client
	// localSHA maps the content of an item that addRemote created to the
	// content its download has, and remoteSHA maps back. A download strips
	// the location from a photo, so the two may differ.
	localSHA, remoteSHA map[string]string
}

// refreshToken is the refresh token of every env. The emulator binds a
// refresh token it has never seen to the client id that presents it.
const refreshToken = "reliability-refresh"

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvWith(t, "upload-only", emulator.Options{})
}

// newEnvWith returns an env whose folder has mode, against an emulator
// started with opts.
func newEnvWith(t *testing.T, mode string, opts emulator.Options) *env {
	t.Helper()
	opts.VideoProcessingTime = -1
	emu, err := emulator.Start(opts, "127.0.0.1:0")
	if err != nil {
		t.Fatalf("start emulator: %v", err)
	}
	t.Cleanup(func() { emu.Close() })

	dir := t.TempDir()
	// Unix socket paths are limited to about 100 bytes, which a test's
	// temporary directory can exceed.
	sockDir, err := os.MkdirTemp("", "psrel")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(sockDir) })
	home := filepath.Join(dir, "home")
	e := &env{
		t:         t,
		emu:       emu,
		mode:      mode,
		dir:       dir,
		root:      filepath.Join(dir, "Photos"),
		stateDir:  filepath.Join(dir, "state"),
		config:    filepath.Join(dir, "config.yaml"),
		token:     filepath.Join(dir, "token.json"),
		creds:     filepath.Join(dir, "client_secret.json"),
		socket:    filepath.Join(sockDir, "s"),
		localSHA:  map[string]string{},
		remoteSHA: map[string]string{},
		vars: []string{
			"HOME=" + home,
			"PATH=" + os.Getenv("PATH"),
			"XDG_CONFIG_HOME=" + filepath.Join(home, "config"),
			"XDG_STATE_HOME=" + filepath.Join(home, "state"),
			"XDG_RUNTIME_DIR=" + sockDir,
		},
	}
	if err := os.MkdirAll(e.root, 0o755); err != nil {
		t.Fatal(err)
	}
	writePrivate(t, e.creds, `{"installed":{"client_id":"reliability-client","client_secret":"reliability-secret"}}`)
	writePrivate(t, e.token, `{"refresh_token":"`+refreshToken+`"}`)
	e.writeConfig("")
	return e
}

// writeConfig writes the config file, with extra appended at the top
// level. The folder has the env's mode.
func (e *env) writeConfig(extra string) {
	e.t.Helper()
	cfg := fmt.Sprintf(`state_dir: %s
socket: %s
api:
  endpoint: %s/
  upload_endpoint: %s/v1/uploads
  auth_url: %s/o/oauth2/v2/auth
  token_url: %s/token
  credentials_file: %s
  token_file: %s
settle_time: 1s
workers: 4
log:
  level: warn
  format: json
folders:
  - path: %s
    mode: %s
%s`, e.stateDir, e.socket, e.emu.URL, e.emu.URL, e.emu.URL, e.emu.URL, e.creds, e.token, e.root, e.mode, extra)
	writePrivate(e.t, e.config, cfg)
}

func writePrivate(t *testing.T, name, content string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// result is the outcome of one run of the binary.
type result struct {
	code   int
	stdout string
	stderr string
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
}

// command returns the binary with --config and args, ready to start.
func (e *env) command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, binary, append([]string{"--config", e.config}, args...)...)
	cmd.Env = e.vars
	return cmd
}

// run runs the binary with args to the end.
func (e *env) run(args ...string) result {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(e.t.Context(), commandTimeout)
	defer cancel()
	return runCommand(e.t, e.command(ctx, args...))
}

func runCommand(t *testing.T, cmd *exec.Cmd) result {
	t.Helper()
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if exitErr, ok := err.(*exec.ExitError); ok {
		code = exitErr.ExitCode()
	} else if err != nil {
		t.Fatalf("run %v: %v", cmd.Args, err)
	}
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// inspect decodes GET /emulator/v1/WHAT into out.
func (e *env) inspect(what string, out any) {
	e.t.Helper()
	resp, err := http.Get(e.emu.URL + "/emulator/v1/" + what)
	if err != nil {
		e.t.Fatalf("inspect %s: %v", what, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatalf("inspect %s: %v", what, err)
	}
	if err := json.Unmarshal(body, out); err != nil {
		e.t.Fatalf("inspect %s: %v in %s", what, err, body)
	}
}

// emulatorCall sends method WHAT with a JSON body to the inspection API.
func (e *env) emulatorCall(method, what, body string) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.emu.URL+"/emulator/v1/"+what, bytes.NewReader([]byte(body)))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, what, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		msg, _ := io.ReadAll(resp.Body)
		e.t.Fatalf("%s %s %s: HTTP %d: %s", method, what, body, resp.StatusCode, msg)
	}
}

func (e *env) fault(spec string) { e.t.Helper(); e.emulatorCall("POST", "faults", spec) }
func (e *env) clearFaults()      { e.t.Helper(); e.emulatorCall("DELETE", "faults", "") }
func (e *env) advance(by string) {
	e.t.Helper()
	e.emulatorCall("POST", "clock", `{"advance":"`+by+`"}`)
}
func (e *env) resetRequestCounts() { e.t.Helper(); e.emulatorCall("DELETE", "requests", "") }

// requestCounts is GET /emulator/v1/requests.
type requestCounts struct {
	Total       int            `json:"total"`
	ByMethod    map[string]int `json:"byMethod"`
	UploadBytes int64          `json:"uploadBytes"`
	InFlight    int            `json:"inFlight"`
}

func (e *env) requests() requestCounts {
	e.t.Helper()
	var r requestCounts
	e.inspect("requests", &r)
	return r
}

// remoteItem and remoteAlbum are the inspection API's records.
type remoteItem struct {
	ID       string   `json:"id"`
	Filename string   `json:"filename"`
	SHA256   string   `json:"sha256"`
	AlbumIDs []string `json:"albumIds"`
}

type remoteAlbum struct {
	ID           string   `json:"id"`
	Title        string   `json:"title"`
	MediaItemIDs []string `json:"mediaItemIds"`
}

func (e *env) remote() ([]remoteItem, []remoteAlbum) {
	e.t.Helper()
	var items struct {
		Items []remoteItem `json:"items"`
	}
	var albums struct {
		Albums []remoteAlbum `json:"albums"`
	}
	e.inspect("items", &items)
	e.inspect("albums", &albums)
	return items.Items, albums.Albums
}

// localFile is a supported photo or video of the synced folder.
type localFile struct {
	rel  string
	sha  string
	size int64
}

// supported lists the files of the synced folder that a sync must upload:
// non-empty regular files whose bytes internal/media supports, outside
// hidden directories.
func (e *env) supported() []localFile {
	e.t.Helper()
	var files []localFile
	err := filepath.WalkDir(e.root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != e.root && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if len(data) == 0 || !media.Detect(data).Supported() {
			return nil
		}
		rel, _ := filepath.Rel(e.root, p)
		sum := sha256.Sum256(data)
		files = append(files, localFile{rel: filepath.ToSlash(rel), sha: hex.EncodeToString(sum[:]), size: int64(len(data))})
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return files
}

// checkConverged checks that every supported local file is one item, in
// the album titled by its directory, that no item is extra, and that no
// temporary file of a download sits in the tree. A downloaded file is
// matched to its item through remoteSHA.
func (e *env) checkConverged() {
	e.t.Helper()
	files := e.supported()
	items, albums := e.remote()

	bySHA := map[string]string{}
	for _, it := range items {
		if other, dup := bySHA[it.SHA256]; dup {
			e.t.Errorf("content %s is two items: %s and %s", it.SHA256[:12], other, it.ID)
		}
		bySHA[it.SHA256] = it.ID
	}
	members := map[string]map[string]bool{}
	for _, a := range albums {
		if members[a.Title] != nil {
			e.t.Errorf("two albums titled %q", a.Title)
		}
		members[a.Title] = map[string]bool{}
		for _, id := range a.MediaItemIDs {
			members[a.Title][id] = true
		}
	}
	distinct := map[string]bool{}
	for _, f := range files {
		sha := f.sha
		if r, ok := e.remoteSHA[sha]; ok {
			sha = r
		}
		distinct[sha] = true
		id, ok := bySHA[sha]
		if !ok {
			e.t.Errorf("%s: no item with its content", f.rel)
			continue
		}
		if dir := path.Dir(f.rel); dir != "." && !members[dir][id] {
			e.t.Errorf("%s: item %s is not in album %q", f.rel, id, dir)
		}
	}
	if len(bySHA) != len(distinct) {
		e.t.Errorf("emulator has %d items, want %d: one per distinct local content", len(bySHA), len(distinct))
	}
	e.checkNoTemporaryFiles()
}

func (e *env) checkNoTemporaryFiles() {
	e.t.Helper()
	err := filepath.WalkDir(e.root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.HasPrefix(d.Name(), ".photosync-tmp-") {
			e.t.Errorf("temporary file left behind: %s", p)
		}
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

// checkStateClean runs `photosync state check` and fails the test unless
// it reports no problem.
func (e *env) checkStateClean() {
	e.t.Helper()
	if res := e.run("state", "check"); res.code != 0 {
		e.t.Errorf("state check: %s", res)
	}
}

// copySamples copies the sample media of testdata/media into the synced
// folder, with modification times an hour old so every file is settled.
func (e *env) copySamples() {
	e.t.Helper()
	src := filepath.Join("..", "testdata", "media")
	old := time.Now().Add(-time.Hour)
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(e.root, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := os.WriteFile(target, data, 0o644); err != nil {
			return err
		}
		return os.Chtimes(target, old, old)
	})
	if err != nil {
		e.t.Fatalf("copy sample media: %v", err)
	}
}

// addPhotos writes n photos with distinct content into dir of the synced
// folder: a sample JPEG with a unique trailer after its end marker, which
// still reads as a JPEG.
func (e *env) addPhotos(dir string, n int, tag string) {
	e.t.Helper()
	sample, err := os.ReadFile(filepath.Join("..", "testdata", "media", "Orientation", "f1-exif.jpg"))
	if err != nil {
		e.t.Fatal(err)
	}
	target := filepath.Join(e.root, filepath.FromSlash(dir))
	if err := os.MkdirAll(target, 0o755); err != nil {
		e.t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	for i := range n {
		data := append(bytes.Clone(sample), fmt.Sprintf("%s photo %d", tag, i)...)
		name := filepath.Join(target, fmt.Sprintf("%s-%d.jpg", tag, i))
		if err := os.WriteFile(name, data, 0o644); err != nil {
			e.t.Fatal(err)
		}
		if err := os.Chtimes(name, old, old); err != nil {
			e.t.Fatal(err)
		}
	}
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, deadline time.Duration, cond func() bool) {
	t.Helper()
	end := time.Now().Add(deadline)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("timed out after %v waiting for %s", deadline, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
