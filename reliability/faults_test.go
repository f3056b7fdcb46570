package reliability

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/photosync/photosync/daemon"
	"github.com/photosync/photosync/internal/testenv"
	"github.com/photosync/photosync/state"
)

// maxRunsToConverge bounds the sync runs a fault case may take to reach a
// full library, so a case that never converges fails instead of looping.
const maxRunsToConverge = 4

// retryAfterOne adds a Retry-After of one second to a per-minute quota
// fault. Without it the client waits its own backoff for a 429, which took
// about 30 seconds per case here: too slow for every test run.
const retryAfterOne = `,"headers":{"Retry-After":"1"}`

// faultCase is one row of the remote-fault matrix.
type faultCase struct {
	name   string
	faults []string
	// stopCode and stopText, when stopCode is not 0, are the exit code
	// and a part of the message of the first run, which must stop.
	stopCode int
	stopText string
	// afterStop undoes what the fault left behind before the next run,
	// beyond clearing the faults.
	afterStop func(e *env)
}

func faultMatrix() []faultCase {
	var cases []faultCase
	for _, status := range []int{500, 502, 503, 504} {
		for _, method := range []string{"uploads", "mediaItems.batchCreate", "albums.create", "albums.batchAddMediaItems"} {
			cases = append(cases, faultCase{
				name:   fmt.Sprintf("%d on %s", status, method),
				faults: []string{fmt.Sprintf(`{"method":%q,"status":%d,"count":2}`, method, status)},
			})
		}
	}
	cases = append(cases,
		faultCase{name: "per-minute quota on uploads",
			faults: []string{`{"method":"uploads","preset":"perMinuteQuota","count":2` + retryAfterOne + `}`}},
		faultCase{name: "per-minute quota on batchCreate",
			faults: []string{`{"method":"mediaItems.batchCreate","preset":"perMinuteQuota","count":1` + retryAfterOne + `}`}},
		faultCase{name: "daily quota",
			faults:   []string{`{"method":"mediaItems.batchCreate","preset":"dailyQuota"}`},
			stopCode: 3, stopText: "quota"},
		faultCase{name: "daily quota in a 400",
			faults: []string{`{"method":"mediaItems.batchCreate","status":400,"body":` +
				`"{\"error\":{\"code\":400,\"message\":\"Quota exceeded for quota metric 'All requests' and limit ` +
				`'All requests per day' of service 'photoslibrary.googleapis.com'\",\"status\":\"INVALID_ARGUMENT\"}}"}`},
			stopCode: 3, stopText: "quota"},
		faultCase{name: "dropped upload connections",
			faults: []string{`{"method":"uploads","dropAfterBytes":100,"count":3}`}},
		faultCase{name: "per-item creation failure",
			faults: []string{`{"method":"mediaItems.batchCreate","itemStatus":{"code":13,"message":"Internal error"},"count":1}`}},
		faultCase{name: "storage full",
			faults:   []string{`{"method":"mediaItems.batchCreate","preset":"storageFull"}`},
			stopCode: 3, stopText: "storage"},
		faultCase{name: "revoked refresh token",
			faults:   []string{`{"revokeRefreshToken":"` + refreshToken + `"}`},
			stopCode: 3, stopText: "auth login",
			afterStop: func(e *env) {
				testenv.WriteToken(e.t, e.token, "reliability-refresh-2")
			}},
	)
	return cases
}

func TestRemoteFaults(t *testing.T) {
	for _, tc := range faultMatrix() {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.addPhotos("", 2, "root")
			e.addPhotos("Trips/2024", 4, "trip")
			for _, spec := range tc.faults {
				e.emu.AddFault(spec)
			}
			if tc.stopCode != 0 {
				res := e.run("sync")
				if res.Code != tc.stopCode {
					t.Errorf("first sync exit %d, want %d: %s", res.Code, tc.stopCode, res)
				}
				if !strings.Contains(strings.ToLower(res.Stderr+res.Stdout), tc.stopText) {
					t.Errorf("first sync does not mention %q: %s", tc.stopText, res)
				}
				e.emu.ClearFaults()
				if tc.afterStop != nil {
					tc.afterStop(e)
				}
			}
			e.syncUntilConverged()
		})
	}
}

