package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/photosync/photosync/internal/testenv"
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
	emu      *testenv.Emulator
	config   string
	root     string
	stateDir string
	env      []string
}

func newSyncEnv(t *testing.T) *syncEnv {
	t.Helper()
	emu := testenv.StartEmulator(t, emulator.Options{VideoProcessingTime: -1})
	dir := t.TempDir()
	creds, token := testenv.WriteCredentials(t, dir, testenv.Credentials{
		ClientID: "e2e-client", ClientSecret: "e2e-secret", RefreshToken: "e2e-refresh",
	})
	root := filepath.Join(dir, "Photos")
	if err := os.MkdirAll(root, 0o755); err != nil {
		t.Fatal(err)
	}
	config := testenv.WriteConfig(t, filepath.Join(dir, "config.yaml"), testenv.Config{
		StateDir:        filepath.Join(dir, "state"),
		EmulatorURL:     emu.URL,
		CredentialsFile: creds,
		TokenFile:       token,
		Folders:         []testenv.Folder{{Path: root}},
	})
	return &syncEnv{t: t, emu: emu, config: config,
		root: root, stateDir: filepath.Join(dir, "state"), env: isolatedEnv(t)}
}

// copyMedia copies the sample media into the synced folder with
// modification times an hour old, so every file is settled.
func (e *syncEnv) copyMedia() {
	e.t.Helper()
	testenv.CopyTree(e.t, filepath.Join("..", "..", "testdata", "media"), e.root, time.Now().Add(-time.Hour))
}

// sync runs `photosync --config FILE sync ARGS...` to the end.
func (e *syncEnv) sync(args ...string) testenv.Result {
	e.t.Helper()
	return testenv.Run(e.t, binary, e.env, append([]string{"--config", e.config, "sync"}, args...)...)
}

// idleTimeout bounds the wait for the emulator to finish the requests of a
// killed run.
const idleTimeout = 30 * time.Second

// supportedFiles lists the files the sync must upload.
func (e *syncEnv) supportedFiles() []testenv.LocalFile {
	e.t.Helper()
	return testenv.SupportedFiles(e.t, e.root)
}

// checkExactlyOnce checks that each distinct content of files is one item,
// in the album of each directory that holds it.
func (e *syncEnv) checkExactlyOnce(files []testenv.LocalFile) {
	e.t.Helper()
	items, albums := e.emu.Library()
	testenv.CheckExactlyOnce(e.t, files, items, albums)
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
	if res.Code != exitOK {
		t.Fatalf("sync exit %d, want 0; stdout:\n%s\nstderr:\n%s", res.Code, res.Stdout, res.Stderr)
	}
	for _, want := range []string{"uploaded", "skipped, empty: 1", "skipped, unsupported"} {
		if !strings.Contains(res.Stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, res.Stdout)
		}
	}
	e.checkExactlyOnce(files)

	before := e.emu.Requests()
	again := e.sync()
	after := e.emu.Requests()
	if again.Code != exitOK {
		t.Errorf("second sync exit %d, want 0; stderr:\n%s", again.Code, again.Stderr)
	}
	if !strings.Contains(again.Stdout, " 0 uploaded") {
		t.Errorf("second sync summary does not report 0 uploaded:\n%s", again.Stdout)
	}
	if n := after.Total - before.Total; n > 2 {
		t.Errorf("second sync made %d requests, want at most 2", n)
	}
}

