package emulator

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// faultSpec is the body of POST /emulator/v1/faults and an entry of
// GET /emulator/v1/faults.
type faultSpec struct {
	ID string `json:"id,omitempty"`
	// Method is the method name the fault applies to, such as
	// "mediaItems.batchCreate", "uploads", "download" or "token". Empty
	// matches every request.
	Method  string            `json:"method,omitempty"`
	Status  int               `json:"status,omitempty"`
	Body    string            `json:"body,omitempty"`
	Headers map[string]string `json:"headers,omitempty"`
	// Delay is a Go duration the request waits, in real time, before the
	// fault or the normal response.
	Delay string `json:"delay,omitempty"`
	// DropAfterBytes closes the connection without a response after reading
	// that many request-body bytes, or for downloads after writing that
	// many response-body bytes.
	DropAfterBytes int64 `json:"dropAfterBytes,omitempty"`
	// BytesPerSecond sends the response body of a download at this rate,
	// in flushed chunks with waits between them, so that a client is still
	// reading the body a measurable time after the headers. It is a
	// pointer so that an explicit 0 is rejected and not taken as unset.
	BytesPerSecond *int64 `json:"bytesPerSecond,omitempty"`
	// Count applies the fault to the next Count matching requests, or for
	// ItemStatus to the next Count created items. Zero means until cleared.
	Count int `json:"count,omitempty"`
	// After lets the first After matching requests (or created items) pass
	// before the fault applies, so that a test can fail the third chunk of
	// a resumable upload and not its start.
	After int `json:"after,omitempty"`
	// Probability applies the fault to each matching request with this
	// chance. Zero means always.
	Probability float64 `json:"probability,omitempty"`
	// Seed seeds the random choice, so that a run can be repeated.
	Seed uint64 `json:"seed,omitempty"`
	// Preset fills Status and Body with one of Google's real errors:
	// dailyQuota, perMinuteQuota, storageFull or unavailable.
	Preset string `json:"preset,omitempty"`
	// ItemStatus makes batchCreate fail single items with this status
	// inside an HTTP 200.
	ItemStatus *statusJSON `json:"itemStatus,omitempty"`
	// RevokeRefreshToken, when set, revokes that refresh token and its
	// access tokens instead of adding a fault.
	RevokeRefreshToken string `json:"revokeRefreshToken,omitempty"`
	// Remaining is how many more times a counted fault applies. It is only
	// sent by GET.
	Remaining int `json:"remaining,omitempty"`
}

// activeFault is a fault waiting for matching requests.
type activeFault struct {
	spec      faultSpec
	delay     time.Duration
	rng       *rand.Rand
	remaining int
	// skip is how many more matching requests pass before the fault
	// applies.
	skip int
}

// faultSet holds the active faults in the order they were added.
type faultSet struct {
	log zerolog.Logger
	// counters receives the upload bytes a fault reads before it responds.
	counters *requestCounters

	mu     sync.Mutex
	faults []*activeFault
	nextID int
}

func newFaultSet(log zerolog.Logger, counters *requestCounters) *faultSet {
	return &faultSet{log: log, counters: counters}
}

var knownMethods = func() map[string]bool {
	m := map[string]bool{methodDownload: true, methodToken: true}
	for _, spec := range methodTable {
		m[spec.name] = true
	}
	return m
}()

var presets = map[string]bool{"dailyQuota": true, "perMinuteQuota": true, "storageFull": true, "unavailable": true}

// add validates spec and activates it.
func (f *faultSet) add(spec faultSpec) (string, error) {
	if spec.Method != "" && !knownMethods[spec.Method] {
		return "", fmt.Errorf("unknown method %q: use a name such as mediaItems.batchCreate, uploads, download or token", spec.Method)
	}
	if spec.Status != 0 && (spec.Status < 100 || spec.Status > 599) {
		return "", fmt.Errorf("status %d is not an HTTP status code", spec.Status)
	}
	if spec.Preset != "" && !presets[spec.Preset] {
		return "", fmt.Errorf("unknown preset %q: use dailyQuota, perMinuteQuota, storageFull or unavailable", spec.Preset)
	}
	if spec.Probability < 0 || spec.Probability > 1 {
		return "", fmt.Errorf("probability %v is outside 0 to 1", spec.Probability)
	}
	if spec.Count < 0 || spec.DropAfterBytes < 0 || spec.After < 0 {
		return "", fmt.Errorf("count %d, after %d and dropAfterBytes %d must not be negative", spec.Count, spec.After, spec.DropAfterBytes)
	}
	if err := checkBytesPerSecond(spec); err != nil {
		return "", err
	}
	if spec.ItemStatus != nil && spec.Method != "mediaItems.batchCreate" {
		return "", fmt.Errorf("itemStatus needs method mediaItems.batchCreate, not %q", spec.Method)
	}
	a := &activeFault{spec: spec, remaining: spec.Count, skip: spec.After}
	if spec.Delay != "" {
		d, err := time.ParseDuration(spec.Delay)
		if err != nil || d < 0 {
			return "", fmt.Errorf("delay %q is not a Go duration such as \"2s\"", spec.Delay)
		}
		a.delay = d
	}
	a.rng = rand.New(rand.NewPCG(spec.Seed, spec.Seed^0x9e3779b97f4a7c15))
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	a.spec.ID = fmt.Sprintf("fault-%d", f.nextID)
	f.faults = append(f.faults, a)
	return a.spec.ID, nil
}

