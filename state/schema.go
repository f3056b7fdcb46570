package state

import (
	"encoding/binary"
	"fmt"
	"strconv"

	bolt "go.etcd.io/bbolt"
)

// SchemaVersion is the version of the bucket layout that the package
// documentation describes. Open migrates older files to it, step by step.
const SchemaVersion = 4

// Top-level buckets. The package documentation describes keys and values.
var (
	bucketMeta       = []byte("meta")
	bucketSettings   = []byte("settings")
	bucketFolders    = []byte("folders")
	bucketFiles      = []byte("files")
	bucketFileHash   = []byte("files_by_hash")
	bucketMedia      = []byte("media_items")
	bucketMediaHash  = []byte("media_by_hash")
	bucketAlbums     = []byte("albums")
	bucketAlbumDir   = []byte("albums_by_dir")
	bucketUploads    = []byte("uploads")
	bucketUploadHash = []byte("uploads_by_hash")
	bucketTombstones = []byte("tombstones")
	bucketRequests   = []byte("requests")
)

// allBuckets lists the top-level buckets of the current schema.
var allBuckets = [][]byte{
	bucketMeta, bucketSettings, bucketFolders, bucketFiles, bucketFileHash,
	bucketMedia, bucketMediaHash, bucketAlbums, bucketAlbumDir, bucketUploads,
	bucketUploadHash, bucketTombstones, bucketRequests,
}

// keySchemaVersion in the meta bucket holds the schema version in decimal.
var keySchemaVersion = []byte("schema_version")

// sep separates the parts of composite keys. Folder IDs, relative paths and
// directories never contain a NUL byte, so a composite key splits back
// without ambiguity, and keys sharing a prefix sort together.
const sep = 0

// sepString is sep as a string.
const sepString = "\x00"

// filesFillPercent is how full bbolt fills the pages of a folder's files
// bucket when it splits them. In BenchmarkPutFile it shrinks the file from
// about 850 to about 680 bytes per file, compared to bbolt's default of 0.5.
const filesFillPercent = 0.9

// sha256HexLen is the length of a hex SHA-256, the fixed-width prefix of the
// hash index keys.
const sha256HexLen = 64

// fileHashKey returns the files_by_hash key of a file: hash, folder, NUL,
// path.
func fileHashKey(sha, folder, path string) []byte {
	k := make([]byte, 0, len(sha)+len(folder)+1+len(path))
	k = append(k, sha...)
	k = append(k, folder...)
	k = append(k, sep)
	return append(k, path...)
}

// splitFileHashKey splits a files_by_hash key into hash, folder and path.
func splitFileHashKey(k []byte) (sha, folder, path string, ok bool) {
	if len(k) < sha256HexLen+2 {
		return "", "", "", false
	}
	rest := k[sha256HexLen:]
	for i, b := range rest {
		if b == sep {
			return string(k[:sha256HexLen]), string(rest[:i]), string(rest[i+1:]), true
		}
	}
	return "", "", "", false
}

// mediaHashKey returns the media_by_hash key of a media item: hash, then ID.
func mediaHashKey(sha, id string) []byte {
	return append([]byte(sha), id...)
}

// albumDirKey returns the albums_by_dir key: folder, NUL, dir, NUL, and the
// overflow number as 4 big-endian bytes so that overflows sort in order.
func albumDirKey(folder, dir string, overflow int) []byte {
	k := make([]byte, 0, len(folder)+len(dir)+6)
	k = append(k, folder...)
	k = append(k, sep)
	k = append(k, dir...)
	k = append(k, sep)
	return binary.BigEndian.AppendUint32(k, uint32(overflow))
}

// migration turns a file of schema version From into version From+1. It runs
// inside the write transaction of Open, together with all other steps, so a
// crash leaves the file at its old version.
type migration struct {
	From int
	Name string
	Run  func(tx *bolt.Tx) error
}

// migrations holds one step per version, in order. Append a step and raise
// SchemaVersion together.
var migrations = []migration{
	{From: 1, Name: "add the content hash indexes", Run: migrateAddHashIndexes},
	{From: 2, Name: "allow binary file records and media items", Run: migrateToBinaryRecords},
	{From: 3, Name: "key pending uploads by sequence number", Run: migrateUploadsToSequence},
}