func TestSyncCommandDryRun(t *testing.T) {
	e := newSyncEnv(t)
	e.copyMedia()
	res := e.sync("--dry-run")
	if res.Code != exitOK {
		t.Fatalf("dry run exit %d, want 0; stderr:\n%s", res.Code, res.Stderr)
	}
	for _, want := range []string{"upload Videos/clip.mov", `album "Camera Roll/Phone"`, "dry run: nothing was changed"} {
		if !strings.Contains(res.Stdout, want) {
			t.Errorf("dry-run output lacks %q:\n%s", want, res.Stdout)
		}
	}
	reqs := e.emu.Requests()
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
	if res := e.sync(); res.Code != exitOK {
		t.Fatalf("first sync exit %d; stderr:\n%s", res.Code, res.Stderr)
	}
	if err := os.RemoveAll(filepath.Join(e.root, ".photosync")); err != nil {
		t.Fatal(err)
	}
	res := e.sync()
	if res.Code != exitItemsFailed {
		t.Errorf("sync without marker exit %d, want %d; stdout:\n%s", res.Code, exitItemsFailed, res.Stdout)
	}
	if !strings.Contains(res.Stdout, "folder.json is missing") {
		t.Errorf("summary does not name the missing marker:\n%s", res.Stdout)
	}
	if res := e.sync("--no-such-flag"); res.Code != exitUsage {
		t.Errorf("unknown flag exit %d, want %d", res.Code, exitUsage)
	}
	missing := e.sync(filepath.Join(filepath.Dir(e.root), "no such folder"))
	if missing.Code != exitUsage || !strings.Contains(missing.Stderr, "no such folder") {
		t.Errorf("missing folder argument exit %d, want %d and the folder named; stderr:\n%s",
			missing.Code, exitUsage, missing.Stderr)
	}
}

func TestSyncCommandDailyQuotaIsFatal(t *testing.T) {
	e := newSyncEnv(t)
	e.copyMedia()
	e.emu.AddFault(`{"method":"uploads","preset":"dailyQuota"}`)
	res := e.sync()
	if res.Code != exitFatal {
		t.Errorf("sync under a spent daily quota exit %d, want %d; stderr:\n%s", res.Code, exitFatal, res.Stderr)
	}
	if !strings.Contains(res.Stdout, "stopped early") {
		t.Errorf("summary does not say the sync stopped:\n%s", res.Stdout)
	}
}