// checkBytesPerSecond rejects a rate that is not positive, or one set on a
// method other than "download" or together with a response that replaces
// the download's body.
func checkBytesPerSecond(spec faultSpec) error {
	if spec.BytesPerSecond == nil {
		return nil
	}
	rate := *spec.BytesPerSecond
	if rate <= 0 {
		return fmt.Errorf("bytesPerSecond %d must be positive", rate)
	}
	if spec.Method != methodDownload {
		return fmt.Errorf("bytesPerSecond %d needs method download, not %q", rate, spec.Method)
	}
	if spec.Status != 0 || spec.Preset != "" || spec.Body != "" {
		return fmt.Errorf("bytesPerSecond %d throttles the download's own body: remove status, preset and body", rate)
	}
	return nil
}

func (f *faultSet) list() []faultSpec {
	f.mu.Lock()
	defer f.mu.Unlock()
	specs := []faultSpec{}
	for _, a := range f.faults {
		spec := a.spec
		spec.Remaining = a.remaining
		specs = append(specs, spec)
	}
	return specs
}

func (f *faultSet) clear() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = nil
}

// take returns the first request-level fault that applies to this request
// of method, using up one of its count.
func (f *faultSet) take(method string) *activeFault {
	return f.takeMatching(method, false)
}

// takeItemStatus returns the status for the next created item when an
// itemStatus fault applies, or nil.
func (f *faultSet) takeItemStatus() *statusJSON {
	a := f.takeMatching("mediaItems.batchCreate", true)
	if a == nil {
		return nil
	}
	return a.spec.ItemStatus
}

func (f *faultSet) takeMatching(method string, itemLevel bool) *activeFault {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, a := range f.faults {
		if (a.spec.ItemStatus != nil) != itemLevel {
			continue
		}
		if a.spec.Method != "" && a.spec.Method != method {
			continue
		}
		if a.skip > 0 {
			a.skip--
			continue
		}
		if a.spec.Probability > 0 && a.rng.Float64() >= a.spec.Probability {
			continue
		}
		if a.spec.Count > 0 {
			a.remaining--
			if a.remaining <= 0 {
				f.faults = append(f.faults[:i], f.faults[i+1:]...)
			}
		}
		return a
	}
	return nil
}

// apply takes a fault for the request and acts on it. It reports whether
// the fault responded to the request, in which case the caller must not.
// A dropAfterBytes fault on uploads or downloads is left to their handlers:
// apply returns the byte count for them to act on. Downloads use
// applyDownload, which also returns the bytesPerSecond rate.
func (f *faultSet) apply(w http.ResponseWriter, r *http.Request, method string) (handled bool, dropAfter int64) {
	handled, body := f.applyWithBody(w, r, method)
	return handled, body.dropAfter
}

// applyDownload is apply for a base-URL download. The returned bodyFault
// writes the download's body as the fault directs.
func (f *faultSet) applyDownload(w http.ResponseWriter, r *http.Request) (handled bool, body bodyFault) {
	return f.applyWithBody(w, r, methodDownload)
}

func (f *faultSet) applyWithBody(w http.ResponseWriter, r *http.Request, method string) (handled bool, body bodyFault) {
	a := f.take(method)
	if a == nil {
		return false, bodyFault{}
	}
	f.log.Info().Str("fault", a.spec.ID).Str("method", method).Msg("Injecting fault")
	if a.delay > 0 {
		timer := time.NewTimer(a.delay)
		select {
		case <-timer.C:
		case <-r.Context().Done():
			timer.Stop()
			return true, bodyFault{}
		}
	}
	if method == methodUploads || method == methodDownload {
		body := bodyFault{dropAfter: a.spec.DropAfterBytes}
		if a.spec.BytesPerSecond != nil {
			body.bytesPerSecond = *a.spec.BytesPerSecond
		}
		if body.dropAfter > 0 || body.bytesPerSecond > 0 {
			return false, body
		}
	}
	if a.spec.DropAfterBytes > 0 {
		io.CopyN(io.Discard, r.Body, a.spec.DropAfterBytes)
		abortConnection()
	}
	for k, v := range a.spec.Headers {
		w.Header().Set(k, v)
	}
	if method == methodUploads && (a.spec.Preset != "" || a.spec.Status != 0) {
		// Read the upload before failing it, as a server that rejects a
		// chunk after receiving it does, so that uploadBytes counts every
		// byte the client sent again afterwards.
		n, _ := io.Copy(io.Discard, io.LimitReader(r.Body, maxUploadSize))
		f.counters.addUploadBytes(n)
	}
	if a.spec.Preset != "" {
		writeAPIError(w, presetError(a.spec.Preset))
		return true, bodyFault{}
	}
	if a.spec.Status == 0 {
		return false, bodyFault{}
	}
	if a.spec.Body == "" {
		writeAPIError(w, errorForStatus(a.spec.Status))
		return true, bodyFault{}
	}
	if w.Header().Get("Content-Type") == "" {
		if body := bytes.TrimSpace([]byte(a.spec.Body)); len(body) > 0 && (body[0] == '{' || body[0] == '[') {
			w.Header().Set("Content-Type", "application/json; charset=UTF-8")
		} else {
			w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
		}
	}
	w.WriteHeader(a.spec.Status)
	io.WriteString(w, a.spec.Body)
	return true, bodyFault{}
}

