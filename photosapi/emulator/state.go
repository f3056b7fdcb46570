package emulator

import (
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// state is everything the emulator remembers apart from uploaded bytes.
// The Server's mutex guards it. With Options.DataDir set, the entries named
// in changes are written to the bbolt store by saveLocked.
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
	// changes lists, by bucket, the keys changed since the last save. It
	// is nil when no store saves the state.
	changes map[string]map[string]bool
}

// mark records that the entry under key in bucket changed or was deleted,
// so that the next save writes it. Marking an unchanged entry is harmless.
// A state kept only in memory has nil changes and records nothing.
func (st *state) mark(bucket, key string) {
	if st.changes == nil {
		return
	}
	keys, ok := st.changes[bucket]
	if !ok {
		keys = map[string]bool{}
		st.changes[bucket] = keys
	}
	keys[key] = true
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
		changes:       map[string]map[string]bool{},
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
