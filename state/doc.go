// Package state is photosync's persistent store. It records the
// local folders and files, the remote media items and albums, pending
// uploads, deleted files, and the API requests made each quota day. It is one
// bbolt file, state.db in the state directory.
//
// # Processes and transactions
//
// Only one process opens a store at a time. Open takes an exclusive flock on
// a lock file next to the state file (state.lock beside state.db) and writes
// its PID there, so a second process gets a *LockedError naming the holder.
// Read-only openers take the same lock.
//
// Within the process, Store.View and Store.Update run read and write
// transactions. Several writes inside one Update commit together or not at
// all, which is what the exactly-once protocol of the sync engine builds on:
// record what is about to happen, do it outside the transaction, record the
// result. Never do network I/O inside a transaction, because the one write
// transaction blocks every other writer and a long read transaction makes the
// file grow. The Store methods named like the Tx methods each run one
// transaction of their own.
//
// # Damage and versions
//
// Open never recreates a file. A file that is damaged or is not a state file
// gives a *CorruptError that names the next step. Open detects damage from bbolt's
// errors, from a file shorter than its pages, from panics inside bbolt, and
// from missing buckets; Store.Check reads the whole file. A file of an older
// schema is migrated inside one transaction at Open. A file of a newer schema
// gives an error wrapping ErrNewerSchema.
//
// # Layout (schema version 4)
//
// Keys are bytes; "+" is concatenation and NUL is a zero byte, which no
// folder ID, path or directory contains. Every value starts with a format
// byte. File records (format 2), media items (format 2) and pending uploads
// (format 2) use the compact binary encodings described at encodeFile,
// encodeMediaItem and encodeUpload in codec.go, with the SHA-256 as 32 raw
// bytes. The other records are JSON of the exported structs (format 1). The
// older formats, format 1 with the SHA-256 in hex for files and JSON for
// media items and uploads, are still read, and a record takes the new
// format when it is next written.
//
//	meta             "schema_version" -> decimal version
//	settings         key -> value (GetMeta, PutMeta, DeleteMeta)
//	folders          folder ID -> Folder
//	files            folder ID -> bucket: relative path -> File, without
//	                 the folder and path, which are the keys
//	files_by_hash    SHA-256 hex + folder ID + NUL + path -> empty
//	media_items      media item ID -> MediaItem
//	media_by_hash    SHA-256 hex + media item ID -> empty
//	albums           album ID -> Album
//	albums_by_dir    folder ID + NUL + dir + NUL + overflow (uint32, big
//	                 endian) -> album ID
//	uploads          sequence number (uint64, big endian) -> Upload
//	uploads_by_hash  SHA-256 (32 raw bytes) -> sequence number in uploads
//	tombstones       media item ID -> Tombstone
//	requests         quota day ("2006-01-02", Pacific time) -> JSON object
//	                 of counts by API method
//
// Hashes in the keys of files_by_hash and media_by_hash are 64 lowercase
// hex digits, so those indexes find all entries of one hash with a prefix
// scan. A new pending upload takes the next sequence number of the uploads
// bucket (bbolt's NextSequence), so the bucket holds uploads in the order
// they were first stored. The Put and Delete methods keep the index
// buckets in step with the records in the same transaction.
//
// Schema version 1 is the same layout without files_by_hash and
// media_by_hash, and the migration to version 2 builds them from the
// records. The migration to version 3 changes no record: it marks the file
// as one that may hold the binary formats, which versions that read only
// version 2 cannot decode. Versions 1 to 3 key uploads by SHA-256 hex with
// JSON values, and the migration to version 4 moves them to sequence
// numbers and builds uploads_by_hash.
//
// # Quota days
//
// The API's daily quota resets at midnight in America/Los_Angeles. QuotaDay
// returns the day key for an instant and NextQuotaReset the next reset.
package state
