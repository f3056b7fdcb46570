package reliability

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/photosync/photosync/config"
	"github.com/photosync/photosync/daemon"
	"github.com/photosync/photosync/internal/testenv"
	"github.com/photosync/photosync/photosapi"
	"github.com/photosync/photosync/photosapi/api"
	"github.com/photosync/photosync/photosapi/emulator"
	"github.com/photosync/photosync/state"
)

// phaseDelays stretch the phases of a run on the emulator's side. A kill
// at a random moment then lands in byte uploads, in the gap between upload
// and creation, and in album writes on a fast machine too. The test logs
// how many pending uploads each stage held at the kills.
var phaseDelays = []string{
	`{"method":"uploads","delay":"120ms"}`,
	`{"method":"albums.create","delay":"100ms"}`,
	`{"method":"mediaItems.batchCreate","delay":"250ms"}`,
	`{"method":"albums.batchAddMediaItems","delay":"100ms"}`,
}

// downloadDelays add delays to the listings of a poll and to each base-URL
// download, so that kills land inside polls and downloads too, while a
// temporary file exists.
var downloadDelays = append(slices.Clone(phaseDelays),
	`{"method":"albums.list","delay":"40ms"}`,
	`{"method":"mediaItems.search","delay":"40ms"}`,
	`{"method":"mediaItems.list","delay":"40ms"}`,
	`{"method":"download","delay":"250ms"}`,
)

// crashKind is one kind of crash trial.
type crashKind struct {
	// mode is the folder's mode.
	mode string
	// local is the number of new photos each trial writes into a
	// directory of its own, Trial/NNN.
	local int
	// remote makes each trial add photos on the server through another
	// install: two in a new album Remote/NNN, one in the album of the
	// previous trial's directory, and one outside every album.
	remote bool
	// large makes each trial add one large photo, of about
	// largePhotoSize bytes, to the trial's new remote album.
	large bool
	// samples makes the sample media of testdata/media join the first
	// trial.
	samples bool
	// delays are the emulator faults that stretch the phases of a run.
	delays []string
	// maxKill bounds the random kill moment.
	maxKill time.Duration
	// ciTrials is the number of trials when -reliability.trials is not
	// given.
	ciTrials int
}

// uploadKind is the trial of an upload-only folder. A run over one trial's
// new photos takes about 700 ms with phaseDelays, so most kills land
// inside it and some after it, which exercises a kill of an idle process
// too.
var uploadKind = crashKind{mode: "upload-only", local: 5, samples: true,
	delays: phaseDelays, maxKill: 900 * time.Millisecond, ciTrials: 6}

// downloadKind is the trial of a download-only folder: remote additions
// only. A run over one trial's additions takes about 500 ms with
// downloadDelays.
var downloadKind = crashKind{mode: "download-only", remote: true,
	delays: downloadDelays, maxKill: 600 * time.Millisecond, ciTrials: 3}

// twoWayKind is the trial of a two-way folder: local and remote additions
// in the same trial, so a run uploads and downloads. A run over one
// trial's additions takes about 1 s with downloadDelays.
var twoWayKind = crashKind{mode: "two-way", local: 3, remote: true, samples: true,
	delays: downloadDelays, maxKill: 1200 * time.Millisecond, ciTrials: 3}

// trialCount is the number of trials of a kind: -reliability.trials when
// given, or else the kind's share of the default run.
func trialCount(k crashKind) int {
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "reliability.trials" })
	if given {
		return *trials
	}
	return k.ciTrials
}

// newCrashEnv returns the env of a kind. The remote kinds run without the
// daily request quota on either side: hundreds of trials of polls and
// remote additions would use it up, and the quota is not what they test.
func newCrashEnv(t *testing.T, k crashKind) *env {
	if !k.remote {
		return newEnvWith(t, k.mode, emulator.Options{})
	}
	e := newEnvWith(t, k.mode, emulator.Options{DailyQuota: -1})
	e.writeConfig("quota:\n  daily_limit: 100000000\n  poll_reserve: 1000\n")
	return e
}

// storeSnapshot is what the store recorded when a process was killed.
type storeSnapshot struct {
	// unsentBytes is the number of content bytes the store cannot account
	// for: the size of each distinct local content that has neither a
	// media item nor a live upload token, less the bytes that the server
	// confirms for the content's stored resumable session. These are the
	// only bytes a run from this store may send.
	unsentBytes int64
	// stages counts pending uploads by stage.
	stages map[state.UploadStage]int
	// sessions counts the stored resumable sessions of content without a
	// token, partial those for which the server holds some but not all
	// bytes, and complete those for which it holds all. confirmed sums the
	// bytes the server holds for them.
	sessions, partial, complete int
	confirmed                   int64
	// downloads counts the downloads journaled in the store, whose
	// temporary files may exist.
	downloads int
}

