package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/photosync/photosync/daemon"
	"github.com/photosync/photosync/internal/testenv"
	"github.com/photosync/photosync/photosapi/emulator"
)

// daemonWait bounds each wait for the daemon to reach a condition. The
// conditions are polled; the bound only turns a hang into a failure.
const daemonWait = 2 * time.Minute

// daemonEnv is an emulator in the test process, a config that points the
// binary at it, and the daemon processes the test starts.
type daemonEnv struct {
	t      *testing.T
	emu    *testenv.Emulator
	dir    string
	config string
	root   string
	socket string
	env    []string
	// current is the daemon that waitStatus expects to respond.
	current *runningDaemon
}

// daemonConfig holds the config keys that tests change.
type daemonConfig struct {
	dailyLimit, pollReserve int
	// logLevel is the daemon's log.level; empty means info.
	logLevel string
}

func newDaemonEnv(t *testing.T, dc daemonConfig) *daemonEnv {
	t.Helper()
	emu := testenv.StartEmulator(t, emulator.Options{VideoProcessingTime: -1})
	dir := t.TempDir()
	creds, token := testenv.WriteCredentials(t, dir, testenv.Credentials{
		ClientID: "daemon-client", ClientSecret: "daemon-secret", RefreshToken: "daemon-refresh",
	})
	root := filepath.Join(dir, "Photos")
	if err := os.MkdirAll(root, 0o755); err != nil {
		t.Fatal(err)
	}
	if dc.dailyLimit == 0 {
		dc.dailyLimit, dc.pollReserve = 100_000, 100
	}
	if dc.logLevel == "" {
		dc.logLevel = "info"
	}
	socket := filepath.Join(dir, "run", "photosync.sock")
	config := testenv.WriteConfig(t, filepath.Join(dir, "config.yaml"), testenv.Config{
		StateDir:        filepath.Join(dir, "state"),
		Socket:          socket,
		EmulatorURL:     emu.URL,
		UploadEndpoint:  true,
		CredentialsFile: creds,
		TokenFile:       token,
		LogLevel:        dc.logLevel,
		Folders:         []testenv.Folder{{Path: root}},
		Extra: fmt.Sprintf("poll_interval: 30s\nscan_interval: 1h\nquota:\n  daily_limit: %d\n  poll_reserve: %d\n",
			dc.dailyLimit, dc.pollReserve),
	})
	return &daemonEnv{t: t, emu: emu, dir: dir, root: root, socket: socket, config: config, env: isolatedEnv(t)}
}

// runningDaemon is one daemon process.
type runningDaemon struct {
	cmd  *exec.Cmd
	log  string
	done chan struct{}
	err  error
}

// start starts a daemon and waits until it responds on the socket and has
// finished its first pass.
func (e *daemonEnv) start(extraEnv ...string) *runningDaemon {
	e.t.Helper()
	d := e.spawn(extraEnv...)
	e.current = d
	e.waitStatus("the first pass", func(st *daemon.Status) bool {
		return !st.Folders[0].LastScan.IsZero()
	})
	return d
}

// spawn starts a daemon process without waiting for it.
func (e *daemonEnv) spawn(extraEnv ...string) *runningDaemon {
	e.t.Helper()
	logFile, err := os.CreateTemp(e.dir, "daemon-*.log")
	if err != nil {
		e.t.Fatal(err)
	}
	cmd := exec.Command(binary, "--config", e.config, "daemon")
	cmd.Env = append(slices.Clone(e.env), extraEnv...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		e.t.Fatalf("start daemon: %v", err)
	}
	d := &runningDaemon{cmd: cmd, log: logFile.Name(), done: make(chan struct{})}
	go func() {
		d.err = cmd.Wait()
		logFile.Close()
		close(d.done)
	}()
	e.t.Cleanup(func() {
		cmd.Process.Kill()
		<-d.done
		if e.t.Failed() {
			data, _ := os.ReadFile(d.log)
			e.t.Logf("daemon log:\n%s", data)
		}
	})
	return d
}

