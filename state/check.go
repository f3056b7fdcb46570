package state

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Check reads the whole file and returns every inconsistency it finds. It
// reports page damage found by bbolt's own check, records that do not decode
// or are stored under the wrong key, index entries that do not match their
// records, and records missing from an index. It returns an error only when
// it cannot run, including when the file is too damaged to read to the end.
// Check reads one snapshot, so it may run beside writers, but it is slow on
// a large file.
func (s *Store) Check() ([]Problem, error) {
	var problems []Problem
	err := s.guard(func() error {
		return s.db.View(func(btx *bolt.Tx) error {
			for err := range btx.Check() {
				problems = append(problems, Problem{Message: "bbolt: " + err.Error()})
			}
			c := checker{tx: btx}
			c.run()
			problems = append(problems, c.problems...)
			return nil
		})
	})
	if err != nil {
		return problems, fmt.Errorf("check state %s: %w", s.path, err)
	}
	return problems, nil
}

// checker collects the schema problems of one read transaction.
type checker struct {
	tx       *bolt.Tx
	problems []Problem
}

func (c *checker) add(bucket []byte, key []byte, format string, args ...any) {
	c.problems = append(c.problems, Problem{Bucket: string(bucket), Key: string(key), Message: fmt.Sprintf(format, args...)})
}

func (c *checker) run() {
	version, err := readSchemaVersion(c.tx)
	switch {
	case err != nil:
		c.add(bucketMeta, keySchemaVersion, "%v", err)
	case version != SchemaVersion:
		c.add(bucketMeta, keySchemaVersion, "schema version is %d, want %d", version, SchemaVersion)
	}
	for _, name := range allBuckets {
		if c.tx.Bucket(name) == nil {
			c.add(name, nil, "bucket is missing")
		}
	}
	c.checkTopLevel()
	c.checkFolders()
	c.checkFiles()
	c.checkMediaItems()
	c.checkAlbums()
	c.checkUploads()
	c.checkJSONKeys(bucketTombstones, func(k, v []byte) (string, error) {
		var t Tombstone
		err := decodeJSON(v, &t)
		return t.MediaItemID, err
	})
	c.checkRequests()
}

// checkTopLevel reports top-level keys that are not buckets of the schema.
func (c *checker) checkTopLevel() {
	known := make(map[string]bool)
	for _, name := range allBuckets {
		known[string(name)] = true
	}
	c.tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
		if !known[string(name)] {
			c.add(name, nil, "unknown bucket")
		}
		return nil
	})
}

func (c *checker) checkFolders() {
	c.checkJSONKeys(bucketFolders, func(k, v []byte) (string, error) {
		var f Folder
		if err := decodeJSON(v, &f); err != nil {
			return "", err
		}
		return f.ID, validateFolderID(f.ID)
	})
}

// checkJSONKeys decodes every record of a bucket with decode, which returns
// the key the record belongs under or an error for an invalid record, and
// reports invalid records and mismatched keys.
func (c *checker) checkJSONKeys(name []byte, decode func(k, v []byte) (string, error)) {
	b := c.tx.Bucket(name)
	if b == nil {
		return
	}
	b.ForEach(func(k, v []byte) error {
		if v == nil {
			c.add(name, k, "unexpected nested bucket")
			return nil
		}
		want, err := decode(k, v)
		switch {
		case err != nil:
			c.add(name, k, "invalid record: %v", err)
		case want != string(k):
			c.add(name, k, "record belongs under key %q", want)
		}
		return nil
	})
}

func (c *checker) checkFiles() {
	files := c.tx.Bucket(bucketFiles)
	folders := c.tx.Bucket(bucketFolders)
	index := c.tx.Bucket(bucketFileHash)
	if files == nil || folders == nil || index == nil {
		return
	}

	var dec fileDecoder
	files.ForEach(func(folder, v []byte) error {
		if v != nil {
			c.add(bucketFiles, folder, "value where a folder's bucket belongs")
			return nil
		}
		if folders.Get(folder) == nil {
			c.add(bucketFiles, folder, "files of a folder that has no folder record")
		}
		return files.Bucket(folder).ForEach(func(path, v []byte) error {
			key := string(folder) + "/" + string(path)
			if v == nil {
				c.add(bucketFiles, []byte(key), "unexpected nested bucket")
				return nil
			}
			if err := validateRelPath("file path", string(path)); err != nil {
				c.add(bucketFiles, []byte(key), "%v", err)
			}
			f, err := dec.decode(string(folder), path, v)
			if err != nil {
				c.add(bucketFiles, []byte(key), "record does not decode: %v", err)
				return nil
			}
			if err := validateSHA256(f.SHA256, true); err != nil {
				c.add(bucketFiles, []byte(key), "%v", err)
				return nil
			}
			if f.SHA256 != "" && index.Get(fileHashKey(f.SHA256, f.Folder, f.Path)) == nil {
				c.add(bucketFileHash, []byte(key), "file with SHA-256 %s is missing from the index", f.SHA256)
			}
			return nil
		})
	})

	index.ForEach(func(k, _ []byte) error {
		sha, folder, path, ok := splitFileHashKey(k)
		if !ok {
			c.add(bucketFileHash, k, "malformed index key")
			return nil
		}
		b := files.Bucket([]byte(folder))
		var v []byte
		if b != nil {
			v = b.Get([]byte(path))
		}
		if v == nil {
			c.add(bucketFileHash, k, "index entry points at missing file %s in %s", path, folder)
			return nil
		}
		f, err := dec.decode(folder, []byte(path), v)
		if err == nil && f.SHA256 != sha {
			c.add(bucketFileHash, k, "index entry for %s in %s has SHA-256 %s but the file has %q", path, folder, sha, f.SHA256)
		}
		return nil
	})
}

