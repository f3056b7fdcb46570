package state

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// Options configures Open.
type Options struct {
	// LockTimeout is how long Open waits for another process to release the
	// store. Zero makes Open fail at once with a *LockedError.
	LockTimeout time.Duration
	// ReadOnly opens the store without writing to it, for readers such as
	// `photosync status` and a consistency check. Another process still
	// cannot open the store at the same time. A read-only Open of a file of
	// an older schema fails, because only a writer can migrate it.
	ReadOnly bool
	// Now returns the current time; nil means time.Now. It stamps
	// File.UpdatedAt and Album.UpdatedAt.
	Now func() time.Time
}

// Store is an open state store. Its methods are safe for concurrent use:
// bbolt allows one write transaction at a time and any number of read
// transactions beside it.
type Store struct {
	path     string
	db       *bolt.DB
	lock     *processLock
	now      func() time.Time
	readOnly bool

	closeOnce sync.Once
	closeErr  error

	// batch groups the commits of concurrent Batch calls.
	batch batcher

	// ridersMu guards riders, which add their writes to each write
	// transaction.
	ridersMu sync.Mutex
	riders   []Rider
}

// Open opens the state file at path, creating it when it does not exist
// unless opts.ReadOnly is set. It takes the process lock in a file next to
// path whose name ends in ".lock" in place of path's extension (state.db
// locks state.lock), migrates an older schema in one transaction, and runs a
// quick consistency check. A new file is built under a temporary name and
// renamed into place, so a kill during the first run never leaves an empty
// state file.
//
// Open returns a *LockedError when another process holds the store, a
// *CorruptError when the file is damaged or is not a state file, and an error
// wrapping ErrNewerSchema when a newer photosync wrote it. It never replaces
// a damaged file.
func Open(path string, opts Options) (*Store, error) {
	if path == "" {
		return nil, errors.New("open state: path is empty; set state_dir in the config")
	}
	if opts.LockTimeout < 0 {
		return nil, fmt.Errorf("open state %s: lock timeout %v is negative", path, opts.LockTimeout)
	}
	info, err := os.Stat(path)
	switch {
	case err == nil && info.Size() == 0:
		// Open renames only a complete new file into place, so an empty
		// file lost its content. Starting afresh would forget every upload.
		return nil, &CorruptError{Path: path, Err: errors.New("the file is empty")}
	case err != nil && !(errors.Is(err, fs.ErrNotExist) && !opts.ReadOnly):
		return nil, fmt.Errorf("open state: %w", err)
	}

	lock, err := acquireLock(lockPath(path), path, opts.LockTimeout)
	if err != nil {
		return nil, err
	}
	if !opts.ReadOnly {
		if err := createFile(path); err != nil {
			lock.release()
			return nil, err
		}
	}
	s := &Store{path: path, lock: lock, now: opts.Now, readOnly: opts.ReadOnly}
	if s.now == nil {
		s.now = time.Now
	}
	if err := s.open(opts); err != nil {
		if s.db != nil {
			// Closing a damaged file may panic as well.
			s.guard(s.db.Close)
		}
		lock.release()
		return nil, err
	}
	return s, nil
}

// lockPath returns the lock file that guards the state file at path.
func lockPath(path string) string {
	return strings.TrimSuffix(path, filepath.Ext(path)) + ".lock"
}

// newFileSuffix ends the name of the temporary file in which Open builds a
// new state file before renaming it into place.
const newFileSuffix = ".new"

// beforeRename, when set by a test, runs after a new state file is built
// under its temporary name and before it is renamed into place.
var beforeRename func(tmp string)

// createFile creates the state file at path with the current schema, unless
// it exists. The caller holds the process lock. The file is built and
// synced under a temporary name and then renamed into place, so a kill
// leaves either no state file or a complete one, never an empty one. It
// removes a temporary file that a kill left behind.
func createFile(path string) error {
	tmp := path + newFileSuffix
	if err := os.Remove(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("create state: remove leftover %s: %w", tmp, err)
	}
	if _, err := os.Lstat(path); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return nil
	}

	db, err := bolt.Open(tmp, 0o600, &bolt.Options{Timeout: time.Nanosecond})
	if err != nil {
		return fmt.Errorf("create state %s: %w", tmp, err)
	}
	err = db.Update(createBuckets)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = syncFile(tmp)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("create state %s: %w", tmp, err)
	}
	if beforeRename != nil {
		beforeRename(tmp)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("create state: %w", err)
	}
	if err := syncFile(filepath.Dir(path)); err != nil {
		return fmt.Errorf("create state: sync directory: %w", err)
	}
	return nil
}

