package main

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
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/photosync/photosync/internal/media"
	"github.com/photosync/photosync/photosapi/emulator"
	"github.com/photosync/photosync/state"
)

var crashTrials = flag.Int("photosync.crashtrials", 15,
	"number of SIGKILL trials in TestSyncCommandCrashLoop")

var crashSeed = flag.Uint64("photosync.crashseed", 1,
	"seed of the kill times in TestSyncCommandCrashLoop")

// syncEnv is an emulator in the test process and a config file that points
// the binary at it, so the emulator outlives a killed binary.
type syncEnv struct {
	t        *testing.T
	emu      *emulator.Running
	config   string
	root     string
	stateDir string
	env      []string
}

func newSyncEnv(t *testing.T) *syncEnv {
	t.Helper()
	emu, err := emulator.Start(emulator.Options{VideoProcessingTime: -1}, "127.0.0.1:0")
	if err != nil {
		t.Fatalf("start emulator: %v", err)
	}
	t.Cleanup(func() { emu.Close() })
	dir := t.TempDir()
	creds := writePrivate(t, filepath.Join(dir, "client_secret.json"),
		`{"installed":{"client_id":"e2e-client","client_secret":"e2e-secret"}}`)
	token := writePrivate(t, filepath.Join(dir, "token.json"), `{"refresh_token":"e2e-refresh"}`)
	root := filepath.Join(dir, "Photos")
	if err := os.MkdirAll(root, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`state_dir: %s
api:
  endpoint: %s/
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
`, filepath.Join(dir, "state"), emu.URL, emu.URL, emu.URL, creds, token, root)
	return &syncEnv{t: t, emu: emu, config: writePrivate(t, filepath.Join(dir, "config.yaml"), cfg),
		root: root, stateDir: filepath.Join(dir, "state"), env: isolatedEnv(t)}
}

