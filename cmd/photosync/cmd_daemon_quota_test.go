package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/photosync/photosync/daemon"
	"github.com/photosync/photosync/internal/testenv"
)

// writeSettled writes n small PNGs at the root with modification times an
// hour old, so that the first pass uploads them.
func (e *daemonEnv) writeSettled(n, seed int) {
	e.t.Helper()
	old := time.Now().Add(-time.Hour)
	for i := range n {
		name := filepath.Join(e.root, fmt.Sprintf("settled-%d-%d.png", seed, i))
		writePNG(e.t, name, seed+i)
		if err := os.Chtimes(name, old, old); err != nil {
			e.t.Fatal(err)
		}
	}
}

// apiRequests sums the emulator's counted requests, token requests left out
// because Google's OAuth endpoint has no Library API quota.
func apiRequests(r testenv.Requests) int {
	n := 0
	for method, count := range r.ByMethod {
		if method != "token" {
			n += count
		}
	}
	return n
}

func TestDaemonQuotaPausesAndResumes(t *testing.T) {
	const limit, reserve, files = 30, 10, 25
	e := newDaemonEnv(t, daemonConfig{dailyLimit: limit, pollReserve: reserve})
	e.writeSettled(files, 1000)
	d := e.start(daemon.DebugClockEnv+"="+e.emu.URL+"/emulator/v1/clock",
		daemon.DebugPollIntervalEnv+"=1s")

	paused := e.waitStatus("uploads paused by the budget", func(st *daemon.Status) bool {
		return st.Accounts[0].UploadsPaused && st.Folders[0].State == daemon.StatePaused
	})
	if got := paused.Folders[0].PauseReason; got != daemon.PauseQuota {
		t.Errorf("pause reason = %q, want %q", got, daemon.PauseQuota)
	}
	if q := paused.Accounts[0].Quota; q.PausedUntil.IsZero() || !q.PausedUntil.Equal(q.Reset) {
		t.Errorf("paused until %v, want the reset %v", q.PausedUntil, q.Reset)
	}
	items, _ := e.emu.Library()
	if len(items) == 0 || len(items) >= files {
		t.Fatalf("remote has %d items at the pause, want some but not all %d", len(items), files)
	}
	uploadsAtPause := e.emu.Requests().ByMethod["uploads"]

	// Polls go on in the reserve until the next one would not fit, and
	// then stop. A poll here costs 2 requests: one page of albums and one
	// page of the library.
	d.waitLog(t, "Polls skipped until the quota reset")
	spent := e.waitStatus("the status", func(*daemon.Status) bool { return true })
	if q := spent.Accounts[0].Quota; q.Used > limit || q.Used < limit-1 || q.Left != limit-q.Used {
		t.Errorf("quota after the polls = %+v, want %d or %d used", q, limit-1, limit)
	}
	r := e.emu.Requests()
	if got := apiRequests(r); got != spent.Accounts[0].Quota.Used {
		t.Errorf("emulator counted %d requests, the daemon %d: %v", got, spent.Accounts[0].Quota.Used, r.ByMethod)
	}
	if r.ByMethod["albums.list"] < 2 {
		t.Errorf("emulator saw %d polls, want polls after the pause", r.ByMethod["albums.list"])
	}
	if got := r.ByMethod["uploads"]; got != uploadsAtPause {
		t.Errorf("uploads went on during the pause: %d, then %d", uploadsAtPause, got)
	}

	e.emu.AdvanceClock("25h")
	e.waitRemote("every file uploaded after the reset", func(items []testenv.Item, _ []testenv.Album) bool {
		return len(items) == files
	})
	e.waitStatus("uploads resumed", func(st *daemon.Status) bool {
		return !st.Accounts[0].UploadsPaused && st.Folders[0].State == daemon.StateIdle &&
			st.Folders[0].InSync == files
	})
}

// notifyListener receives sd_notify datagrams on a socket that the test
// passes to the daemon as NOTIFY_SOCKET.
type notifyListener struct {
	conn     *net.UnixConn
	messages chan string
}

func listenNotify(t *testing.T) *notifyListener {
	t.Helper()
	path := filepath.Join(t.TempDir(), "notify.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatalf("listen for sd_notify: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	l := &notifyListener{conn: conn, messages: make(chan string, 1024)}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				close(l.messages)
				return
			}
			l.messages <- string(buf[:n])
		}
	}()
	return l
}

// wait returns once a message containing want arrives.
func (l *notifyListener) wait(t *testing.T, want string) {
	t.Helper()
	timeout := time.After(daemonWait)
	for {
		select {
		case msg, ok := <-l.messages:
			if !ok {
				t.Fatalf("sd_notify socket closed before %q", want)
			}
			if strings.Contains(msg, want) {
				return
			}
		case <-timeout:
			t.Fatalf("no sd_notify message with %q", want)
		}
	}
}

func TestDaemonLoginNeededAndRecovered(t *testing.T) {
	e := newDaemonEnv(t, daemonConfig{})
	notify := listenNotify(t)
	d := e.start("NOTIFY_SOCKET="+notify.conn.LocalAddr().String(), daemon.DebugPollIntervalEnv+"=1s",
		"WATCHDOG_USEC=200000")
	notify.wait(t, "READY=1")
	notify.wait(t, "STATUS=Idle; 0 items in sync")
	// The pings repeat, so this one comes whatever came before.
	notify.wait(t, "WATCHDOG=1")

	e.emu.AddFault(`{"revokeRefreshToken":"daemon-refresh"}`)
	e.writeSettled(1, 2000)
	st := e.waitStatus("login needed", func(st *daemon.Status) bool {
		return st.Accounts[0].LoginNeeded
	})
	if f := st.Folders[0]; f.State != daemon.StatePaused || f.PauseReason != daemon.PauseLogin {
		t.Errorf("folder = %s (%s), want paused (%s)", f.State, f.PauseReason, daemon.PauseLogin)
	}
	notify.wait(t, "STATUS=Needs login: run photosync auth login")
	res := e.run("status")
	if !strings.Contains(res.Stdout, "login needed") {
		t.Errorf("status table does not show the login:\n%s", res.Stdout)
	}

	// The daemon keeps watching while it waits: a file dropped now is
	// uploaded after the login.
	dropped := writePNG(t, filepath.Join(e.root, "while-logged-out.png"), 2500)
	token := filepath.Join(e.dir, "token.json")
	if err := os.WriteFile(token+".new", []byte(`{"refresh_token":"daemon-refresh-2"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(token+".new", token); err != nil {
		t.Fatal(err)
	}
	e.waitRemote("the queued files uploaded after the login", func(items []testenv.Item, _ []testenv.Album) bool {
		found := false
		for _, it := range items {
			found = found || it.SHA256 == dropped
		}
		return found && len(items) == 2
	})
	e.waitStatus("login recovered", func(st *daemon.Status) bool {
		return !st.Accounts[0].LoginNeeded && st.Folders[0].State == daemon.StateIdle
	})
	if code := d.stop(t); code != 0 {
		t.Errorf("daemon exit code = %d, want 0", code)
	}
	notify.wait(t, "STOPPING=1")
}