// syncUntilConverged runs sync until it exits 0, at most
// maxRunsToConverge times, and checks the library and the store. Each run
// that does not converge must end with exit code 1 and a message.
func (e *env) syncUntilConverged() {
	e.t.Helper()
	// The runs read their clock from the emulator, so that a run can be
	// moved past the wait that follows an album creation whose outcome
	// is unknown.
	e.vars = append(e.vars, daemon.DebugClockEnv+"="+e.emu.URL+"/emulator/v1/clock")
	for run := 1; ; run++ {
		res := e.run("sync")
		if res.Code == 0 {
			break
		}
		if res.Code != 1 || strings.TrimSpace(res.Stderr) == "" {
			e.t.Fatalf("sync run %d: want exit 0, or 1 with a message: %s", run, res)
		}
		if run == maxRunsToConverge {
			e.t.Fatalf("sync did not converge in %d runs; last: %s", run, res)
		}
		// A failed albums.create may have made the album, so the next
		// run waits the client's one-minute request timeout plus a
		// margin of five minutes before it creates one.
		e.emu.AdvanceClock("7m")
	}
	e.checkConverged()
	e.checkStateClean()
}

// mixedFaults are the transient faults TestRemoteFaultsMixed draws from.
var mixedFaults = []string{
	`{"method":%q,"status":500,"probability":0.2,"seed":%d}`,
	`{"method":%q,"status":503,"probability":0.2,"seed":%d}`,
	`{"method":%q,"preset":"perMinuteQuota","probability":0.1,"seed":%d` + retryAfterOne + `}`,
	`{"method":%q,"dropAfterBytes":50,"probability":0.2,"seed":%d}`,
}

func TestRemoteFaultsMixed(t *testing.T) {
	rng := rand.New(rand.NewPCG(*seed, 7))
	methods := []string{"uploads", "mediaItems.batchCreate", "albums.create", "albums.batchAddMediaItems"}
	for round := range 3 {
		t.Run(fmt.Sprintf("round %d", round), func(t *testing.T) {
			e := newEnv(t)
			e.addPhotos("", 3, "root")
			e.addPhotos("A", 4, "a")
			e.addPhotos("B/C", 4, "c")
			var specs []string
			for _, method := range methods {
				spec := fmt.Sprintf(mixedFaults[rng.IntN(len(mixedFaults))], method, rng.Uint64()>>1)
				specs = append(specs, spec)
				e.emu.AddFault(spec)
			}
			t.Logf("faults: %s", strings.Join(specs, " "))
			e.syncUntilConverged()
		})
	}
}

func TestExpiredUploadTokens(t *testing.T) {
	e := newEnv(t)
	e.addPhotos("Trips", 4, "trip")
	// Creation hangs long enough for the kill to land after every byte
	// upload and before any creation.
	e.emu.AddFault(`{"method":"mediaItems.batchCreate","delay":"30s","count":1}`)
	cmd := e.command(t.Context(), "sync")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The tokens are recorded after each upload's response; wait for the
	// creation request, which follows the last of them.
	testenv.WaitFor(t, "the creation request", testenv.CommandTimeout, func() bool {
		return e.emu.Requests().ByMethod["mediaItems.batchCreate"] >= 1
	})
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	e.emu.ClearFaults()

	snap := e.snapshot(time.Now())
	if snap.stages[state.StageUploaded]+snap.stages[state.StageCreating] == 0 {
		t.Fatalf("no pending upload with a token at the kill: %v", snap.stages)
	}
	// Upload tokens live one day; the engine drops them after 23 hours.
	e.emu.AdvanceClock("25h")
	sentBefore := e.emu.Requests().UploadBytes
	e.syncUntilConverged()
	if sent := e.emu.Requests().UploadBytes - sentBefore; sent == 0 {
		t.Errorf("the restart sent no bytes, but every upload token had expired")
	}
}

func TestSlowAnswerPastTimeout(t *testing.T) {
	if !*long {
		t.Skip("waits past the client's one-minute request timeout; run with -reliability.long")
	}
	e := newEnv(t)
	e.addPhotos("Trips", 2, "trip")
	e.emu.AddFault(`{"method":"mediaItems.batchCreate","delay":"70s","count":1}`)
	e.syncUntilConverged()
}