// syncFile flushes a file or directory to disk.
func syncFile(name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func (s *Store) open(opts Options) error {
	// bbolt takes its own flock on the file as well. The process lock is held
	// already, so it only fails when a program other than photosync, such as
	// the bbolt command, has the file open. A zero bbolt timeout would wait
	// forever, so the smallest positive one is used to mean "do not wait".
	boltOpts := &bolt.Options{Timeout: max(opts.LockTimeout, time.Nanosecond), ReadOnly: opts.ReadOnly}

	// When bolt.Open panics on a damaged file, it leaves its file open,
	// mapped and locked, so keep the file to unlock and close it here. The
	// memory map keeps the open file, and with it the flock, alive after
	// Close, so the unlock must be explicit.
	// NOTE: the memory map itself stays until the process exits, because
	// bbolt returns no handle to unmap it.
	var boltFile *os.File
	boltOpts.OpenFile = func(name string, flag int, perm fs.FileMode) (*os.File, error) {
		f, err := os.OpenFile(name, flag, perm)
		boltFile = f
		return f, err
	}
	err := s.guard(func() error {
		db, err := bolt.Open(s.path, 0o600, boltOpts)
		s.db = db
		return err
	})
	if err != nil && s.db == nil && boltFile != nil {
		// bbolt closes the file itself on the errors it returns, so this
		// only matters after a panic, and both calls may fail on a closed
		// file.
		unlockFile(boltFile)
		boltFile.Close()
	}
	switch {
	case errors.Is(err, bolterrors.ErrTimeout):
		return &LockedError{Path: s.path}
	case errors.As(err, new(*CorruptError)):
		return err
	case errors.Is(err, bolterrors.ErrInvalid), errors.Is(err, bolterrors.ErrChecksum),
		errors.Is(err, bolterrors.ErrVersionMismatch):
		return s.corrupt(err)
	case errors.As(err, new(*fs.PathError)):
		return fmt.Errorf("open state: %w", err)
	case err != nil:
		// bbolt reports other damage, such as a file too small to hold its
		// meta pages, with ad hoc errors.
		return s.corrupt(err)
	}

	if err := s.checkSize(); err != nil {
		return err
	}
	if err := s.prepareSchema(); err != nil {
		return err
	}
	return s.quickCheck()
}

// checkSize reports a file shorter than the pages its meta page claims, which
// is what truncation leaves. Reading those pages through the memory map would
// fault.
func (s *Store) checkSize() error {
	info, err := os.Stat(s.path)
	if err != nil {
		return fmt.Errorf("open state: %w", err)
	}
	var want int64
	err = s.guard(func() error {
		return s.db.View(func(tx *bolt.Tx) error {
			want = tx.Size()
			return nil
		})
	})
	if err != nil {
		return err
	}
	if info.Size() < want {
		return s.corrupt(fmt.Errorf("file has %d bytes but its pages need %d; it was truncated", info.Size(), want))
	}
	return nil
}

// prepareSchema creates the buckets of a new file, migrates an older one and
// rejects a newer one.
func (s *Store) prepareSchema() error {
	var version int
	var empty bool
	err := s.guard(func() error {
		return s.db.View(func(tx *bolt.Tx) error {
			var err error
			version, err = readSchemaVersion(tx)
			first, _ := tx.Cursor().First()
			empty = first == nil
			return err
		})
	})
	if err != nil {
		return s.corrupt(err)
	}

	switch {
	case version == SchemaVersion:
		return nil
	case version > SchemaVersion:
		return fmt.Errorf("open state %s: schema version %d is newer than version %d, "+
			"the latest this photosync reads; upgrade photosync: %w",
			s.path, version, SchemaVersion, ErrNewerSchema)
	case version == 0 && !empty:
		return s.corrupt(errors.New("it has buckets but no schema version, so it is not a photosync state file"))
	case s.readOnly && empty:
		return fmt.Errorf("open state %s: the file is empty; run photosync once to create it", s.path)
	case s.readOnly:
		return fmt.Errorf("open state %s: schema version %d must be migrated to version %d; "+
			"run photosync once without read-only access", s.path, version, SchemaVersion)
	}

	err = s.guard(func() error {
		return s.db.Update(func(tx *bolt.Tx) error {
			if version == 0 {
				return createBuckets(tx)
			}
			return migrate(tx, version)
		})
	})
	if err != nil && !errors.As(err, new(*CorruptError)) {
		return fmt.Errorf("open state %s: migrate schema version %d to %d: %w", s.path, version, SchemaVersion, err)
	}
	return err
}

// createBuckets lays out a new file at the current schema version.
func createBuckets(tx *bolt.Tx) error {
	for _, name := range allBuckets {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	return writeSchemaVersion(tx, SchemaVersion)
}

// migrate runs the registered steps from version up to SchemaVersion, then
// creates any bucket the current schema has and the steps did not add.
func migrate(tx *bolt.Tx, version int) error {
	for _, m := range migrations {
		if m.From < version {
			continue
		}
		if m.From != version {
			return fmt.Errorf("no migration step from version %d", version)
		}
		if err := m.Run(tx); err != nil {
			return fmt.Errorf("step %d to %d (%s): %w", m.From, m.From+1, m.Name, err)
		}
		version++
	}
	if version != SchemaVersion {
		return fmt.Errorf("migration steps end at version %d, not %d", version, SchemaVersion)
	}
	return createBuckets(tx)
}

// quickCheck verifies that every bucket exists and that the first and last
// keys of each can be read. It touches a few pages only; Check reads all.
func (s *Store) quickCheck() error {
	return s.guard(func() error {
		return s.db.View(func(tx *bolt.Tx) error {
			for _, name := range allBuckets {
				b := tx.Bucket(name)
				if b == nil {
					return s.corrupt(fmt.Errorf("bucket %s is missing", name))
				}
				c := b.Cursor()
				c.First()
				c.Last()
			}
			return nil
		})
	})
}

// Path returns the path of the state file.
func (s *Store) Path() string { return s.path }

// Size returns the size in bytes of the state file's pages as of the last
// commit, which is about the size of the file.
func (s *Store) Size() (int64, error) {
	var size int64
	err := s.guard(func() error {
		return s.db.View(func(tx *bolt.Tx) error {
			size = tx.Size()
			return nil
		})
	})
	if err != nil {
		return 0, fmt.Errorf("size of state %s: %w", s.path, err)
	}
	return size, nil
}

// Close waits for running transactions, closes the state file and releases
// the process lock. Calls after the first return the first call's result.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		err := s.db.Close()
		if lerr := s.lock.release(); err == nil {
			err = lerr
		}
		if err != nil {
			s.closeErr = fmt.Errorf("close state %s: %w", s.path, err)
		}
	})
	return s.closeErr
}