// bodyFault is the effect of a fault on the response body of a download.
// It drops the connection after dropAfter bytes, sends at most
// bytesPerSecond bytes a second, or both. Zero fields do nothing.
type bodyFault struct {
	dropAfter      int64
	bytesPerSecond int64
}

// throttleChunksPerSecond is how many chunks a second a throttled body is
// split into, so that a client reads it in many small pieces.
const throttleChunksPerSecond = 20

// write sends body to w as the fault directs. A throttled body goes out in
// chunks, each flushed, and the handler waits in real time after each
// chunk until the bytes sent so far match the rate. It stops early when
// the client goes away.
func (b bodyFault) write(w http.ResponseWriter, r *http.Request, body []byte) {
	drop := b.dropAfter > 0 && b.dropAfter < int64(len(body))
	if drop {
		body = body[:b.dropAfter]
	}
	if b.bytesPerSecond > 0 {
		if !writeThrottled(w, r, body, b.bytesPerSecond) {
			return
		}
	} else {
		w.Write(body)
	}
	if drop {
		http.NewResponseController(w).Flush()
		abortConnection()
	}
}

// writeThrottled writes body at rate bytes a second. It returns false when
// a write failed or the request's context ended before the last byte.
func writeThrottled(w http.ResponseWriter, r *http.Request, body []byte, rate int64) bool {
	rc := http.NewResponseController(w)
	chunk := max(1, rate/throttleChunksPerSecond)
	start := time.Now()
	var sent int64
	for sent < int64(len(body)) {
		n := min(chunk, int64(len(body))-sent)
		if _, err := w.Write(body[sent : sent+n]); err != nil {
			return false
		}
		if err := rc.Flush(); err != nil {
			return false
		}
		sent += n
		if sent == int64(len(body)) {
			break
		}
		// The wait paces the total against the start, so that the time
		// spent writing does not slow the rate down.
		due := start.Add(time.Duration(float64(sent) / float64(rate) * float64(time.Second)))
		timer := time.NewTimer(time.Until(due))
		select {
		case <-timer.C:
		case <-r.Context().Done():
			timer.Stop()
			return false
		}
	}
	return true
}

// abortConnection ends the handler and makes net/http close the connection
// without sending a response (or the rest of one already started).
func abortConnection() {
	panic(http.ErrAbortHandler)
}

// faultClientID names the project in preset quota errors, because a fault
// responds before the request is authenticated.
const faultClientID = "emulator-fault"

func presetError(preset string) *apiError {
	switch preset {
	case "dailyQuota":
		return dailyQuotaError(faultClientID, DefaultDailyQuota)
	case "perMinuteQuota":
		return minuteQuotaError(faultClientID, 1)
	case "storageFull":
		return invalidArgument(msgStorageFull)
	default:
		return unavailable()
	}
}

// errorForStatus returns Google's usual error for an HTTP status.
func errorForStatus(code int) *apiError {
	e := &apiError{Code: code, Message: http.StatusText(code), Reason: "backendError"}
	switch code {
	case 400:
		e.Status, e.Reason, e.Message = "INVALID_ARGUMENT", "badRequest", "Request contains an invalid argument."
	case 401:
		return unauthenticated()
	case 403:
		e.Status, e.Reason, e.Message = "PERMISSION_DENIED", "forbidden", "The caller does not have permission"
	case 404:
		e.Status, e.Reason, e.Message = "NOT_FOUND", "notFound", "Requested entity was not found."
	case 409:
		e.Status, e.Reason, e.Message = "ABORTED", "aborted", "The operation was aborted."
	case 429:
		e.Status, e.Reason, e.Message = "RESOURCE_EXHAUSTED", "rateLimitExceeded", "Resource has been exhausted (e.g. check quota)."
	case 500:
		e.Status, e.Message = "INTERNAL", "Internal error encountered."
	case 503:
		return unavailable()
	case 504:
		e.Status, e.Message = "DEADLINE_EXCEEDED", "The request deadline was exceeded."
	default:
		e.Status = "UNKNOWN"
	}
	return e
}
