package daemon

import (
	"encoding/json"
	"fmt"
	"time"
)

// StatusVersion is the version of the status document. The document only
// grows: fields are added, never renamed or removed, and the version goes up
// when a field is added.
const StatusVersion = 3

// State is the activity of a folder.
type State int

// The folder states.
const (
	// StateIdle means the folder waits for the next trigger.
	StateIdle State = iota
	// StateScanning means a pass is scanning the folder.
	StateScanning
	// StateSyncing means a pass is uploading the folder's changes.
	StateSyncing
	// StatePaused means the folder waits for something the pass cannot
	// change by itself. FolderStatus.PauseReason gives the cause.
	StatePaused
	// StateError means the folder's last pass failed, for the reason in
	// FolderStatus.LastError.
	StateError
	// StateMissingRoot means the root or its marker is gone, as with an
	// unmounted disk. The folder is not synced until it is back.
	StateMissingRoot
)

var stateNames = [...]string{
	StateIdle:        "idle",
	StateScanning:    "scanning",
	StateSyncing:     "syncing",
	StatePaused:      "paused",
	StateError:       "error",
	StateMissingRoot: "missing root",
}

// String returns the state's name, such as "idle" or "missing root".
func (s State) String() string {
	if s < 0 || int(s) >= len(stateNames) {
		return fmt.Sprintf("State(%d)", int(s))
	}
	return stateNames[s]
}

// MarshalText returns the state's name.
func (s State) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText parses a state name. An unknown name, from a newer daemon,
// is kept as an out-of-range value that prints as State(-1).
func (s *State) UnmarshalText(text []byte) error {
	for i, name := range stateNames {
		if name == string(text) {
			*s = State(i)
			return nil
		}
	}
	*s = -1
	return nil
}

// PauseReason is the cause of a paused folder or of paused uploads.
type PauseReason string

// The pause reasons.
const (
	// PauseDeletes means the folder's local deletes would remove more than
	// its delete_threshold of its items from albums; `photosync sync --yes`
	// applies them.
	PauseDeletes PauseReason = "delete share over threshold"
	// PauseQuota means the day's request budget for uploads is spent, or
	// the API reported its daily quota spent. Uploads resume at the reset.
	PauseQuota PauseReason = "quota"
	// PauseLogin means the API rejected the login; `photosync auth login`
	// fixes it.
	PauseLogin PauseReason = "login needed"
)

// Status is the document that GET /v1/status returns.
type Status struct {
	// Version is StatusVersion of the daemon that wrote the document.
	Version int `json:"version"`
	// PID is the daemon's process id.
	PID int `json:"pid"`
	// Started is when the daemon started.
	Started time.Time `json:"started"`
	// Summary is the one-line status that sd_notify also sends, such as
	// "Idle; 1,204 items in sync".
	Summary string `json:"summary"`
	// Folders lists the configured folders in config order.
	Folders []FolderStatus `json:"folders"`
	// Accounts lists the accounts; photosync has one per daemon.
	Accounts []AccountStatus `json:"accounts"`
}