// exited reports whether the process has exited.
func (d *runningDaemon) exited() bool {
	select {
	case <-d.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM and returns the exit code.
func (d *runningDaemon) stop(t *testing.T) int {
	t.Helper()
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("signal daemon: %v", err)
	}
	select {
	case <-d.done:
	case <-time.After(daemonWait):
		t.Fatal("daemon did not exit after SIGTERM")
	}
	return d.cmd.ProcessState.ExitCode()
}

// waitStatus polls the daemon's status until cond holds.
func (e *daemonEnv) waitStatus(what string, cond func(*daemon.Status) bool) *daemon.Status {
	e.t.Helper()
	client := daemon.NewClient(e.socket)
	deadline := time.Now().Add(daemonWait)
	var last *daemon.Status
	var lastErr error
	for time.Now().Before(deadline) {
		st, err := client.Status(e.t.Context())
		if err == nil && cond(st) {
			return st
		}
		last, lastErr = st, err
		if e.current != nil && e.current.exited() {
			data, _ := os.ReadFile(e.current.log)
			e.t.Fatalf("waiting for %s: the daemon exited: %v\n%s", what, e.current.err, data)
		}
		time.Sleep(50 * time.Millisecond) // polling interval, not synchronization
	}
	data, _ := json.MarshalIndent(last, "", "  ")
	e.t.Fatalf("waiting for %s: timed out; last status %s, error %v", what, data, lastErr)
	return nil
}

// waitRemote polls the emulator's items until cond holds.
func (e *daemonEnv) waitRemote(what string, cond func(items []testenv.Item, albums []testenv.Album) bool) {
	e.t.Helper()
	e.waitRemoteFor(what, cond, func() string { return "" })
}

// waitRemoteFor is waitRemote with a function that explains the last
// mismatch in the failure message.
func (e *daemonEnv) waitRemoteFor(what string, cond func(items []testenv.Item, albums []testenv.Album) bool,
	explain func() string) {
	e.t.Helper()
	deadline := time.Now().Add(daemonWait)
	for time.Now().Before(deadline) {
		items, albums := e.emu.Library()
		if cond(items, albums) {
			return
		}
		time.Sleep(100 * time.Millisecond) // polling interval, not synchronization
	}
	items, albums := e.emu.Library()
	e.t.Fatalf("waiting for %s: timed out with %d items and %d albums: %s",
		what, len(items), len(albums), explain())
}

// run runs the binary with the env's config to the end.
func (e *daemonEnv) run(args ...string) testenv.Result {
	e.t.Helper()
	return testenv.Run(e.t, binary, e.env, append([]string{"--config", e.config}, args...)...)
}

// writePNG writes a small PNG whose pixels depend on seed, so that every
// seed gives different bytes, and returns its SHA-256.
func writePNG(t *testing.T, name string, seed int) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	img.Set(0, 0, color.RGBA{R: uint8(seed), G: uint8(seed >> 8), B: uint8(seed >> 16), A: 255})
	img.Set(1, 1, color.RGBA{R: 7, G: 9, B: 11, A: 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(buf.Bytes())
	return hex.EncodeToString(sum[:])
}

// localTree returns the SHA-256 of every file under root by album title:
// the slash-separated directory relative to root, "" for the root.
func localTree(t *testing.T, root string) map[string][]string {
	t.Helper()
	tree := map[string][]string{}
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".photosync" {
			return filepath.SkipDir
		}
		if d.IsDir() {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		dir := path.Dir(filepath.ToSlash(rel))
		if dir == "." {
			dir = ""
		}
		sum := sha256.Sum256(data)
		tree[dir] = append(tree[dir], hex.EncodeToString(sum[:]))
		return nil
	})
	if err != nil {
		t.Fatalf("walk %s: %v", root, err)
	}
	for dir := range tree {
		slices.Sort(tree[dir])
	}
	return tree
}

// remoteMatches reports whether the remote albums hold exactly the local
// files of their directories, every local file has an item, and albums of
// directories that no longer exist are empty.
func remoteMatches(local map[string][]string, items []testenv.Item, albums []testenv.Album) (bool, string) {
	bySHA := map[string]bool{}
	byID := map[string]string{}
	for _, it := range items {
		bySHA[it.SHA256] = true
		byID[it.ID] = it.SHA256
	}
	for dir, shas := range local {
		for _, s := range shas {
			if !bySHA[s] {
				return false, fmt.Sprintf("no item for a file in %q", dir)
			}
		}
	}
	for _, a := range albums {
		var got []string
		for _, id := range a.MediaItemIDs {
			got = append(got, byID[id])
		}
		slices.Sort(got)
		want := local[a.Title]
		if !slices.Equal(got, want) {
			return false, fmt.Sprintf("album %q has %d items, want %d", a.Title, len(got), len(want))
		}
	}
	for dir := range local {
		if dir == "" {
			continue
		}
		if !slices.ContainsFunc(albums, func(a testenv.Album) bool { return a.Title == dir }) {
			return false, fmt.Sprintf("no album %q", dir)
		}
	}
	return true, ""
}

func TestDaemonUploadsDroppedFile(t *testing.T) {
	e := newDaemonEnv(t, daemonConfig{})
	d := e.start()

	info, err := os.Stat(e.socket)
	if err != nil {
		t.Fatalf("stat socket: %v", err)
	}
	if mode := info.Mode().Perm(); mode != 0o600 {
		t.Errorf("socket mode = %v, want 0600", mode)
	}

	sha := writePNG(t, filepath.Join(e.root, "dropped.png"), 1)
	e.waitRemote("the dropped file's item", func(items []testenv.Item, _ []testenv.Album) bool {
		return slices.ContainsFunc(items, func(it testenv.Item) bool { return it.SHA256 == sha })
	})
	e.waitStatus("the folder idle with one item in sync", func(st *daemon.Status) bool {
		f := st.Folders[0]
		return f.State == daemon.StateIdle && f.InSync == 1 && f.Queued == 0
	})

	res := e.run("status", "--json")
	if res.Code != 0 {
		t.Fatalf("status --json: exit %d, stderr %s", res.Code, res.Stderr)
	}
	var st daemon.Status
	if err := json.Unmarshal([]byte(res.Stdout), &st); err != nil {
		t.Fatalf("status --json output: %v\n%s", err, res.Stdout)
	}
	if st.PID != d.cmd.Process.Pid {
		t.Errorf("status pid = %d, want %d", st.PID, d.cmd.Process.Pid)
	}
	if got := st.Folders[0].State.String(); got != "idle" {
		t.Errorf("folder state = %q, want idle", got)
	}
	if st.Folders[0].LastPoll.IsZero() {
		t.Error("folder last_poll is zero; the first poll runs at start")
	}
	if q := st.Accounts[0].Quota; q.Used == 0 || q.Left != q.Limit-q.Used {
		t.Errorf("quota = %+v, want requests counted and left = limit - used", q)
	}

	table := e.run("status")
	if table.Code != 0 || !strings.Contains(table.Stdout, e.root) || !strings.Contains(table.Stdout, "idle") {
		t.Errorf("status table: exit %d\n%s%s", table.Code, table.Stdout, table.Stderr)
	}

	if code := d.stop(t); code != 0 {
		t.Fatalf("daemon exit code after SIGTERM = %d, want 0", code)
	}
	if _, err := os.Stat(e.socket); !os.IsNotExist(err) {
		t.Errorf("socket still exists after stop: %v", err)
	}
	after := e.run("sync")
	if after.Code != 0 {
		t.Fatalf("sync after the daemon: exit %d\n%s%s", after.Code, after.Stdout, after.Stderr)
	}
	if !strings.Contains(after.Stdout, "0 uploaded") {
		t.Errorf("sync after the daemon uploaded again:\n%s", after.Stdout)
	}
	if items, _ := e.emu.Library(); len(items) != 1 {
		t.Errorf("remote has %d items, want 1", len(items))
	}
}

func TestDaemonMetrics(t *testing.T) {
	e := newDaemonEnv(t, daemonConfig{})
	e.start()
	client := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var dialer net.Dialer
			return dialer.DialContext(ctx, "unix", e.socket)
		},
	}}
	resp, err := client.Get("http://photosync/metrics")
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse metrics: %v", err)
	}
	for _, name := range []string{"photosync_quota_requests_used", "photosync_quota_requests_left",
		"photosync_quota_reset_timestamp_seconds", "photosync_files", "photosync_api_requests_total",
		"photosync_pass_duration_seconds"} {
		if _, ok := families[name]; !ok {
			t.Errorf("metrics lack %s", name)
		}
	}
	if left := families["photosync_quota_requests_left"]; left != nil {
		if v := left.GetMetric()[0].GetGauge().GetValue(); v <= 0 || v > 100_000 {
			t.Errorf("photosync_quota_requests_left = %v, want in (0, 100000]", v)
		}
	}
}

