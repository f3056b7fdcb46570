package reliability

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/photosync/photosync/internal/testenv"
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
	var cleanup func()
	var err error
	binary, cleanup, err = testenv.BuildBinary("../cmd/photosync")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer cleanup()
	return m.Run()
}

// env is one install of photosync: a config, credentials, a synced folder
// and a state directory, talking to an emulator of its own.
type env struct {
	t        *testing.T
	emu      *testenv.Emulator
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
	emu := testenv.StartEmulator(t, opts)

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
		socket:    filepath.Join(sockDir, "s"),
		localSHA:  map[string]string{},
		remoteSHA: map[string]string{},
		vars:      append(testenv.IsolatedEnv(home), "XDG_RUNTIME_DIR="+sockDir),
	}
	if err := os.MkdirAll(e.root, 0o755); err != nil {
		t.Fatal(err)
	}
	e.creds, e.token = testenv.WriteCredentials(t, dir, testenv.Credentials{
		ClientID: "reliability-client", ClientSecret: "reliability-secret", RefreshToken: refreshToken,
	})
	e.writeConfig("")
	return e
}

// writeConfig writes the config file, with extra as top-level keys. The
// folder has the env's mode.
func (e *env) writeConfig(extra string) {
	e.t.Helper()
	testenv.WriteConfig(e.t, e.config, testenv.Config{
		StateDir:        e.stateDir,
		Socket:          e.socket,
		EmulatorURL:     e.emu.URL,
		UploadEndpoint:  true,
		CredentialsFile: e.creds,
		TokenFile:       e.token,
		Folders:         []testenv.Folder{{Path: e.root, Mode: e.mode}},
		Extra:           extra,
	})
}

// command returns the binary with --config and args, ready to start.
func (e *env) command(ctx context.Context, args ...string) *exec.Cmd {
	return testenv.Command(ctx, binary, e.vars, append([]string{"--config", e.config}, args...)...)
}

// run runs the binary with args to the end.
func (e *env) run(args ...string) testenv.Result {
	e.t.Helper()
	return testenv.Run(e.t, binary, e.vars, append([]string{"--config", e.config}, args...)...)
}

// supported lists the files of the synced folder that a sync must upload.
func (e *env) supported() []testenv.LocalFile {
	e.t.Helper()
	return testenv.SupportedFiles(e.t, e.root)
}

// checkConverged checks that every supported local file is one item, in
// the album titled by its directory, that no item is extra, and that no
// temporary file of a download sits in the tree. A downloaded file is
// matched to its item through remoteSHA.
func (e *env) checkConverged() {
	e.t.Helper()
	files := e.supported()
	for i, f := range files {
		if r, ok := e.remoteSHA[f.SHA256]; ok {
			files[i].SHA256 = r
		}
	}
	items, albums := e.emu.Library()
	testenv.CheckExactlyOnce(e.t, files, items, albums)
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
	if res := e.run("state", "check"); res.Code != 0 {
		e.t.Errorf("state check: %s", res)
	}
}

// copySamples copies the sample media of testdata/media into the synced
// folder, with modification times an hour old so every file is settled.
func (e *env) copySamples() {
	e.t.Helper()
	testenv.CopyTree(e.t, filepath.Join("..", "testdata", "media"), e.root, time.Now().Add(-time.Hour))
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