// FolderStatus is the status of one synced folder.
type FolderStatus struct {
	// Path is the folder's root, as written in the config.
	Path string `json:"path"`
	// Mode is the folder's sync direction, such as "two-way".
	Mode  string `json:"mode"`
	State State  `json:"state"`
	// PauseReason is set in StatePaused.
	PauseReason PauseReason `json:"pause_reason,omitempty"`
	// PauseDetail is the engine's or the API's message for the pause.
	PauseDetail string `json:"pause_detail,omitempty"`
	// InSync is the number of files whose media item exists.
	InSync int `json:"in_sync"`
	// Queued is the number of files waiting to be uploaded: seen but not
	// created yet, or changed since the last pass.
	Queued int `json:"queued"`
	// Failed is the number of files that failed for good in their current
	// version. Failures lists some of them.
	Failed int `json:"failed"`
	// Failures lists up to MaxFailures failed or pending files with the
	// reason.
	Failures []Failure `json:"failures,omitempty"`
	// Progress is the progress of the running pass over this folder.
	Progress *Progress `json:"progress,omitempty"`
	LastScan time.Time `json:"last_scan,omitzero"`
	LastPoll time.Time `json:"last_poll,omitzero"`
	NextPoll time.Time `json:"next_poll,omitzero"`
	// LastSuccess is the end of the folder's last pass with no failure.
	LastSuccess time.Time `json:"last_success,omitzero"`
	LastError   string    `json:"last_error,omitempty"`
	// WatchChanges is the number of changed paths, plus directories to
	// rescan, that the file watcher reported in the folder since the daemon
	// started. The daemon's own downloads and moves to the trash do not
	// count, because it registers their paths with the watcher's ignore
	// list. Added in version 2.
	WatchChanges int `json:"watch_changes"`
	// Watching reports whether the file watcher follows the folder. When
	// it is false, WatchError gives the reason (for example that the
	// inotify watches ran out, with the sysctl that raises them), and the
	// folder is scanned every scan_interval instead. Added in version 3.
	Watching   bool   `json:"watching"`
	WatchError string `json:"watch_error,omitempty"`
}

// MaxFailures bounds FolderStatus.Failures.
const MaxFailures = 50

// Failure is one file that did not sync, with the reason.
type Failure struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
	// Pending is set when the file is retried on the next pass, and unset
	// when it is retried only once it changes.
	Pending bool `json:"pending,omitempty"`
}

// Progress counts the work of a pass, cumulatively from its start.
type Progress struct {
	PlannedFiles int   `json:"planned_files"`
	PlannedBytes int64 `json:"planned_bytes"`
	DoneFiles    int   `json:"done_files"`
	DoneBytes    int64 `json:"done_bytes"`
}

// AccountStatus is the status of the account and its daily quota.
type AccountStatus struct {
	// LoginNeeded is set when the API rejected the refresh token.
	LoginNeeded bool   `json:"login_needed"`
	LoginError  string `json:"login_error,omitempty"`
	// UploadsPaused is set while the quota scheduler holds uploads back.
	UploadsPaused bool `json:"uploads_paused"`
	// Quota is the request budget of the current quota day.
	Quota Quota `json:"quota"`
}

// Quota is the day's request budget.
type Quota struct {
	// Day is the quota day, the date in America/Los_Angeles.
	Day string `json:"day"`
	// Limit is quota.daily_limit and Reserve is quota.poll_reserve.
	Limit   int `json:"limit"`
	Reserve int `json:"reserve"`
	// Used is the number of requests counted today, and Left is Limit
	// minus Used, never below zero.
	Used int `json:"used"`
	Left int `json:"left"`
	// Reset is the next midnight in America/Los_Angeles.
	Reset time.Time `json:"reset"`
	// PausedUntil is set while uploads wait for the reset.
	PausedUntil time.Time `json:"paused_until,omitzero"`
}

// SyncRequest is the optional body of POST /v1/sync.
type SyncRequest struct {
	// Folders limits the pass to these roots, which must be in the
	// daemon's config. Empty means every folder.
	Folders []string `json:"folders,omitempty"`
	// Confirm applies local deletes over a folder's delete_threshold, as
	// `photosync sync --yes` does.
	Confirm bool `json:"confirm,omitempty"`
}

// SyncEvent is one JSON line of the POST /v1/sync response. Every line but
// the last carries Progress; the last carries Done and the pass's outcome.
type SyncEvent struct {
	Progress *Progress `json:"progress,omitempty"`
	// Path is the file that the last progress event was about, if any.
	Path string `json:"path,omitempty"`
	Done bool   `json:"done,omitempty"`
	// Summary is the pass's summary as package sync fills it.
	Summary json.RawMessage `json:"summary,omitempty"`
	// Error is the error the pass returned, and Fatal is set when it
	// stopped the whole pass, as a *photosync.FatalError does.
	Error string `json:"error,omitempty"`
	Fatal bool   `json:"fatal,omitempty"`
}
