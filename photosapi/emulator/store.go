package emulator

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

// storeFile is the bbolt database inside Options.DataDir.
const storeFile = "state.db"

// storeOpenTimeout bounds the wait for the database's file lock, which
// another emulator on the same directory holds.
const storeOpenTimeout = time.Second

// Buckets of the store. Each holds one map of state as JSON values under
// the map's keys.
const (
	bucketMeta          = "meta"
	bucketItems         = "items"
	bucketAlbums        = "albums"
	bucketUploadTokens  = "uploadTokens"
	bucketSessions      = "sessions"
	bucketAccessTokens  = "accessTokens"
	bucketRefreshTokens = "refreshTokens"
	bucketAuthCodes     = "authCodes"
	bucketUsage         = "usage"
)

// Keys in bucketMeta.
const (
	metaClockOffset = "clockOffset"
	metaSecret      = "secret"
	metaSequence    = "sequence"
)

// openStore opens or creates the store in dir and loads the state from it.
func openStore(dir string) (*bolt.DB, *state, error) {
	path := filepath.Join(dir, storeFile)
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: storeOpenTimeout})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, nil, fmt.Errorf("open %s: another emulator is using this data directory", path)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("open %s: %w", path, err)
	}
	st := newState()
	err = db.Update(func(tx *bolt.Tx) error {
		for _, name := range st.bucketNames() {
			if _, err := tx.CreateBucketIfNotExists([]byte(name)); err != nil {
				return err
			}
		}
		return st.load(tx)
	})
	if err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("load %s: %w (move the file away to start empty)", path, err)
	}
	st.reindex()
	return db, st, nil
}

func (st *state) bucketNames() []string {
	return []string{bucketMeta, bucketItems, bucketAlbums, bucketUploadTokens, bucketSessions,
		bucketAccessTokens, bucketRefreshTokens, bucketAuthCodes, bucketUsage}
}

// load reads every bucket into st. A new store has an empty meta bucket,
// and then st keeps the secret newState made.
func (st *state) load(tx *bolt.Tx) error {
	meta := tx.Bucket([]byte(bucketMeta))
	if secret := meta.Get([]byte(metaSecret)); secret != nil {
		st.Secret = append([]byte(nil), secret...)
	} else if err := meta.Put([]byte(metaSecret), st.Secret); err != nil {
		return err
	}
	if v := meta.Get([]byte(metaClockOffset)); len(v) == 8 {
		st.ClockOffset = time.Duration(binary.BigEndian.Uint64(v))
	}
	if v := meta.Get([]byte(metaSequence)); len(v) == 8 {
		st.Sequence = int64(binary.BigEndian.Uint64(v))
	}
	loads := []error{
		loadBucket(tx, bucketItems, st.Items),
		loadBucket(tx, bucketAlbums, st.Albums),
		loadBucket(tx, bucketUploadTokens, st.UploadTokens),
		loadBucket(tx, bucketSessions, st.Sessions),
		loadBucket(tx, bucketAccessTokens, st.AccessTokens),
		loadBucket(tx, bucketRefreshTokens, st.RefreshTokens),
		loadBucket(tx, bucketAuthCodes, st.AuthCodes),
		loadBucket(tx, bucketUsage, st.Usage),
	}
	return errors.Join(loads...)
}

func loadBucket[T any](tx *bolt.Tx, name string, into map[string]*T) error {
	return tx.Bucket([]byte(name)).ForEach(func(k, v []byte) error {
		value := new(T)
		if err := json.Unmarshal(v, value); err != nil {
			return fmt.Errorf("bucket %s key %q: %w", name, k, err)
		}
		into[string(k)] = value
		return nil
	})
}

// entry returns the current value of a marked key, or false when it was
// deleted.
func (st *state) entry(bucket, key string) (any, bool) {
	var (
		v  any
		ok bool
	)
	switch bucket {
	case bucketItems:
		v, ok = st.Items[key]
	case bucketAlbums:
		v, ok = st.Albums[key]
	case bucketUploadTokens:
		v, ok = st.UploadTokens[key]
	case bucketSessions:
		v, ok = st.Sessions[key]
	case bucketAccessTokens:
		v, ok = st.AccessTokens[key]
	case bucketRefreshTokens:
		v, ok = st.RefreshTokens[key]
	case bucketAuthCodes:
		v, ok = st.AuthCodes[key]
	case bucketUsage:
		v, ok = st.Usage[key]
	}
	return v, ok
}

// saveLocked writes the changed entries and the meta values to the store
// in one transaction. After Close it writes nothing, so that a closed
// Server cannot overwrite the state of a new one on the same directory.
func (s *Server) saveLocked() error {
	if s.db == nil || s.closed {
		return nil
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket([]byte(bucketMeta))
		if err := meta.Put([]byte(metaClockOffset), uint64Bytes(uint64(s.st.ClockOffset))); err != nil {
			return err
		}
		if err := meta.Put([]byte(metaSequence), uint64Bytes(uint64(s.st.Sequence))); err != nil {
			return err
		}
		for bucket, keys := range s.st.changes {
			b := tx.Bucket([]byte(bucket))
			for key := range keys {
				if err := putEntry(b, s.st, bucket, key); err != nil {
					return fmt.Errorf("bucket %s key %q: %w", bucket, key, err)
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	s.st.changes = map[string]map[string]bool{}
	s.dirty = false
	return nil
}

// putEntry writes the current value of key, or deletes it when it is gone.
func putEntry(b *bolt.Bucket, st *state, bucket, key string) error {
	v, ok := st.entry(bucket, key)
	if !ok {
		return b.Delete([]byte(key))
	}
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put([]byte(key), data)
}

func uint64Bytes(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}