// tokenLifetime is how long the engine trusts an upload token. It sends
// the bytes again for an older one.
const tokenLifetime = 23 * time.Hour

// metaDownloading is the prefix of the store settings that journal a
// download's temporary file, as the sync package writes them.
const metaDownloading = "sync.downloading\x00"

// snapshot opens the stopped process's store read-only. It queries the
// server, through the other install's client, for the bytes each stored
// resumable session holds, so the emulator must have finished the killed
// process's requests first.
func (e *env) snapshot(now time.Time) storeSnapshot {
	e.t.Helper()
	files := e.supported()
	snap := storeSnapshot{stages: map[state.UploadStage]int{}}
	path := filepath.Join(e.stateDir, "state.db")
	if info, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) || (err == nil && info.Size() == 0) {
		// The first run may be killed before it created the store, or
		// before bbolt wrote its first pages. A writer's Open initializes
		// an empty file, but a read-only Open rejects it.
		for _, size := range distinctSizes(files) {
			snap.unsentBytes += size
		}
		return snap
	}
	store, err := state.Open(path, state.Options{ReadOnly: true})
	if err != nil {
		e.t.Fatalf("open the state after the kill: %v", err)
	}
	defer store.Close()
	var sessions []state.Upload
	err = store.View(func(tx *state.Tx) error {
		for sha, size := range distinctSizes(files) {
			_, hasItem, err := tx.MediaItemByHash(sha)
			if err != nil {
				return err
			}
			u, pending, err := tx.GetUpload(sha)
			if err != nil {
				return err
			}
			live := pending && u.Token != "" && now.Sub(u.TokenCreated) < tokenLifetime
			switch {
			case hasItem || live:
			case pending && u.SessionURL != "":
				sessions = append(sessions, u)
			default:
				snap.unsentBytes += size
			}
		}
		err = tx.ForEachMeta(metaDownloading, func(_, _ string) error {
			snap.downloads++
			return nil
		})
		if err != nil {
			return err
		}
		return tx.ForEachUpload(func(u state.Upload) error {
			snap.stages[u.Stage]++
			return nil
		})
	})
	if err != nil {
		e.t.Fatalf("read state: %v", err)
	}
	for _, u := range sessions {
		held := e.sessionBytes(u)
		snap.sessions++
		switch {
		case held == u.Size:
			snap.complete++
		case held > 0:
			snap.partial++
		}
		snap.confirmed += held
		snap.unsentBytes += u.Size - held
	}
	return snap
}

// sessionBytes returns how many bytes the server holds for the stored
// session of u: all of them once the session is final, none when the
// server has no record of it.
func (e *env) sessionBytes(u state.Upload) int64 {
	e.t.Helper()
	session, err := e.remoteClient().ResumeUpload(u.SessionURL, u.Size)
	if err != nil {
		e.t.Fatalf("stored session of %s: %v", u.Path, err)
	}
	st, err := session.Query(e.t.Context())
	switch {
	case api.IsPermanent(err):
		return 0
	case err != nil:
		e.t.Fatalf("query the stored session of %s: %v", u.Path, err)
	case st.Status == photosapi.UploadFinal:
		return u.Size
	case st.Status == photosapi.UploadActive:
		return st.Received
	}
	return 0
}

func distinctSizes(files []testenv.LocalFile) map[string]int64 {
	sizes := map[string]int64{}
	for _, f := range files {
		sizes[f.SHA256] = f.Size
	}
	return sizes
}

// metaAlbumCreating is the prefix of the store settings that journal an
// album creation, as the sync package writes them: the value is the start
// time in RFC 3339 form, a NUL and the title, or empty once it is done.
const metaAlbumCreating = "sync.album-creating\x00"