func TestDaemonSecondInstanceExits(t *testing.T) {
	e := newDaemonEnv(t, daemonConfig{})
	first := e.start()
	second := e.spawn()
	select {
	case <-second.done:
	case <-time.After(daemonWait):
		t.Fatal("second daemon did not exit")
	}
	if code := second.cmd.ProcessState.ExitCode(); code != exitFatal {
		t.Errorf("second daemon exit code = %d, want %d", code, exitFatal)
	}
	log, _ := os.ReadFile(second.log)
	if want := fmt.Sprintf("process %d", first.cmd.Process.Pid); !strings.Contains(string(log), want) {
		t.Errorf("second daemon's error does not name %q:\n%s", want, log)
	}
	if code := first.stop(t); code != 0 {
		t.Errorf("first daemon exit code = %d, want 0", code)
	}

	res := e.run("status")
	if res.Code != exitFatal {
		t.Errorf("status without a daemon: exit %d, want %d", res.Code, exitFatal)
	}
	if !strings.Contains(res.Stderr, "no photosync daemon is running") {
		t.Errorf("status without a daemon: stderr %q lacks the reason", res.Stderr)
	}
}

func TestDaemonRemovesStaleSocket(t *testing.T) {
	e := newDaemonEnv(t, daemonConfig{})
	d := e.start()
	if err := d.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-d.done
	if _, err := os.Stat(e.socket); err != nil {
		t.Fatalf("a killed daemon leaves its socket: %v", err)
	}
	e.start()
}

