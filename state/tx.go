package state

import (
	"bytes"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Tx is a transaction passed to the function given to Store.View or
// Store.Update. It is valid only until that function returns, and must not
// be used from other goroutines. Records it returns do not alias the file,
// so they stay valid after the transaction.
//
// Write methods on a Tx from Store.View return an error.
type Tx struct {
	s   *Store
	btx *bolt.Tx
	dec fileDecoder
	// err is the first damage found in this transaction. Once set, every
	// method returns it and Update rolls back.
	err error

	// buckets and cursors are caches that most transactions fill only in
	// part, kept in the Tx so that they cost no allocation of their own.
	// buckets holds the top-level buckets this transaction has found, and
	// cursors one cursor per bucket for lookups. bbolt's Get opens a new
	// cursor and grows its stack on every call, but a reused cursor's Seek
	// starts again from the bucket's root with the stack it has.
	buckets [maxCachedBuckets]namedBucket
	cursors [maxCachedBuckets]*bolt.Cursor
	// key is scratch space for keys given to bbolt calls that do not keep
	// them: lookups, Put, which copies its key, and Delete. It starts in
	// keyBuf.
	key    []byte
	keyBuf [256]byte
	// folder is the ID of the last folder that this transaction found in
	// the folders bucket. The store never deletes a folder record.
	folder string
}

var errTxClosed = errors.New("transaction is closed; use the Tx only inside the function given to View or Update")

// protect runs fn, which calls bbolt, and turns a panic into a
// *CorruptError that it also keeps in tx.err.
func (tx *Tx) protect(fn func() error) (err error) {
	if tx.err != nil {
		return tx.err
	}
	if tx.btx.DB() == nil {
		// bbolt would panic on a nil database, which is a misuse here and
		// not damage.
		return errTxClosed
	}
	defer func() {
		if r := recover(); r != nil {
			tx.err = tx.s.corrupt(fmt.Errorf("bbolt: %v", r))
			err = tx.err
		}
	}()
	return fn()
}

// maxCachedBuckets bounds the top-level buckets and the cursors that a
// transaction keeps. A first sync's record commit uses seven buckets.
const maxCachedBuckets = 8

// namedBucket is a top-level bucket and its name.
type namedBucket struct {
	name []byte
	b    *bolt.Bucket
}

// bucket returns a top-level bucket. Open checked that all of them exist.
func (tx *Tx) bucket(name []byte) (*bolt.Bucket, error) {
	if tx.err == nil {
		for _, nb := range tx.buckets {
			if nb.b == nil {
				break
			}
			if string(nb.name) == string(name) {
				return nb.b, nil
			}
		}
	}
	var b *bolt.Bucket
	err := tx.protect(func() error {
		b = tx.btx.Bucket(name)
		if b == nil {
			tx.err = tx.s.corrupt(fmt.Errorf("bucket %s is missing", name))
			return tx.err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i := range tx.buckets {
		if tx.buckets[i].b == nil {
			tx.buckets[i] = namedBucket{name: name, b: b}
			break
		}
	}
	return b, nil
}

// cursor returns the transaction's cursor on b, which lookups share.
func (tx *Tx) cursor(b *bolt.Bucket) *bolt.Cursor {
	for _, c := range tx.cursors {
		if c == nil {
			break
		}
		if c.Bucket() == b {
			return c
		}
	}
	c := b.Cursor()
	for i := range tx.cursors {
		if tx.cursors[i] == nil {
			tx.cursors[i] = c
			break
		}
	}
	return c
}

// lookup returns the value of key in b, or nil when b has no such key or
// the key names a nested bucket, as bbolt's Get does. The value is valid
// until the transaction ends or writes to b.
func (tx *Tx) lookup(b *bolt.Bucket, key []byte) ([]byte, error) {
	var v []byte
	err := tx.protect(func() error {
		k, val := tx.cursor(b).Seek(key)
		if bytes.Equal(k, key) {
			v = val
		}
		return nil
	})
	return v, err
}

// scratchKey returns parts joined in the transaction's scratch key, which
// stays valid until the next call.
func (tx *Tx) scratchKey(parts ...string) []byte {
	if tx.key == nil {
		tx.key = tx.keyBuf[:0]
	}
	tx.key = tx.key[:0]
	for _, p := range parts {
		tx.key = append(tx.key, p...)
	}
	return tx.key
}

func (tx *Tx) get(name, key []byte) ([]byte, error) {
	b, err := tx.bucket(name)
	if err != nil {
		return nil, err
	}
	return tx.lookup(b, key)
}

func (tx *Tx) put(name, key, value []byte) error {
	b, err := tx.bucket(name)
	if err != nil {
		return err
	}
	return tx.protect(func() error { return b.Put(key, value) })
}

func (tx *Tx) delete(name, key []byte) error {
	b, err := tx.bucket(name)
	if err != nil {
		return err
	}
	return tx.protect(func() error { return b.Delete(key) })
}

// getJSON decodes the JSON record under key into v and reports whether it
// exists.
func (tx *Tx) getJSON(name, key []byte, v any) (bool, error) {
	raw, err := tx.get(name, key)
	if err != nil || raw == nil {
		return false, err
	}
	if err := decodeJSON(raw, v); err != nil {
		return false, tx.s.corrupt(fmt.Errorf("bucket %s key %q: %w", name, key, err))
	}
	return true, nil
}

func (tx *Tx) putJSON(name, key []byte, v any) error {
	raw, err := encodeJSON(v)
	if err != nil {
		return err
	}
	return tx.put(name, key, raw)
}

// cursorWalk calls fn for each key with prefix in bucket b, in key order.
// fn's own errors and panics are not treated as damage.
//
// In a write transaction fn may write to b. bbolt asks that a cursor be
// repositioned after writes, so the walk then seeks back to the last key it
// visited before each step.
func (tx *Tx) cursorWalk(b *bolt.Bucket, prefix []byte, fn func(k, v []byte) error) error {
	var c *bolt.Cursor
	var k, v, last []byte
	writable := tx.btx.Writable()
	err := tx.protect(func() error {
		c = b.Cursor()
		if prefix == nil {
			k, v = c.First()
		} else {
			k, v = c.Seek(prefix)
		}
		return nil
	})
	for err == nil && k != nil && bytes.HasPrefix(k, prefix) {
		if writable {
			last = append(last[:0], k...)
		}
		if err := fn(k, v); err != nil {
			return err
		}
		err = tx.protect(func() error {
			if !writable {
				k, v = c.Next()
				return nil
			}
			k, v = c.Seek(last)
			if bytes.Equal(k, last) {
				k, v = c.Next()
			}
			return nil
		})
	}
	return err
}

// forEachJSON decodes each record of bucket name into a new T and calls fn.
func forEachJSON[T any](tx *Tx, name []byte, fn func(T) error) error {
	b, err := tx.bucket(name)
	if err != nil {
		return err
	}
	return tx.cursorWalk(b, nil, func(k, v []byte) error {
		var rec T
		if err := decodeJSON(v, &rec); err != nil {
			return tx.s.corrupt(fmt.Errorf("bucket %s key %q: %w", name, k, err))
		}
		return fn(rec)
	})
}

// writable returns an error unless tx may write.
func (tx *Tx) writable(op string) error {
	if !tx.btx.Writable() {
		return fmt.Errorf("%s: transaction is read-only; use Store.Update", op)
	}
	return nil
}

// GetFolder returns the folder with the given ID and reports whether it
// exists.
func (tx *Tx) GetFolder(id string) (Folder, bool, error) {
	if err := validateFolderID(id); err != nil {
		return Folder{}, false, fmt.Errorf("get folder: %w", err)
	}
	var f Folder
	ok, err := tx.getJSON(bucketFolders, []byte(id), &f)
	if err != nil {
		return Folder{}, false, fmt.Errorf("get folder %s: %w", id, err)
	}
	return f, ok, nil
}

// PutFolder creates or replaces a folder record. Files can be put into a
// folder only after the folder itself.
func (tx *Tx) PutFolder(f Folder) error {
	if err := tx.writable("put folder"); err != nil {
		return err
	}
	if err := validateFolderID(f.ID); err != nil {
		return fmt.Errorf("put folder: %w", err)
	}
	if err := tx.putJSON(bucketFolders, []byte(f.ID), f); err != nil {
		return fmt.Errorf("put folder %s: %w", f.ID, err)
	}
	return nil
}

// ListFolders returns all folders ordered by ID.
func (tx *Tx) ListFolders() ([]Folder, error) {
	var folders []Folder
	err := forEachJSON(tx, bucketFolders, func(f Folder) error {
		folders = append(folders, f)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list folders: %w", err)
	}
	return folders, nil
}

// folderFiles returns the bucket of the files of folder, or nil when the
// folder has no files.
func (tx *Tx) folderFiles(folder string) (*bolt.Bucket, error) {
	files, err := tx.bucket(bucketFiles)
	if err != nil {
		return nil, err
	}
	var b *bolt.Bucket
	err = tx.protect(func() error {
		b = files.Bucket(tx.scratchKey(folder))
		return nil
	})
	return b, err
}

// getFile returns the file at folder and path, or ok false.
func (tx *Tx) getFile(folder, path string) (f File, ok bool, err error) {
	b, err := tx.folderFiles(folder)
	if err != nil || b == nil {
		return File{}, false, err
	}
	return tx.fileIn(b, folder, path)
}

// fileIn returns the file at path in b, the bucket of folder's files, or
// ok false.
func (tx *Tx) fileIn(b *bolt.Bucket, folder, path string) (f File, ok bool, err error) {
	key := tx.scratchKey(path)
	v, err := tx.lookup(b, key)
	if err != nil || v == nil {
		return File{}, false, err
	}
	f, err = tx.dec.decode(folder, key, v)
	if err != nil {
		return File{}, false, tx.s.corrupt(fmt.Errorf("file record %s in %s: %w", path, folder, err))
	}
	return f, true, nil
}

// GetFile returns the file at path in folder and reports whether it exists.
func (tx *Tx) GetFile(folder, path string) (File, bool, error) {
	if err := validateFolderID(folder); err != nil {
		return File{}, false, fmt.Errorf("get file: %w", err)
	}
	if err := validateRelPath("file path", path); err != nil {
		return File{}, false, fmt.Errorf("get file: %w", err)
	}
	f, ok, err := tx.getFile(folder, path)
	if err != nil {
		return File{}, false, fmt.Errorf("get file %s in %s: %w", path, folder, err)
	}
	return f, ok, nil
}

// PutFile creates or replaces the record of a file and keeps the hash index
// in step with f.SHA256. It sets f.UpdatedAt to the store's current time.
// The folder must exist.
func (tx *Tx) PutFile(f File) error {
	if err := tx.writable("put file"); err != nil {
		return err
	}
	if err := f.validate(); err != nil {
		return fmt.Errorf("put file: %w", err)
	}
	if err := tx.putFile(f); err != nil {
		return fmt.Errorf("put file %s in %s: %w", f.Path, f.Folder, err)
	}
	return nil
}

func (tx *Tx) putFile(f File) error {
	if f.Folder != tx.folder {
		if raw, err := tx.get(bucketFolders, tx.scratchKey(f.Folder)); err != nil {
			return err
		} else if raw == nil {
			return errors.New("the folder is not in the state store; put the folder first")
		}
		tx.folder = f.Folder
	}
	b, err := tx.folderFiles(f.Folder)
	if err != nil {
		return err
	}
	var old File
	var existed bool
	if b != nil {
		if old, existed, err = tx.fileIn(b, f.Folder, f.Path); err != nil {
			return err
		}
	}

	f.UpdatedAt = tx.s.now().UTC()
	value := encodeFile(f)
	err = tx.protect(func() error {
		if b == nil {
			files, err := tx.bucket(bucketFiles)
			if err != nil {
				return err
			}
			if b, err = files.CreateBucket(tx.scratchKey(f.Folder)); err != nil {
				return err
			}
		}
		// Paths of one directory usually arrive in order, and appends leave
		// every split page half empty at bbolt's default fill.
		b.FillPercent = filesFillPercent
		return b.Put(tx.scratchKey(f.Path), value)
	})
	if err != nil {
		return err
	}

	if existed && old.SHA256 == f.SHA256 {
		return nil
	}
	if existed && old.SHA256 != "" {
		if err := tx.delete(bucketFileHash, tx.fileHashKey(old.SHA256, f.Folder, f.Path)); err != nil {
			return err
		}
	}
	if f.SHA256 != "" {
		return tx.put(bucketFileHash, tx.fileHashKey(f.SHA256, f.Folder, f.Path), nil)
	}
	return nil
}

// fileHashKey returns the files_by_hash key of a file in the transaction's
// scratch key, as fileHashKey builds it.
func (tx *Tx) fileHashKey(sha, folder, path string) []byte {
	return tx.scratchKey(sha, folder, sepString, path)
}

// DeleteFile removes the record of a file and its hash index entry. Deleting
// a file that has no record is not an error.
func (tx *Tx) DeleteFile(folder, path string) error {
	if err := tx.writable("delete file"); err != nil {
		return err
	}
	if err := validateFolderID(folder); err != nil {
		return fmt.Errorf("delete file: %w", err)
	}
	if err := validateRelPath("file path", path); err != nil {
		return fmt.Errorf("delete file: %w", err)
	}
	if err := tx.deleteFile(folder, path); err != nil {
		return fmt.Errorf("delete file %s in %s: %w", path, folder, err)
	}
	return nil
}

func (tx *Tx) deleteFile(folder, path string) error {
	old, existed, err := tx.getFile(folder, path)
	if err != nil || !existed {
		return err
	}
	b, err := tx.folderFiles(folder)
	if err != nil {
		return err
	}
	if err := tx.protect(func() error { return b.Delete([]byte(path)) }); err != nil {
		return err
	}
	if old.SHA256 == "" {
		return nil
	}
	return tx.delete(bucketFileHash, fileHashKey(old.SHA256, folder, path))
}

// ForEachFile calls fn for each file of folder in byte order of their paths.
// It stops at and returns the first error from fn. Inside Update, fn may put
// and delete files, and files it adds after the current path are visited
// too.
func (tx *Tx) ForEachFile(folder string, fn func(File) error) error {
	if err := validateFolderID(folder); err != nil {
		return fmt.Errorf("list files: %w", err)
	}
	b, err := tx.folderFiles(folder)
	if err != nil {
		return fmt.Errorf("list files in %s: %w", folder, err)
	}
	if b == nil {
		return nil
	}
	return tx.cursorWalk(b, nil, func(k, v []byte) error {
		f, err := tx.dec.decode(folder, k, v)
		if err != nil {
			return fmt.Errorf("list files in %s: %w", folder,
				tx.s.corrupt(fmt.Errorf("file record %s: %w", k, err)))
		}
		return fn(f)
	})
}

// FilesByHash returns the files whose content has the given lowercase hex
// SHA-256, ordered by folder and path.
func (tx *Tx) FilesByHash(sha256 string) ([]File, error) {
	if err := validateSHA256(sha256, false); err != nil {
		return nil, fmt.Errorf("files by hash: %w", err)
	}
	index, err := tx.bucket(bucketFileHash)
	if err != nil {
		return nil, fmt.Errorf("files by hash %s: %w", sha256, err)
	}
	type ref struct{ folder, path string }
	var refs []ref
	err = tx.cursorWalk(index, []byte(sha256), func(k, _ []byte) error {
		_, folder, path, ok := splitFileHashKey(k)
		if !ok {
			return tx.s.corrupt(fmt.Errorf("bucket %s: malformed key %q", bucketFileHash, k))
		}
		refs = append(refs, ref{folder, path})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("files by hash %s: %w", sha256, err)
	}

	files := make([]File, 0, len(refs))
	for _, r := range refs {
		f, ok, err := tx.getFile(r.folder, r.path)
		if err != nil {
			return nil, fmt.Errorf("files by hash %s: %w", sha256, err)
		}
		if !ok || f.SHA256 != sha256 {
			return nil, fmt.Errorf("files by hash %s: %w", sha256, tx.s.corrupt(fmt.Errorf(
				"index entry for %s in %s does not match a file record", r.path, r.folder)))
		}
		files = append(files, f)
	}
	return files, nil
}