// TestSyncCommandCrashLoop kills the binary with SIGKILL at seeded random
// moments, then lets a last run finish. The emulator delays every call, so
// the kills land in hashing, byte uploads, album creation, item creation
// and the store commits between them whatever the machine's speed.
func TestSyncCommandCrashLoop(t *testing.T) {
	e := newSyncEnv(t)
	e.copyMedia()
	var files []testenv.LocalFile
	for _, spec := range []string{
		`{"method":"uploads","delay":"120ms"}`,
		`{"method":"albums.create","delay":"150ms"}`,
		`{"method":"mediaItems.batchCreate","delay":"250ms"}`,
		`{"method":"albums.batchAddMediaItems","delay":"100ms"}`,
	} {
		e.emu.AddFault(spec)
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
		before := e.emu.Requests()

		delay := time.Duration(rng.Int64N(int64(maxKillDelay)))
		cmd := exec.Command(binary, "--config", e.config, "sync")
		cmd.Env = e.env
		if err := cmd.Start(); err != nil {
			t.Fatalf("trial %d: start: %v", trial, err)
		}
		timer := time.AfterFunc(delay, func() { _ = cmd.Process.Signal(syscall.SIGKILL) })
		err := cmd.Wait()
		timer.Stop()
		// The uploads that the killed run left on their way finish first,
		// so that their bytes count in the trial that sent them.
		e.emu.WaitIdle(idleTimeout)

		after := e.emu.Requests()
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
	before := e.emu.Requests()
	res := e.sync()
	if res.Code != exitOK {
		t.Fatalf("final sync exit %d, want 0; stdout:\n%s\nstderr:\n%s", res.Code, res.Stdout, res.Stderr)
	}
	e.checkExactlyOnce(files)

	// The last run must send exactly the contents for which the store held
	// neither an item nor a live upload token.
	after := e.emu.Requests()
	if n := after.ByMethod["uploads"] - before.ByMethod["uploads"]; n != unsent {
		t.Errorf("last run sent %d byte uploads, want %d: the contents with no item and no token in the store", n, unsent)
	}

	// Each content is sent at least once, and a run sends only contents
	// that the store had no item and no token for when it started.
	reqs := e.emu.Requests()
	distinct := map[string]int64{}
	for _, f := range files {
		distinct[f.SHA256] = f.Size
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
func (e *syncEnv) contentsWithoutToken(files []testenv.LocalFile) (int, int64) {
	e.t.Helper()
	unsent := map[string]int64{}
	dbPath := filepath.Join(e.stateDir, "state.db")
	if _, err := os.Stat(dbPath); os.IsNotExist(err) {
		for _, f := range files {
			unsent[f.SHA256] = f.Size
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
			_, hasItem, err := tx.MediaItemByHash(f.SHA256)
			if err != nil {
				return err
			}
			u, pending, err := tx.GetUpload(f.SHA256)
			if err != nil {
				return err
			}
			if !hasItem && (!pending || u.Token == "") {
				unsent[f.SHA256] = f.Size
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
	run := func() testenv.Result {
		t.Helper()
		return testenv.Run(t, binary, e.env, "sync", "--emulator", e.root)
	}

	first := run()
	if first.Code != exitOK {
		t.Fatalf("first run exit %d, want 0; stdout:\n%s\nstderr:\n%s", first.Code, first.Stdout, first.Stderr)
	}
	if !strings.Contains(first.Stderr, "--emulator") {
		t.Errorf("stderr does not announce the emulator:\n%s", first.Stderr)
	}
	if strings.Contains(first.Stdout, " 0 uploaded") {
		t.Errorf("first run uploaded nothing:\n%s", first.Stdout)
	}
	second := run()
	if second.Code != exitOK {
		t.Fatalf("second run exit %d; stderr:\n%s", second.Code, second.Stderr)
	}
	if !strings.Contains(second.Stdout, " 0 uploaded") {
		t.Errorf("second run against the kept emulator library uploaded files:\n%s", second.Stdout)
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
				distinct[f.SHA256] = true
			}
			e.killBeforeCreate()
			if tc.advance != "" {
				e.emu.AdvanceClock(tc.advance)
			}
			before := e.emu.Requests()
			if n := before.ByMethod["uploads"]; n != len(distinct) {
				t.Fatalf("killed run sent %d byte uploads, want %d", n, len(distinct))
			}

			res := e.sync()
			if res.Code != exitOK {
				t.Fatalf("restart exit %d, want 0; stdout:\n%s\nstderr:\n%s", res.Code, res.Stdout, res.Stderr)
			}
			e.checkExactlyOnce(files)
			after := e.emu.Requests()
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
	e.emu.AddFault(`{"method":"mediaItems.batchCreate","delay":"20s"}`)
	cmd := exec.Command(binary, "--config", e.config, "sync")
	cmd.Env = e.env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	testenv.WaitFor(e.t, "the first batchCreate", testenv.CommandTimeout, func() bool {
		select {
		case err := <-exited:
			e.t.Fatalf("sync exited before its first batchCreate: %v; stderr:\n%s", err, stderr.String())
		default:
		}
		reqs := e.emu.Requests()
		return reqs.ByMethod["mediaItems.batchCreate"] > 0
	})
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		e.t.Fatal(err)
	}
	<-exited

	e.emu.ClearFaults()
}

func TestSyncCommandInterruptStopsCleanly(t *testing.T) {
	e := newSyncEnv(t)
	e.copyMedia()
	files := e.supportedFiles()
	e.emu.AddFault(`{"method":"mediaItems.batchCreate","delay":"20s"}`)
	cmd := exec.Command(binary, "--config", e.config, "sync")
	cmd.Env = e.env
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, "the first batchCreate", testenv.CommandTimeout, func() bool {
		reqs := e.emu.Requests()
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

	e.emu.ClearFaults()
	before := e.emu.Requests()
	if res := e.sync(); res.Code != exitOK {
		t.Fatalf("sync after the interrupt exit %d; stderr:\n%s", res.Code, res.Stderr)
	}
	e.checkExactlyOnce(files)
	after := e.emu.Requests()
	if n := after.ByMethod["uploads"] - before.ByMethod["uploads"]; n != 0 {
		t.Errorf("sync after the interrupt sent %d byte uploads, want 0 because every token was stored", n)
	}
}