func TestSyncCommandGoesThroughDaemon(t *testing.T) {
	e := newDaemonEnv(t, daemonConfig{})
	e.start()
	// Files an hour old have settled, so the pass that the sync command
	// requests uploads them.
	old := time.Now().Add(-time.Hour)
	for i := range 3 {
		name := filepath.Join(e.root, "Trip", fmt.Sprintf("img%d.png", i))
		writePNG(t, name, 100+i)
		if err := os.Chtimes(name, old, old); err != nil {
			t.Fatal(err)
		}
	}
	res := e.run("sync")
	if res.Code != 0 {
		t.Fatalf("sync through the daemon: exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	if !strings.Contains(res.Stdout, "found 3 files") {
		t.Errorf("sync did not print the daemon's summary:\n%s", res.Stdout)
	}
	if strings.Contains(res.Stderr, "in use by process") {
		t.Errorf("sync opened the store beside the daemon:\n%s", res.Stderr)
	}
	items, _ := e.emu.Library()
	if len(items) != 3 {
		t.Errorf("remote has %d items, want 3", len(items))
	}
	if up := e.emu.Requests().ByMethod["uploads"]; up != 3 {
		t.Errorf("emulator saw %d byte uploads, want 3: one engine uploads each file once", up)
	}

	bad := e.run("sync", filepath.Join(e.dir, "elsewhere"))
	if bad.Code == 0 || !strings.Contains(bad.Stderr, "not in the daemon's config") {
		t.Errorf("sync of a folder outside the daemon's config: exit %d, stderr %s", bad.Code, bad.Stderr)
	}
}

func TestDaemonReloadsOnHangup(t *testing.T) {
	e := newDaemonEnv(t, daemonConfig{})
	d := e.start()
	more := filepath.Join(e.dir, "More")
	sha := writePNG(t, filepath.Join(more, "added.png"), 7)

	cfg, err := os.ReadFile(e.config)
	if err != nil {
		t.Fatal(err)
	}
	// folders is the config's last key, so a line appends a folder.
	cfg = append(cfg, fmt.Sprintf("  - path: %s\n", more)...)
	if err := os.WriteFile(e.config, cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := d.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	e.waitStatus("the added folder", func(st *daemon.Status) bool {
		return len(st.Folders) == 2 && st.Folders[1].Path == more && st.Folders[1].InSync == 1
	})
	e.waitRemote("the added folder's file", func(items []testenv.Item, _ []testenv.Album) bool {
		return slices.ContainsFunc(items, func(it testenv.Item) bool { return it.SHA256 == sha })
	})

	// A config that does not load leaves the running one in place.
	if err := os.WriteFile(e.config, []byte("folders: [\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := d.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	d.waitLog(t, "Config not reloaded")
	if st := e.waitStatus("the status", func(*daemon.Status) bool { return true }); len(st.Folders) != 2 {
		t.Errorf("daemon has %d folders after a failed reload, want the 2 it had", len(st.Folders))
	}
	if code := d.stop(t); code != 0 {
		t.Errorf("daemon exit code = %d, want 0", code)
	}
}

// waitLog waits until the daemon's log contains text.
func (d *runningDaemon) waitLog(t *testing.T, text string) {
	t.Helper()
	deadline := time.Now().Add(daemonWait)
	for time.Now().Before(deadline) {
		log, _ := os.ReadFile(d.log)
		if strings.Contains(string(log), text) {
			return
		}
		time.Sleep(50 * time.Millisecond) // polling interval, not synchronization
	}
	log, _ := os.ReadFile(d.log)
	t.Fatalf("daemon log lacks %q:\n%s", text, log)
}