// migrateAddHashIndexes builds files_by_hash and media_by_hash, which version
// 1 did not have, from the file and media item records.
func migrateAddHashIndexes(tx *bolt.Tx) error {
	fileIndex, err := tx.CreateBucketIfNotExists(bucketFileHash)
	if err != nil {
		return err
	}
	mediaIndex, err := tx.CreateBucketIfNotExists(bucketMediaHash)
	if err != nil {
		return err
	}

	files := tx.Bucket(bucketFiles)
	if files != nil {
		err = files.ForEachBucket(func(folder []byte) error {
			return files.Bucket(folder).ForEach(func(path, v []byte) error {
				f, err := decodeFile(nil, folder, path, v)
				if err != nil {
					return fmt.Errorf("file %s in %s: %w", path, folder, err)
				}
				if f.SHA256 == "" {
					return nil
				}
				return fileIndex.Put(fileHashKey(f.SHA256, f.Folder, f.Path), nil)
			})
		})
		if err != nil {
			return err
		}
	}

	media := tx.Bucket(bucketMedia)
	if media == nil {
		return nil
	}
	return media.ForEach(func(k, v []byte) error {
		var m MediaItem
		if err := decodeJSON(v, &m); err != nil {
			return fmt.Errorf("media item %s: %w", k, err)
		}
		if m.SHA256 == "" {
			return nil
		}
		return mediaIndex.Put(mediaHashKey(m.SHA256, m.ID), nil)
	})
}

// migrateToBinaryRecords marks a store as one that may hold file records of
// format formatFileV2 and media items of format formatMediaV2, which
// photosync versions that read schema version 2 cannot decode. It rewrites
// no record: the decoders read the old formats too, and a record takes the
// new format when it is next written. Rewriting every record here would run
// in the one transaction of Open, where bbolt cannot reuse the pages it
// frees. On a store of 100,000 photos that took 437 MB of memory and grew
// the file from 151 to 257 MB.
func migrateToBinaryRecords(*bolt.Tx) error { return nil }

// migrateUploadsToSequence moves the pending uploads from keys of their hex
// SHA-256 to sequence numbers, in hash order, with the index
// uploads_by_hash, and writes them in the binary format. A store holds few
// pending uploads, so this is quick.
func migrateUploadsToSequence(tx *bolt.Tx) error {
	var uploads []Upload
	if old := tx.Bucket(bucketUploads); old != nil {
		err := old.ForEach(func(k, v []byte) error {
			u, err := decodeUpload(v)
			if err == nil {
				err = u.validate()
			}
			if err != nil {
				return fmt.Errorf("upload %s: %w", k, err)
			}
			uploads = append(uploads, u)
			return nil
		})
		if err != nil {
			return err
		}
		if err := tx.DeleteBucket(bucketUploads); err != nil {
			return err
		}
	}
	records, err := tx.CreateBucket(bucketUploads)
	if err != nil {
		return err
	}
	index, err := tx.CreateBucketIfNotExists(bucketUploadHash)
	if err != nil {
		return err
	}
	for _, u := range uploads {
		if index.Get(uploadHashKey(u.SHA256)) != nil {
			return fmt.Errorf("two uploads have SHA-256 %s", u.SHA256)
		}
		if err := putNewUpload(records, index, uploadHashKey(u.SHA256), encodeUpload(u)); err != nil {
			return err
		}
	}
	return nil
}

// readSchemaVersion returns the schema version stored in the file, or 0 when
// the file has no meta bucket.
func readSchemaVersion(tx *bolt.Tx) (int, error) {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		return 0, nil
	}
	v := meta.Get(keySchemaVersion)
	if v == nil {
		return 0, fmt.Errorf("meta bucket has no %s key", keySchemaVersion)
	}
	n, err := strconv.Atoi(string(v))
	if err != nil || n < 1 {
		return 0, fmt.Errorf("schema version %q is not a positive number", v)
	}
	return n, nil
}

func writeSchemaVersion(tx *bolt.Tx, version int) error {
	meta, err := tx.CreateBucketIfNotExists(bucketMeta)
	if err != nil {
		return err
	}
	return meta.Put(keySchemaVersion, []byte(strconv.Itoa(version)))
}
