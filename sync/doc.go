// Package sync keeps synced folders and their Google Photos albums in step.
// It covers the upload direction: local files become media items, each
// sub-folder an album.
//
// A pass runs in three steps. The scan (package sync/scan) lists the settled
// files of a folder with their SHA-256. [Reconcile] compares that list with the
// store's records and returns a [Plan]: one [Op] per change, with no I/O. The
// executor then runs the plan: byte uploads on a pool of workers, and media
// item creation and album writes in one serial lane, as Google's best
// practices require of clients that write to one account.
//
// # Exactly once
//
// The store's pending upload of a content hash is its journal:
//
//   - Before the first byte goes out, the upload is written in StageSending.
//     A resumable upload adds its session URL as soon as the server returns
//     it, before any file byte.
//   - When the server returns the upload token, it is written with its
//     creation time in StageUploaded.
//   - Before batchCreate, the whole batch moves to StageCreating. One
//     transaction after the call records each new item and its file and
//     deletes the pending upload.
//
// A pass started after a kill reuses a token younger than 23 hours and
// creates its item again. The server returns the existing item for bytes it
// already holds, so a creation that succeeded before the kill is not
// duplicated. An older token is dropped and the bytes are sent again, and a
// stored session is queried and resumed where the server stopped. Album
// creation is journaled in the store's settings before the request, and a
// leftover entry makes the next pass look the album up by title before it
// creates one. Removals from albums that follow a move or a content change
// are journaled per folder before any record changes, so a kill cannot
// lose them.
//
// This package has the same name as the standard library's. Its files
// import the standard one as gosync, and callers import this one as
// photosync.
package sync
