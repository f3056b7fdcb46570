package emulator

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// stateFile is the name of the JSON snapshot inside Options.DataDir.
const stateFile = "state.json"

// state is everything the emulator remembers apart from uploaded bytes.
// The Server's mutex guards it. It is saved whole as JSON after every change
// when Options.DataDir is set.
type state struct {
	// ClockOffset is the sum of every advance made through the inspection
	// API. It is saved so that expiry times stay consistent across restarts.
	ClockOffset time.Duration `json:"clockOffset"`
	// Secret signs base URLs, so that they need no server-side table.
	Secret []byte `json:"secret"`

	Items         map[string]*item          `json:"items"`
	Albums        map[string]*album         `json:"albums"`
	UploadTokens  map[string]*uploadToken   `json:"uploadTokens"`
	Sessions      map[string]*uploadSession `json:"sessions"`
	AccessTokens  map[string]*accessToken   `json:"accessTokens"`
	RefreshTokens map[string]*refreshToken  `json:"refreshTokens"`
	AuthCodes     map[string]*authCode      `json:"authCodes"`
	Usage         map[string]*quotaUsage    `json:"usage"`
	// Sequence orders items and albums by creation, because the emulator
	// clock may stand still between two creations.
	Sequence int64 `json:"sequence"`

	// itemsBySHA maps a content hash to the item holding those bytes. It is
	// rebuilt on load.
	itemsBySHA map[string]string
	// albumsByShareToken maps a share token to its album. It is rebuilt on
	// load.
	albumsByShareToken map[string]string
}

func newState() *state {
	st := &state{
		Secret:        make([]byte, 32),
		Items:         map[string]*item{},
		Albums:        map[string]*album{},
		UploadTokens:  map[string]*uploadToken{},
		Sessions:      map[string]*uploadSession{},
		AccessTokens:  map[string]*accessToken{},
		RefreshTokens: map[string]*refreshToken{},
		AuthCodes:     map[string]*authCode{},
		Usage:         map[string]*quotaUsage{},
	}
	rand.Read(st.Secret)
	st.reindex()
	return st
}

// reindex rebuilds the lookup maps that are not saved.
func (st *state) reindex() {
	st.itemsBySHA = map[string]string{}
	for id, it := range st.Items {
		st.itemsBySHA[it.SHA256] = id
	}
	st.albumsByShareToken = map[string]string{}
	for id, a := range st.Albums {
		if a.Share != nil {
			st.albumsByShareToken[a.Share.ShareToken] = id
		}
	}
}

func (st *state) nextSequence() int64 {
	st.Sequence++
	return st.Sequence
}

// loadState reads the snapshot in dir, or returns an empty state when dir
// has none yet.
func loadState(dir string) (*state, error) {
	path := filepath.Join(dir, stateFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return newState(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("load state: %w", err)
	}
	st := newState()
	if err := json.Unmarshal(data, st); err != nil {
		return nil, fmt.Errorf("load state %s: %w (move the file away to start empty)", path, err)
	}
	st.reindex()
	return st, nil
}

// saveLocked writes the state to DataDir atomically: to a temporary file
// that is synced and then renamed over the snapshot. After Close it writes
// nothing, so that a closed Server cannot overwrite the state of a new one
// on the same directory.
func (s *Server) saveLocked() error {
	if s.opts.DataDir == "" || s.closed {
		return nil
	}
	data, err := json.Marshal(s.st)
	if err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	return writeFileAtomic(filepath.Join(s.opts.DataDir, stateFile), data)
}

// writeFileAtomic replaces path with data so that a crash leaves either the
// old or the new content.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("sync %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("replace %s: %w", path, err)
	}
	return nil
}