func (c *checker) checkMediaItems() {
	media := c.tx.Bucket(bucketMedia)
	index := c.tx.Bucket(bucketMediaHash)
	if media == nil || index == nil {
		return
	}
	c.checkJSONKeys(bucketMedia, func(k, v []byte) (string, error) {
		var m MediaItem
		if err := decodeJSON(v, &m); err != nil {
			return "", err
		}
		if m.SHA256 != "" && index.Get(mediaHashKey(m.SHA256, m.ID)) == nil {
			c.add(bucketMediaHash, k, "media item with SHA-256 %s is missing from the index", m.SHA256)
		}
		return m.ID, nil
	})

	index.ForEach(func(k, _ []byte) error {
		if len(k) <= sha256HexLen || validateSHA256(string(k[:sha256HexLen]), false) != nil {
			c.add(bucketMediaHash, k, "malformed index key")
			return nil
		}
		sha, id := string(k[:sha256HexLen]), k[sha256HexLen:]
		var m MediaItem
		v := media.Get(id)
		if v == nil {
			c.add(bucketMediaHash, k, "index entry points at missing media item %s", id)
			return nil
		}
		if err := decodeJSON(v, &m); err == nil && m.SHA256 != sha {
			c.add(bucketMediaHash, k, "index entry for media item %s has SHA-256 %s but the item has %q", id, sha, m.SHA256)
		}
		return nil
	})
}

// checkUploads checks the pending uploads and their hash index. It
// reports the binary keys of both buckets in hex.
func (c *checker) checkUploads() {
	records := c.tx.Bucket(bucketUploads)
	index := c.tx.Bucket(bucketUploadHash)
	if records == nil || index == nil {
		return
	}
	next := records.Sequence()
	records.ForEach(func(k, v []byte) error {
		hexKey := []byte(hex.EncodeToString(k))
		if v == nil {
			c.add(bucketUploads, hexKey, "unexpected nested bucket")
			return nil
		}
		if len(k) != uploadSeqLen {
			c.add(bucketUploads, hexKey, "key has %d bytes, want a %d-byte sequence number", len(k), uploadSeqLen)
			return nil
		}
		// NextSequence would give a later upload this key.
		if seq := binary.BigEndian.Uint64(k); seq > next {
			c.add(bucketUploads, hexKey, "sequence number %d is beyond the bucket's sequence %d", seq, next)
		}
		u, err := decodeUpload(v)
		if err == nil {
			err = u.validate()
		}
		if err != nil {
			c.add(bucketUploads, hexKey, "invalid record: %v", err)
			return nil
		}
		if !bytes.Equal(index.Get(uploadHashKey(u.SHA256)), k) {
			c.add(bucketUploadHash, hexKey, "upload with SHA-256 %s is missing from the index", u.SHA256)
		}
		return nil
	})

	index.ForEach(func(k, key []byte) error {
		hexKey := []byte(hex.EncodeToString(k))
		if len(k) != sha256HexLen/2 || len(key) != uploadSeqLen {
			c.add(bucketUploadHash, hexKey, "malformed index entry")
			return nil
		}
		sha := string(hexKey)
		v := records.Get(key)
		if v == nil {
			c.add(bucketUploadHash, hexKey, "index entry for %s points at missing upload %x", sha, key)
			return nil
		}
		if u, err := decodeUpload(v); err == nil && u.SHA256 != sha {
			c.add(bucketUploadHash, hexKey, "index entry for %s points at upload %x, which has SHA-256 %q", sha, key, u.SHA256)
		}
		return nil
	})
}

func (c *checker) checkAlbums() {
	albums := c.tx.Bucket(bucketAlbums)
	index := c.tx.Bucket(bucketAlbumDir)
	if albums == nil || index == nil {
		return
	}
	c.checkJSONKeys(bucketAlbums, func(k, v []byte) (string, error) {
		var a Album
		if err := decodeJSON(v, &a); err != nil {
			return "", err
		}
		if err := a.validate(); err != nil {
			return "", err
		}
		if a.Folder != "" && !bytes.Equal(index.Get(albumDirKey(a.Folder, a.Dir, a.Overflow)), k) {
			c.add(bucketAlbumDir, k, "album for directory %q of %s is missing from the index", a.Dir, a.Folder)
		}
		return a.ID, nil
	})

	index.ForEach(func(k, id []byte) error {
		var a Album
		v := albums.Get(id)
		if v == nil {
			c.add(bucketAlbumDir, k, "index entry points at missing album %s", id)
			return nil
		}
		if err := decodeJSON(v, &a); err != nil {
			return nil
		}
		if a.Folder == "" || !bytes.Equal(albumDirKey(a.Folder, a.Dir, a.Overflow), k) {
			c.add(bucketAlbumDir, k, "index entry points at album %s, which mirrors directory %q of %q (overflow %d)",
				id, a.Dir, a.Folder, a.Overflow)
		}
		return nil
	})
}

func (c *checker) checkRequests() {
	b := c.tx.Bucket(bucketRequests)
	if b == nil {
		return
	}
	b.ForEach(func(k, v []byte) error {
		if err := validateDay(string(k)); err != nil {
			c.add(bucketRequests, k, "%v", err)
		}
		var counts map[string]int
		if err := decodeJSON(v, &counts); err != nil {
			c.add(bucketRequests, k, "record does not decode: %v", err)
			return nil
		}
		for method, n := range counts {
			if method == "" || n < 0 {
				c.add(bucketRequests, k, "invalid count %d for method %q", n, method)
			}
		}
		return nil
	})
}