// ageAlbumCreations moves the start of each interrupted album creation in
// the stopped process's store an hour back, and returns how many it moved.
// After a kill between the journal entry and the server's response, the
// engine cannot tell whether albums.create is still on its way, so it
// leaves the directory pending for several minutes before it creates the
// album. The emulator has finished every request by now, so the trial
// moves the entry past that wait, as a restart that late would find it,
// instead of waiting in real time. TestCrashAlbumCreateInFlight covers a
// restart inside the wait.
func (e *env) ageAlbumCreations() int {
	e.t.Helper()
	path := filepath.Join(e.stateDir, "state.db")
	if info, err := os.Stat(path); err != nil || info.Size() == 0 {
		return 0
	}
	store, err := state.Open(path, state.Options{})
	if err != nil {
		e.t.Fatalf("open the state after the kill: %v", err)
	}
	defer store.Close()
	started := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339Nano)
	n := 0
	err = store.Update(func(tx *state.Tx) error {
		aged := map[string]string{}
		err := tx.ForEachMeta(metaAlbumCreating, func(key, value string) error {
			if _, title, ok := strings.Cut(value, "\x00"); ok {
				aged[key] = started + "\x00" + title
			}
			return nil
		})
		if err != nil {
			return err
		}
		for key, value := range aged {
			if err := tx.PutMeta(key, value); err != nil {
				return err
			}
		}
		n = len(aged)
		return nil
	})
	if err != nil {
		e.t.Fatalf("age the album creations: %v", err)
	}
	return n
}