func writePrivate(t *testing.T, name, content string) string {
	t.Helper()
	if err := os.WriteFile(name, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return name
}

// copyMedia copies the sample media into the synced folder with
// modification times an hour old, so every file is settled.
func (e *syncEnv) copyMedia() {
	e.t.Helper()
	src := filepath.Join("..", "..", "testdata", "media")
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

// sync runs `photosync --config FILE sync ARGS...` to the end.
func (e *syncEnv) sync(args ...string) result {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(e.t.Context(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, append([]string{"--config", e.config, "sync"}, args...)...)
	cmd.Env = e.env
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if exitErr, ok := err.(*exec.ExitError); ok {
		code = exitErr.ExitCode()
	} else if err != nil {
		e.t.Fatalf("run photosync sync: %v", err)
	}
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

func (e *syncEnv) get(what string, out any) {
	e.t.Helper()
	resp, err := http.Get(e.emu.URL + "/emulator/v1/" + what)
	if err != nil {
		e.t.Fatalf("inspect %s: %v", what, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(body, out); err != nil {
		e.t.Fatalf("inspect %s: %v in %s", what, err, body)
	}
}

func (e *syncEnv) fault(spec string) {
	e.t.Helper()
	resp, err := http.Post(e.emu.URL+"/emulator/v1/faults", "application/json", bytes.NewReader([]byte(spec)))
	if err != nil {
		e.t.Fatalf("add fault: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		body, _ := io.ReadAll(resp.Body)
		e.t.Fatalf("add fault %s: HTTP %d: %s", spec, resp.StatusCode, body)
	}
}

type emuRequests struct {
	Total       int            `json:"total"`
	ByMethod    map[string]int `json:"byMethod"`
	UploadBytes int64          `json:"uploadBytes"`
	InFlight    int            `json:"inFlight"`
}

// waitIdle waits until the emulator has finished every API request, such
// as the uploads a killed run left on their way, so that their bytes are
// counted in the trial that sent them.
func (e *syncEnv) waitIdle() {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var reqs emuRequests
		e.get("requests", &reqs)
		if reqs.InFlight == 0 {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("emulator still handles %d requests after 30 s", reqs.InFlight)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// mediaFile is a supported file of the synced folder.
type mediaFile struct {
	rel  string
	sha  string
	size int64
}

// supportedFiles lists the files the sync must upload.
func (e *syncEnv) supportedFiles() []mediaFile {
	e.t.Helper()
	var files []mediaFile
	err := filepath.WalkDir(e.root, func(p string, d fs.DirEntry, err error) error {
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
		format := media.Detect(data)
		if len(data) == 0 || !format.Supported() {
			return nil
		}
		rel, _ := filepath.Rel(e.root, p)
		sum := sha256.Sum256(data)
		files = append(files, mediaFile{rel: filepath.ToSlash(rel), sha: hex.EncodeToString(sum[:]), size: int64(len(data))})
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return files
}

// checkExactlyOnce checks that each distinct content of files is one item,
// in the album of each directory that holds it.
func (e *syncEnv) checkExactlyOnce(files []mediaFile) {
	e.t.Helper()
	var items struct {
		Items []struct {
			ID     string `json:"id"`
			SHA256 string `json:"sha256"`
		} `json:"items"`
	}
	e.get("items", &items)
	var albums struct {
		Albums []struct {
			Title        string   `json:"title"`
			MediaItemIDs []string `json:"mediaItemIds"`
		} `json:"albums"`
	}
	e.get("albums", &albums)

	bySHA := map[string]string{}
	for _, it := range items.Items {
		if prev, dup := bySHA[it.SHA256]; dup {
			e.t.Errorf("content %s is two items: %s and %s", it.SHA256[:12], prev, it.ID)
		}
		bySHA[it.SHA256] = it.ID
	}
	members := map[string]map[string]bool{}
	for _, a := range albums.Albums {
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
		distinct[f.sha] = true
		id, ok := bySHA[f.sha]
		if !ok {
			e.t.Errorf("%s: no item", f.rel)
			continue
		}
		if dir := path.Dir(f.rel); dir != "." && !members[dir][id] {
			e.t.Errorf("%s: item %s not in album %q", f.rel, id, dir)
		}
	}
	if len(bySHA) != len(distinct) {
		e.t.Errorf("emulator has %d items, want %d", len(bySHA), len(distinct))
	}
}

// addVariants writes n new photos into Trial/NN/ of the synced folder. Each
// is a sample JPEG with a unique trailer after its end marker, so each has
// its own content and still reads as a JPEG.
func (e *syncEnv) addVariants(trial, n int) {
	e.t.Helper()
	dir := filepath.Join(e.root, "Trial", fmt.Sprintf("%02d", trial))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		e.t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	for i := range n {
		sample := filepath.Join(e.root, "Orientation", fmt.Sprintf("f%d-exif.jpg", i%8+1))
		data, err := os.ReadFile(sample)
		if err != nil {
			e.t.Fatal(err)
		}
		data = append(data, fmt.Sprintf("trial %d photo %d", trial, i)...)
		name := filepath.Join(dir, fmt.Sprintf("photo-%d.jpg", i))
		if err := os.WriteFile(name, data, 0o644); err != nil {
			e.t.Fatal(err)
		}
		if err := os.Chtimes(name, old, old); err != nil {
			e.t.Fatal(err)
		}
	}
}

func TestSyncCommandSampleMedia(t *testing.T) {
	e := newSyncEnv(t)
	e.copyMedia()
	files := e.supportedFiles()

	res := e.sync()
	if res.code != exitOK {
		t.Fatalf("sync exit %d, want 0; stdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
	}
	for _, want := range []string{"uploaded", "skipped, empty: 1", "skipped, unsupported"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, res.stdout)
		}
	}
	e.checkExactlyOnce(files)

	var before, after emuRequests
	e.get("requests", &before)
	again := e.sync()
	e.get("requests", &after)
	if again.code != exitOK {
		t.Errorf("second sync exit %d, want 0; stderr:\n%s", again.code, again.stderr)
	}
	if !strings.Contains(again.stdout, " 0 uploaded") {
		t.Errorf("second sync summary does not report 0 uploaded:\n%s", again.stdout)
	}
	if n := after.Total - before.Total; n > 2 {
		t.Errorf("second sync made %d requests, want at most 2", n)
	}
}

func TestSyncCommandDryRun(t *testing.T) {
	e := newSyncEnv(t)
	e.copyMedia()
	res := e.sync("--dry-run")
	if res.code != exitOK {
		t.Fatalf("dry run exit %d, want 0; stderr:\n%s", res.code, res.stderr)
	}
	for _, want := range []string{"upload Videos/clip.mov", `album "Camera Roll/Phone"`, "dry run: nothing was changed"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("dry-run output lacks %q:\n%s", want, res.stdout)
		}
	}
	var reqs emuRequests
	e.get("requests", &reqs)
	if reqs.Total != 0 {
		t.Errorf("dry run made %d requests, want 0", reqs.Total)
	}
	if _, err := os.Stat(filepath.Join(e.root, ".photosync")); !os.IsNotExist(err) {
		t.Errorf("dry run wrote the marker directory (stat error %v)", err)
	}
}

func TestSyncCommandExitCodes(t *testing.T) {
	e := newSyncEnv(t)
	e.copyMedia()
	if res := e.sync(); res.code != exitOK {
		t.Fatalf("first sync exit %d; stderr:\n%s", res.code, res.stderr)
	}
	if err := os.RemoveAll(filepath.Join(e.root, ".photosync")); err != nil {
		t.Fatal(err)
	}
	res := e.sync()
	if res.code != exitItemsFailed {
		t.Errorf("sync without marker exit %d, want %d; stdout:\n%s", res.code, exitItemsFailed, res.stdout)
	}
	if !strings.Contains(res.stdout, "folder.json is missing") {
		t.Errorf("summary does not name the missing marker:\n%s", res.stdout)
	}
	if res := e.sync("--no-such-flag"); res.code != exitUsage {
		t.Errorf("unknown flag exit %d, want %d", res.code, exitUsage)
	}
	missing := e.sync(filepath.Join(filepath.Dir(e.root), "no such folder"))
	if missing.code != exitUsage || !strings.Contains(missing.stderr, "no such folder") {
		t.Errorf("missing folder argument exit %d, want %d and the folder named; stderr:\n%s",
			missing.code, exitUsage, missing.stderr)
	}
}

func TestSyncCommandDailyQuotaIsFatal(t *testing.T) {
	e := newSyncEnv(t)
	e.copyMedia()
	e.fault(`{"method":"uploads","preset":"dailyQuota"}`)
	res := e.sync()
	if res.code != exitFatal {
		t.Errorf("sync under a spent daily quota exit %d, want %d; stderr:\n%s", res.code, exitFatal, res.stderr)
	}
	if !strings.Contains(res.stdout, "stopped early") {
		t.Errorf("summary does not say the sync stopped:\n%s", res.stdout)
	}
}

// TestSyncCommandCrashLoop kills the binary with SIGKILL at seeded random
// moments, then lets a last run finish. The emulator delays every call, so
// the kills land in hashing, byte uploads, album creation, item creation
// and the store commits between them whatever the machine's speed.
func TestSyncCommandCrashLoop(t *testing.T) {
	e := newSyncEnv(t)
	e.copyMedia()
	var files []mediaFile
	for _, spec := range []string{
		`{"method":"uploads","delay":"120ms"}`,
		`{"method":"albums.create","delay":"150ms"}`,
		`{"method":"mediaItems.batchCreate","delay":"250ms"}`,
		`{"method":"albums.batchAddMediaItems","delay":"100ms"}`,
	} {
		e.fault(spec)
	}

	rng := rand.New(rand.NewPCG(*crashSeed, 0))
	// allowedBytes adds up, over all runs, the size of the contents that
	// had neither an item nor a stored token when the run started: the
	// most that the runs may send in total.
	var allowedBytes int64
	// A run with only a trial's new files takes about 650 ms with these
	// delays, so most kills land before it ends.
	const maxKillDelay = 800 * time.Millisecond
	for trial := range *crashTrials {
		// New files each trial keep every run busy, so late trials still
		// kill a run in the middle of its work.
		e.addVariants(trial, 4)
		unsent, unsentBytes := e.contentsWithoutToken(e.supportedFiles())
		allowedBytes += unsentBytes
		var before emuRequests
		e.get("requests", &before)

		delay := time.Duration(rng.Int64N(int64(maxKillDelay)))
		cmd := exec.Command(binary, "--config", e.config, "sync")
		cmd.Env = e.env
		if err := cmd.Start(); err != nil {
			t.Fatalf("trial %d: start: %v", trial, err)
		}
		timer := time.AfterFunc(delay, func() { _ = cmd.Process.Signal(syscall.SIGKILL) })
		err := cmd.Wait()
		timer.Stop()
		e.waitIdle()

		var after emuRequests
		e.get("requests", &after)
		sent := after.ByMethod["uploads"] - before.ByMethod["uploads"]
		sentBytes := after.UploadBytes - before.UploadBytes
		t.Logf("trial %d: kill after %v: %v; %d byte uploads for %d unsent contents", trial, delay, err, sent, unsent)
		// Every content a run sends must have lacked both an item and a
		// token when it started, and it is sent at most once per run.
		if sent > unsent {
			t.Errorf("trial %d sent %d byte uploads, but only %d contents had no item and no token", trial, sent, unsent)
		}
		if sentBytes > unsentBytes {
			t.Errorf("trial %d sent %d bytes, but the contents with no item and no token have %d",
				trial, sentBytes, unsentBytes)
		}
	}

	// Three files that no run has seen yet make the last run's count of
	// byte uploads non-zero.
	e.addVariants(*crashTrials, 3)
	files = e.supportedFiles()
	unsent, unsentBytes := e.contentsWithoutToken(files)
	allowedBytes += unsentBytes
	t.Logf("after the kills, %d of the contents have neither an item nor a token", unsent)
	var before emuRequests
	e.get("requests", &before)
	res := e.sync()
	if res.code != exitOK {
		t.Fatalf("final sync exit %d, want 0; stdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
	}
	e.checkExactlyOnce(files)

	// The last run must send exactly the contents for which the store held
	// neither an item nor a live upload token.
	var after emuRequests
	e.get("requests", &after)
	if n := after.ByMethod["uploads"] - before.ByMethod["uploads"]; n != unsent {
		t.Errorf("last run sent %d byte uploads, want %d: the contents with no item and no token in the store", n, unsent)
	}

	// Each content is sent at least once, and a run sends only contents
	// that the store had no item and no token for when it started.
	var reqs emuRequests
	e.get("requests", &reqs)
	distinct := map[string]int64{}
	for _, f := range files {
		distinct[f.sha] = f.size
	}
	needed := sumSizes(distinct)
	// A kill loses the tokens of the uploads in flight, one per worker,
	// and those the journal collected but had not committed: with uploads
	// delayed 120 ms, at most one more per worker in its 100 ms window.
	const workers = 4
	const lostPerKill = 2 * workers
	t.Logf("upload bytes %d for %d bytes of distinct content, %d allowed; %d byte uploads for %d contents",
		reqs.UploadBytes, needed, allowedBytes, reqs.ByMethod["uploads"], len(distinct))
	if reqs.UploadBytes < needed || reqs.UploadBytes > allowedBytes {
		t.Errorf("upload bytes = %d, want between %d (each content once) and %d (the unsent contents of each run)",
			reqs.UploadBytes, needed, allowedBytes)
	}
	if n := reqs.ByMethod["uploads"]; n > len(distinct)+*crashTrials*lostPerKill {
		t.Errorf("byte uploads = %d, want at most %d", n, len(distinct)+*crashTrials*lostPerKill)
	}
}

// contentsWithoutToken opens the state store of a stopped run and returns
// how many distinct contents of files have neither a media item nor a
// pending upload with a token, and their total size. Without a store, every
// content counts.
func (e *syncEnv) contentsWithoutToken(files []mediaFile) (int, int64) {
	e.t.Helper()
	unsent := map[string]int64{}
	dbPath := filepath.Join(e.stateDir, "state.db")
	if _, err := os.Stat(dbPath); os.IsNotExist(err) {
		for _, f := range files {
			unsent[f.sha] = f.size
		}
		return len(unsent), sumSizes(unsent)
	}
	store, err := state.Open(dbPath, state.Options{ReadOnly: true})
	if err != nil {
		e.t.Fatalf("open state: %v", err)
	}
	defer store.Close()
	err = store.View(func(tx *state.Tx) error {
		for _, f := range files {
			_, hasItem, err := tx.MediaItemByHash(f.sha)
			if err != nil {
				return err
			}
			u, pending, err := tx.GetUpload(f.sha)
			if err != nil {
				return err
			}
			if !hasItem && (!pending || u.Token == "") {
				unsent[f.sha] = f.size
			}
		}
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return len(unsent), sumSizes(unsent)
}

func sumSizes(sizes map[string]int64) int64 {
	var total int64
	for _, n := range sizes {
		total += n
	}
	return total
}

func TestSyncCommandEmbeddedEmulatorWithoutConfig(t *testing.T) {
	e := newSyncEnv(t)
	e.copyMedia()
	run := func() result {
		t.Helper()
		ctx, cancel := context.WithTimeout(t.Context(), commandTimeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, binary, "sync", "--emulator", e.root)
		cmd.Env = e.env
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		if exitErr, ok := err.(*exec.ExitError); ok {
			code = exitErr.ExitCode()
		} else if err != nil {
			t.Fatalf("run photosync: %v", err)
		}
		return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
	}

	first := run()
	if first.code != exitOK {
		t.Fatalf("first run exit %d, want 0; stdout:\n%s\nstderr:\n%s", first.code, first.stdout, first.stderr)
	}
	if !strings.Contains(first.stderr, "--emulator") {
		t.Errorf("stderr does not announce the emulator:\n%s", first.stderr)
	}
	if strings.Contains(first.stdout, " 0 uploaded") {
		t.Errorf("first run uploaded nothing:\n%s", first.stdout)
	}
	second := run()
	if second.code != exitOK {
		t.Fatalf("second run exit %d; stderr:\n%s", second.code, second.stderr)
	}
	if !strings.Contains(second.stdout, " 0 uploaded") {
		t.Errorf("second run against the kept emulator library uploaded files:\n%s", second.stdout)
	}
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, deadline time.Duration, cond func() bool) {
	t.Helper()
	const pollInterval = 20 * time.Millisecond
	end := time.Now().Add(deadline)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("timed out after %v waiting for %s", deadline, what)
		}
		time.Sleep(pollInterval)
	}
}

func TestSyncCommandRestartAfterKillBeforeCreate(t *testing.T) {
	tests := []struct {
		name    string
		advance string
		// resend reports whether the restart must send the bytes again.
		resend bool
	}{
		{name: "live tokens reused", advance: "", resend: false},
		{name: "expired tokens resent", advance: "25h", resend: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newSyncEnv(t)
			e.copyMedia()
			files := e.supportedFiles()
			distinct := map[string]bool{}
			for _, f := range files {
				distinct[f.sha] = true
			}
			e.killBeforeCreate()
			if tc.advance != "" {
				e.post("clock", `{"advance":"`+tc.advance+`"}`)
			}
			var before emuRequests
			e.get("requests", &before)
			if n := before.ByMethod["uploads"]; n != len(distinct) {
				t.Fatalf("killed run sent %d byte uploads, want %d", n, len(distinct))
			}

			res := e.sync()
			if res.code != exitOK {
				t.Fatalf("restart exit %d, want 0; stdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
			}
			e.checkExactlyOnce(files)
			var after emuRequests
			e.get("requests", &after)
			want := 0
			if tc.resend {
				want = len(distinct)
			}
			if n := after.ByMethod["uploads"] - before.ByMethod["uploads"]; n != want {
				t.Errorf("restart sent %d byte uploads, want %d", n, want)
			}
		})
	}
}

// killBeforeCreate runs the binary until its first batchCreate reaches the
// emulator, which holds it, and kills it there: every upload token is
// recorded and no item is created.
func (e *syncEnv) killBeforeCreate() {
	e.t.Helper()
	e.fault(`{"method":"mediaItems.batchCreate","delay":"20s"}`)
	cmd := exec.Command(binary, "--config", e.config, "sync")
	cmd.Env = e.env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	waitFor(e.t, "the first batchCreate", commandTimeout, func() bool {
		select {
		case err := <-exited:
			e.t.Fatalf("sync exited before its first batchCreate: %v; stderr:\n%s", err, stderr.String())
		default:
		}
		var reqs emuRequests
		e.get("requests", &reqs)
		return reqs.ByMethod["mediaItems.batchCreate"] > 0
	})
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		e.t.Fatal(err)
	}
	<-exited

	e.clearFaults()
}

// clearFaults removes every fault from the emulator.
func (e *syncEnv) clearFaults() {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodDelete, e.emu.URL+"/emulator/v1/faults", nil)
	if err != nil {
		e.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("clear faults: %v", err)
	}
	resp.Body.Close()
}

// post sends a JSON body to an emulator inspection endpoint.
func (e *syncEnv) post(what, body string) {
	e.t.Helper()
	resp, err := http.Post(e.emu.URL+"/emulator/v1/"+what, "application/json", strings.NewReader(body))
	if err != nil {
		e.t.Fatalf("post %s: %v", what, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		msg, _ := io.ReadAll(resp.Body)
		e.t.Fatalf("post %s %s: HTTP %d: %s", what, body, resp.StatusCode, msg)
	}
}

func TestSyncCommandInterruptStopsCleanly(t *testing.T) {
	e := newSyncEnv(t)
	e.copyMedia()
	files := e.supportedFiles()
	e.fault(`{"method":"mediaItems.batchCreate","delay":"20s"}`)
	cmd := exec.Command(binary, "--config", e.config, "sync")
	cmd.Env = e.env
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the first batchCreate", commandTimeout, func() bool {
		var reqs emuRequests
		e.get("requests", &reqs)
		return reqs.ByMethod["mediaItems.batchCreate"] > 0
	})
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	exitErr, ok := err.(*exec.ExitError)
	if !ok || exitErr.ExitCode() != exitInterrupted {
		t.Errorf("interrupted sync: %v, want exit code %d; stderr:\n%s", err, exitInterrupted, stderr.String())
	}
	if !strings.Contains(stdout.String(), "found ") {
		t.Errorf("interrupted sync printed no summary:\n%s", stdout.String())
	}
	if !strings.Contains(stderr.String(), "sync interrupted") {
		t.Errorf("interrupted sync does not say so:\n%s", stderr.String())
	}

	e.clearFaults()
	var before emuRequests
	e.get("requests", &before)
	if res := e.sync(); res.code != exitOK {
		t.Fatalf("sync after the interrupt exit %d; stderr:\n%s", res.code, res.stderr)
	}
	e.checkExactlyOnce(files)
	var after emuRequests
	e.get("requests", &after)
	if n := after.ByMethod["uploads"] - before.ByMethod["uploads"]; n != 0 {
		t.Errorf("sync after the interrupt sent %d byte uploads, want 0 because every token was stored", n)
	}
}
