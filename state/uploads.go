package state

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Pending uploads are keyed by a sequence number in the order they were
// first stored, and found by content hash through uploads_by_hash. In a
// first sync, the engine stores the tokens in the order it sends the bytes.
// It deletes them in about the same order once their items are recorded.
// Each commit therefore touches a few pages at the two ends of the bucket.
// Keyed by hash, every commit rewrote most of the bucket's pages.

// uploadSeqLen is the length of an uploads key: a big-endian uint64.
const uploadSeqLen = 8

// uploadSeqKey returns the uploads key of sequence number seq.
func uploadSeqKey(seq uint64) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, uploadSeqLen), seq)
}

// uploadHashKey returns the uploads_by_hash key of a lowercase hex SHA-256:
// its 32 raw bytes. The caller has validated sha.
func uploadHashKey(sha string) []byte {
	k, err := hex.DecodeString(sha)
	if err != nil {
		// validateSHA256 accepts only hex digits.
		panic(fmt.Sprintf("upload hash key of unvalidated SHA-256 %q: %v", sha, err))
	}
	return k
}

// uploadIndexKey returns uploadHashKey(sha) in the transaction's scratch
// key.
func (tx *Tx) uploadIndexKey(sha string) []byte {
	raw, ok := parseSHA256(sha)
	if !ok {
		panic(fmt.Sprintf("upload hash key of unvalidated SHA-256 %q", sha))
	}
	return append(tx.scratchKey(), raw[:]...)
}

// uploadBuckets returns the uploads bucket and its hash index.
func (tx *Tx) uploadBuckets() (records, index *bolt.Bucket, err error) {
	if records, err = tx.bucket(bucketUploads); err != nil {
		return nil, nil, err
	}
	if index, err = tx.bucket(bucketUploadHash); err != nil {
		return nil, nil, err
	}
	return records, index, nil
}

// uploadKey returns the uploads key of the pending upload of sha, or nil
// when there is none.
func (tx *Tx) uploadKey(index *bolt.Bucket, sha string) ([]byte, error) {
	key, err := tx.lookup(index, tx.uploadIndexKey(sha))
	if err != nil || key == nil {
		return nil, err
	}
	if len(key) != uploadSeqLen {
		return nil, tx.s.corrupt(fmt.Errorf("bucket %s: entry for %s has a %d-byte key, want %d",
			bucketUploadHash, sha, len(key), uploadSeqLen))
	}
	return key, nil
}

// getUpload reads the pending upload under key and checks that it has
// the hash sha.
func (tx *Tx) getUpload(records *bolt.Bucket, key []byte, sha string) (Upload, error) {
	v, err := tx.lookup(records, key)
	if err != nil {
		return Upload{}, err
	}
	if v == nil {
		return Upload{}, tx.s.corrupt(fmt.Errorf("bucket %s: index entry for %s points at missing upload %x",
			bucketUploadHash, sha, key))
	}
	u, err := decodeUpload(v)
	if err != nil {
		return Upload{}, tx.s.corrupt(fmt.Errorf("bucket %s key %x: %w", bucketUploads, key, err))
	}
	if u.SHA256 != sha {
		return Upload{}, tx.s.corrupt(fmt.Errorf("bucket %s: index entry for %s points at upload %x of %q",
			bucketUploadHash, sha, key, u.SHA256))
	}
	return u, nil
}

// GetUpload returns the pending upload of the content with the given
// SHA-256 and reports whether one exists.
func (tx *Tx) GetUpload(sha256 string) (Upload, bool, error) {
	if err := validateSHA256(sha256, false); err != nil {
		return Upload{}, false, fmt.Errorf("get upload: %w", err)
	}
	u, ok, err := tx.lookUpUpload(sha256)
	if err != nil {
		return Upload{}, false, fmt.Errorf("get upload %s: %w", sha256, err)
	}
	return u, ok, nil
}