// temporaryFiles counts the files of the tree whose names a download
// gives its temporary files.
func (e *env) temporaryFiles() int {
	e.t.Helper()
	n := 0
	err := filepath.WalkDir(e.root, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasPrefix(d.Name(), ".photosync-tmp-") {
			n++
		}
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// killAfter starts cmd and sends it SIGKILL after delay, unless it ended
// first. It returns how the process ended.
func killAfter(t *testing.T, cmd *exec.Cmd, delay time.Duration) error {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %v: %v", cmd.Args, err)
	}
	timer := time.AfterFunc(delay, func() { _ = cmd.Process.Signal(syscall.SIGKILL) })
	defer timer.Stop()
	return cmd.Wait()
}

// crashStats sums the outcome of the trials of one mode, for the log that
// docs/RELIABILITY.md quotes.
type crashStats struct {
	trials, killed int
	stages         map[state.UploadStage]int
	// downloads and temporary sum the journaled downloads and the
	// temporary files found right after the kills.
	downloads, temporary int
	// sessions, partial, complete and confirmed sum the fields of the
	// same names of the snapshots at the kills.
	sessions, partial, complete int
	confirmed                   int64
	// restartBytes sums the bytes the restarts sent.
	restartBytes int64
	// albumWaits counts the interrupted album creations that
	// ageAlbumCreations moved past the engine's wait.
	albumWaits int
	// largeSize is the size of the trial's large photo after its
	// download, or 0 when the trial adds none. partialLarge counts the
	// kills after which a temporary file held part of it.
	largeSize    int64
	partialLarge int
}

func newCrashStats() *crashStats {
	return &crashStats{stages: map[state.UploadStage]int{}}
}

func (s *crashStats) String() string {
	return fmt.Sprintf("%d trials, %d runs killed before they ended; pending uploads at the kill: "+
		"%d sending, %d uploaded, %d creating; journaled downloads at the kill: %d, temporary files: %d; "+
		"resumable sessions without a token at the kill: %d, %d partly and %d completely sent, "+
		"%d bytes confirmed; bytes sent by the restarts: %d; interrupted album creations aged: %d; "+
		"partial temporary files of the large photo: %d",
		s.trials, s.killed,
		s.stages[state.StageSending], s.stages[state.StageUploaded], s.stages[state.StageCreating],
		s.downloads, s.temporary, s.sessions, s.partial, s.complete, s.confirmed, s.restartBytes,
		s.albumWaits, s.partialLarge)
}

// killAndRestart runs one trial: it starts a process, kills it after
// delay and finishes the work with finish. It checks the byte uploads of
// each run against what the store could not account for when that run
// started, and then the outcome on both sides.
func (e *env) killAndRestart(trial int, delay time.Duration, start func() *exec.Cmd, finish func(), stats *crashStats) {
	t := e.t
	t.Helper()
	before := e.snapshot(time.Now())
	sentBefore := e.emu.Requests().UploadBytes
	err := killAfter(t, start(), delay)
	if isKilled(err) {
		stats.killed++
	}
	// A request in flight at the kill may still complete on the server. The
	// restart waits until the emulator finished them, as a service
	// manager's restart delay would, so that the trials measure the
	// recovery from the store and each run's bytes count for that run.
	// NOTE: an albums.create that completes after the restart listed the
	// albums is covered by TestCrashAlbumCreateInFlight instead.
	e.waitRequestsDone()
	stats.temporary += e.temporaryFiles()
	if stats.largeSize > 0 {
		stats.partialLarge += e.partialLargeFiles(stats.largeSize)
	}
	sentAtKill := e.emu.Requests().UploadBytes
	if sent := sentAtKill - sentBefore; sent > before.unsentBytes {
		t.Errorf("trial %d: the killed run sent %d upload bytes, but the store could account for all but %d bytes "+
			"when it started", trial, sent, before.unsentBytes)
	}
	after := e.snapshot(time.Now())
	for stage, n := range after.stages {
		stats.stages[stage] += n
	}
	stats.downloads += after.downloads
	stats.sessions += after.sessions
	stats.partial += after.partial
	stats.complete += after.complete
	stats.confirmed += after.confirmed
	stats.albumWaits += e.ageAlbumCreations()
	finish()
	e.waitRequestsDone()
	sent := e.emu.Requests().UploadBytes - sentAtKill
	stats.restartBytes += sent
	if sent > after.unsentBytes {
		t.Errorf("trial %d: the restart sent %d upload bytes, but the store could account for all but %d bytes "+
			"at the kill (%d bytes confirmed for %d stored sessions)",
			trial, sent, after.unsentBytes, after.confirmed, after.sessions)
	}
	e.checkConverged()
	e.checkStateClean()
	stats.trials++
}

// runCrashTrials runs the trials of one kind. start returns a process that
// does the work; finish brings the install to rest after a kill and
// returns when a run completed.
func runCrashTrials(t *testing.T, e *env, k crashKind, start func() *exec.Cmd, finish func()) {
	// NOTE: a kill while the very first run creates state.db can leave a
	// zero-byte file, which every later Open rejects as damaged, so the
	// user must remove it by hand. A first run to completion keeps the
	// trials off that known window.
	if res := e.run("sync"); res.Code != 0 {
		t.Fatalf("first sync: %s", res)
	}
	if k.samples {
		e.copySamples()
	}
	e.setFaults(k.delays)
	rng := rand.New(rand.NewPCG(*seed, uint64(len(t.Name()))))
	stats := newCrashStats()
	for trial := range trialCount(k) {
		tag := fmt.Sprintf("t%d", trial)
		if k.local > 0 {
			e.addPhotos(fmt.Sprintf("Trial/%03d", trial), k.local, tag)
		}
		var added []remoteAddition
		if k.remote {
			e.emu.ClearFaults()
			added = e.addRemoteTrial(k, trial, tag)
			if k.large {
				large, size := e.addRemoteLarge(fmt.Sprintf("Remote/%03d", trial), tag, rng)
				added = append(added, large)
				stats.largeSize = size
			}
			e.setFaults(k.delays)
		}
		want := localSet(e.supported())
		for _, a := range added {
			want[a.sha+" "+a.dir]++
		}

		delay := time.Duration(rng.Int64N(int64(k.maxKill)))
		e.killAndRestart(trial, delay, start, finish, stats)
		e.checkLocal(want)
		if t.Failed() {
			t.Fatalf("trial %d (kill after %v) broke the invariants; seed %d", trial, delay, *seed)
		}
	}
	t.Logf("%s: %s", t.Name(), stats)
}

// addRemoteTrial adds one trial's remote photos and returns where their
// downloads must land.
func (e *env) addRemoteTrial(k crashKind, trial int, tag string) []remoteAddition {
	e.t.Helper()
	added := e.addRemote(fmt.Sprintf("Remote/%03d", trial), 2, tag+"-new")
	if trial > 0 {
		// An album that already has a directory: the album of the
		// previous trial's local photos, or of its remote album.
		previous := fmt.Sprintf("Remote/%03d", trial-1)
		if k.local > 0 {
			previous = fmt.Sprintf("Trial/%03d", trial-1)
		}
		added = append(added, e.addRemote(previous, 1, tag+"-old")...)
	}
	return append(added, e.addRemote("", 1, tag+"-loose")...)
}

func (e *env) setFaults(specs []string) {
	e.t.Helper()
	for _, spec := range specs {
		e.emu.AddFault(spec)
	}
}

func isKilled(err error) bool {
	exitErr, ok := err.(*exec.ExitError)
	if !ok {
		return false
	}
	status, ok := exitErr.Sys().(syscall.WaitStatus)
	return ok && status.Signaled() && status.Signal() == syscall.SIGKILL
}

// syncRuns returns the start and finish of the one-shot mode: a `sync`
// killed, and another `sync` to the end.
func syncRuns(e *env) (start func() *exec.Cmd, finish func()) {
	start = func() *exec.Cmd { return e.command(e.t.Context(), "sync") }
	finish = func() {
		if res := e.run("sync"); res.Code != 0 {
			e.t.Fatalf("sync after the kill: %s", res)
		}
	}
	return start, finish
}

// daemonRuns returns the start and finish of the daemon mode: a daemon
// killed, and a new daemon that runs until its first pass has finished.
func daemonRuns(e *env) (start func() *exec.Cmd, finish func()) {
	start = func() *exec.Cmd { return e.command(e.t.Context(), "daemon") }
	finish = func() {
		d := e.startDaemon()
		d.waitIdle()
		d.stop()
	}
	return start, finish
}

func TestCrashOneShotSync(t *testing.T) {
	e := newCrashEnv(t, uploadKind)
	start, finish := syncRuns(e)
	runCrashTrials(t, e, uploadKind, start, finish)
}

func TestCrashDaemon(t *testing.T) {
	e := newCrashEnv(t, uploadKind)
	start, finish := daemonRuns(e)
	runCrashTrials(t, e, uploadKind, start, finish)
}

func TestCrashDownloadSync(t *testing.T) {
	e := newCrashEnv(t, downloadKind)
	start, finish := syncRuns(e)
	runCrashTrials(t, e, downloadKind, start, finish)
}

func TestCrashDownloadDaemon(t *testing.T) {
	e := newCrashEnv(t, downloadKind)
	start, finish := daemonRuns(e)
	runCrashTrials(t, e, downloadKind, start, finish)
}

func TestCrashTwoWaySync(t *testing.T) {
	e := newCrashEnv(t, twoWayKind)
	start, finish := syncRuns(e)
	runCrashTrials(t, e, twoWayKind, start, finish)
}

func TestCrashTwoWayDaemon(t *testing.T) {
	e := newCrashEnv(t, twoWayKind)
	start, finish := daemonRuns(e)
	runCrashTrials(t, e, twoWayKind, start, finish)
}

// runningDaemon is a daemon started by a test.
type runningDaemon struct {
	e       *env
	cmd     *exec.Cmd
	started time.Time
	done    chan error
}

func (e *env) startDaemon() *runningDaemon {
	e.t.Helper()
	d := &runningDaemon{e: e, cmd: e.command(e.t.Context(), "daemon"), started: time.Now(), done: make(chan error, 1)}
	if err := d.cmd.Start(); err != nil {
		e.t.Fatalf("start daemon: %v", err)
	}
	go func() { d.done <- d.cmd.Wait() }()
	e.t.Cleanup(func() {
		_ = d.cmd.Process.Kill()
		<-d.done
	})
	return d
}

// status returns the daemon's status document, or false while it does
// not answer.
func (d *runningDaemon) status() (daemon.Status, bool) {
	res := d.e.run("status", "--json")
	var st daemon.Status
	if res.Code != 0 || json.Unmarshal([]byte(res.Stdout), &st) != nil {
		return st, false
	}
	return st, true
}

// daemonIdleTimeout bounds the wait for a restarted daemon to finish its
// first pass.
const daemonIdleTimeout = 90 * time.Second

// waitIdle waits until every folder finished a pass that started after
// the daemon, with nothing queued. The status gives a pass without
// failures a LastSuccess only in a folder that uploads, and the poll at
// the end of the pass a LastPoll in one that downloads.
func (d *runningDaemon) waitIdle() {
	d.e.t.Helper()
	testenv.WaitFor(d.e.t, "the daemon to finish its first pass", daemonIdleTimeout, func() bool {
		st, ok := d.status()
		if !ok || len(st.Folders) == 0 {
			return false
		}
		for _, f := range st.Folders {
			mode := config.Mode(f.Mode)
			if f.State != daemon.StateIdle || f.Queued != 0 ||
				(mode.Uploads() && f.LastSuccess.Before(d.started)) ||
				(mode.Downloads() && f.LastPoll.Before(d.started)) {
				return false
			}
		}
		return true
	})
}

// stop sends SIGTERM and waits for the daemon to exit.
func (d *runningDaemon) stop() {
	d.e.t.Helper()
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		d.e.t.Fatalf("stop daemon: %v", err)
	}
	select {
	case err := <-d.done:
		if err != nil {
			d.e.t.Errorf("daemon exit after SIGTERM: %v", err)
		}
		d.done <- err
	case <-time.After(testenv.CommandTimeout):
		d.e.t.Fatal("daemon did not exit within the command timeout after SIGTERM")
	}
}
