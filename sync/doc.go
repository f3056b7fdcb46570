// Package sync keeps a synced folder and its Google Photos albums in step.
//
// A pass runs in three steps. The scan (package sync/scan) lists the settled
// files of a folder with their SHA-256. [Reconcile] compares that list with the
// store's records and returns a [Plan]: one [Op] per change, with no I/O. The
// executor then runs the plan: byte uploads on a pool of workers, and media
// item creation and album writes in one serial lane, as Google's best
// practices require of clients that write to one account.
//
// Every step that talks to the API is journaled in the store before and after
// the call, so a process killed at any instant and started again creates no
// duplicate item and sends again only bytes that no saved state could have
// saved: see [Syncer] for the journal's stages.
//
// This package has the same name as the standard library's; its files import
// the standard one as gosync, and callers import this one as photosync.
package sync