func (tx *Tx) lookUpUpload(sha string) (Upload, bool, error) {
	records, index, err := tx.uploadBuckets()
	if err != nil {
		return Upload{}, false, err
	}
	key, err := tx.uploadKey(index, sha)
	if err != nil || key == nil {
		return Upload{}, false, err
	}
	u, err := tx.getUpload(records, key, sha)
	if err != nil {
		return Upload{}, false, err
	}
	return u, true, nil
}

// PutUpload creates or replaces the pending upload of u.SHA256. A new one
// takes the next sequence number, and a replaced one keeps its own.
func (tx *Tx) PutUpload(u Upload) error {
	if err := tx.writable("put upload"); err != nil {
		return err
	}
	if err := u.validate(); err != nil {
		return fmt.Errorf("put upload: %w", err)
	}
	if err := tx.putUpload(u); err != nil {
		return fmt.Errorf("put upload %s: %w", u.SHA256, err)
	}
	return nil
}

func (tx *Tx) putUpload(u Upload) error {
	records, index, err := tx.uploadBuckets()
	if err != nil {
		return err
	}
	key, err := tx.uploadKey(index, u.SHA256)
	if err != nil {
		return err
	}
	value := encodeUpload(u)
	return tx.protect(func() error {
		if key != nil {
			return records.Put(key, value)
		}
		return putNewUpload(records, index, tx.uploadIndexKey(u.SHA256), value)
	})
}

// putNewUpload stores value, an encoded pending upload, under the next
// sequence number of records and indexes it under hashKey, the upload's
// uploads_by_hash key.
func putNewUpload(records, index *bolt.Bucket, hashKey, value []byte) error {
	seq, err := records.NextSequence()
	if err != nil {
		return err
	}
	key := uploadSeqKey(seq)
	// Keys only grow, so full pages suit the bucket better than bbolt's
	// default split at half a page.
	records.FillPercent = uploadsFillPercent
	if err := records.Put(key, value); err != nil {
		return err
	}
	return index.Put(hashKey, key)
}

// uploadsFillPercent is the share of each page that bbolt fills when it
// splits the pages of the uploads bucket.
const uploadsFillPercent = 0.9

// DeleteUpload removes a pending upload. Deleting an unknown one is not an
// error.
func (tx *Tx) DeleteUpload(sha256 string) error {
	if err := tx.writable("delete upload"); err != nil {
		return err
	}
	if err := validateSHA256(sha256, false); err != nil {
		return fmt.Errorf("delete upload: %w", err)
	}
	if err := tx.deleteUpload(sha256); err != nil {
		return fmt.Errorf("delete upload %s: %w", sha256, err)
	}
	return nil
}

func (tx *Tx) deleteUpload(sha string) error {
	records, index, err := tx.uploadBuckets()
	if err != nil {
		return err
	}
	hashKey := tx.uploadIndexKey(sha)
	return tx.protect(func() error {
		// The index cursor stays on the entry, so deleting through it
		// saves a second search of the index.
		c := tx.cursor(index)
		k, key := c.Seek(hashKey)
		if !bytes.Equal(k, hashKey) || key == nil {
			return nil
		}
		if len(key) != uploadSeqLen {
			return tx.s.corrupt(fmt.Errorf("bucket %s: entry for %s has a %d-byte key, want %d",
				bucketUploadHash, sha, len(key), uploadSeqLen))
		}
		if err := records.Delete(key); err != nil {
			return err
		}
		return c.Delete()
	})
}

// ForEachUpload calls fn for each pending upload in hash order. It stops at
// and returns the first error from fn.
func (tx *Tx) ForEachUpload(fn func(Upload) error) error {
	records, index, err := tx.uploadBuckets()
	if err != nil {
		return err
	}
	return tx.cursorWalk(index, nil, func(k, key []byte) error {
		sha := hex.EncodeToString(k)
		if len(k) != sha256HexLen/2 || len(key) != uploadSeqLen {
			return tx.s.corrupt(fmt.Errorf("bucket %s: malformed entry %x -> %x", bucketUploadHash, k, key))
		}
		u, err := tx.getUpload(records, key, sha)
		if err != nil {
			return err
		}
		return fn(u)
	})
}