// View runs fn in a read transaction on one consistent snapshot. An
// error from fn is returned as is.
//
// Do no network I/O and no long work inside fn: a long read transaction keeps
// the pages of its snapshot from being reused, so the file grows while it runs.
func (s *Store) View(fn func(*Tx) error) error {
	return s.run(false, fn)
}

// Update runs fn in a write transaction. All writes fn makes commit together
// when fn returns nil, and none of them when it returns an error or panics.
// An error from fn is returned as is. The riders (see AddRider) write in
// the same transaction after fn, and an error from one of them fails it.
//
// Do no network I/O inside fn: only one write transaction runs at a time, so
// every other writer waits for fn. Record what is about to be sent in one
// transaction, send it outside, and record the result in the next one.
func (s *Store) Update(fn func(*Tx) error) error {
	if s.readOnly {
		return fmt.Errorf("update state %s: the store was opened read-only", s.path)
	}
	return s.run(true, fn)
}

// run runs fn in a transaction. Panics that come from bbolt or from reading
// a damaged memory map become a *CorruptError. Panics from fn's own code are
// passed on to the caller after the transaction rolls back.
func (s *Store) run(writable bool, fn func(*Tx) error) error {
	c := &batchCall{fn: fn}
	var dones []func(bool)
	err := s.guard(func() error {
		call := func(btx *bolt.Tx) error {
			s.call(btx, c)
			return c.err
		}
		if writable {
			return s.db.Update(func(btx *bolt.Tx) error {
				if err := call(btx); err != nil {
					return err
				}
				return s.ride(btx, &dones)
			})
		}
		return s.db.View(call)
	})
	settle(dones, err == nil)
	if c.panicked {
		panic(c.userPanic)
	}
	return err
}

// guard runs fn with memory faults turned into panics and turns any panic
// into a *CorruptError. bbolt panics on some kinds of damage, and reading a
// page past the end of a shortened file faults.
func (s *Store) guard(fn func() error) (err error) {
	old := debug.SetPanicOnFault(true)
	defer debug.SetPanicOnFault(old)
	defer func() {
		if r := recover(); r != nil {
			err = s.corrupt(fmt.Errorf("bbolt: %v", r))
		}
	}()
	return fn()
}

// isFault reports whether a recovered value is a memory fault, which
// SetPanicOnFault turns into a runtime error with an address.
func isFault(r any) bool {
	_, ok := r.(interface{ Addr() uintptr })
	return ok
}

// corrupt wraps err in a *CorruptError for this store, unless it is one.
func (s *Store) corrupt(err error) error {
	var ce *CorruptError
	if errors.As(err, &ce) {
		return err
	}
	return &CorruptError{Path: s.path, Err: err}
}
