package daemon

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"
)

// Clock is the daemon's source of the current time for quota days,
// resets and the times in its status. Timers that only pace work, such as
// the poll interval, run on the system clock.
type Clock interface {
	Now() time.Time
}

// SystemClock is the Clock of the system's time.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// DebugClockEnv names the environment variable that makes the daemon read
// its time from a photosync emulator, for tests only. Its value is the URL
// of the emulator's GET /emulator/v1/clock, on a loopback address.
const DebugClockEnv = "PHOTOSYNC_DEBUG_CLOCK_URL"

// emulatorClockRefresh is the interval at which EmulatorClock reads the
// emulator's clock. After a test advances the emulator's clock, the daemon
// follows within this time plus one loop wake-up.
const emulatorClockRefresh = 200 * time.Millisecond

// EmulatorClock is a Clock that follows the clock of a photosync emulator:
// the system time plus the emulator's offset from it, which Run refreshes.
// It exists so that tests of the binary can move the daemon's quota day.
type EmulatorClock struct {
	url    string
	client *http.Client
	offset atomic.Int64 // nanoseconds added to time.Now
}

// NewEmulatorClock returns a clock that reads the emulator clock at rawURL,
// which must be an http URL on a loopback address, and reads it once.
func NewEmulatorClock(ctx context.Context, rawURL string) (*EmulatorClock, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("%s %q: %w", DebugClockEnv, rawURL, err)
	}
	ip := net.ParseIP(u.Hostname())
	if u.Scheme != "http" || ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("%s %q: must be an http URL on a loopback address, "+
			"such as http://127.0.0.1:8080/emulator/v1/clock", DebugClockEnv, rawURL)
	}
	c := &EmulatorClock{url: rawURL, client: &http.Client{Timeout: 5 * time.Second}}
	if err := c.refresh(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// Now returns the emulator's current time as last read.
func (c *EmulatorClock) Now() time.Time {
	return time.Now().Add(time.Duration(c.offset.Load()))
}

// Run refreshes the offset until ctx ends. A failed read keeps the last
// offset.
func (c *EmulatorClock) Run(ctx context.Context) error {
	ticker := time.NewTicker(emulatorClockRefresh)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
			_ = c.refresh(ctx)
		}
	}
}

func (c *EmulatorClock) refresh(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url, nil)
	if err != nil {
		return fmt.Errorf("read emulator clock: %w", err)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return fmt.Errorf("read emulator clock: %w", err)
	}
	defer resp.Body.Close()
	var body struct {
		Now time.Time `json:"now"`
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("read emulator clock %s: status %s", c.url, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return fmt.Errorf("read emulator clock %s: %w", c.url, err)
	}
	c.offset.Store(int64(time.Until(body.Now)))
	return nil
}

// DebugPollIntervalEnv names the environment variable that replaces the
// config's poll_interval, for tests only, because the config rejects poll
// intervals short enough for a test. Its value is a Go duration such as
// "1s".
const DebugPollIntervalEnv = "PHOTOSYNC_DEBUG_POLL_INTERVAL"

// DebugWatchMaxPendingEnv names the environment variable that sets
// Options.WatchMaxPending, for tests only: a small value makes a burst of
// files overflow the watcher into rescans. Its value is a positive integer.
const DebugWatchMaxPendingEnv = "PHOTOSYNC_DEBUG_WATCH_MAX_PENDING"
