// Package sync keeps synced folders and their Google Photos albums in step.
// In the upload direction local files become media items, each sub-folder
// an album. In the download direction, for two-way and download-only
// folders, what another install with the same OAuth client added comes
// down: see "Download direction" below.
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
//   - A resumable upload is written in StageSending before the first byte
//     goes out, and adds its session URL as soon as the server returns it,
//     before any file byte. A raw upload is not written first: a kill
//     during it loses the bytes with or without a record, so the next pass
//     sends them again either way.
//   - When the server returns the upload token, the worker hands it to
//     the journal and goes on. The journal writes the tokens of all
//     workers in StageUploaded with their creation times, one commit per
//     group at least every 100 ms, and only then passes them to the
//     creation lane. A kill loses the tokens of about that long of
//     uploads, so the next pass sends those bytes again.
//   - After batchCreate, the lane records each new item and its file and
//     deletes the pending upload, in group commits that run in the
//     background, at least once a second.
//
// A pass started after a kill reuses a token younger than 23 hours and
// creates its item again. The server returns the existing item for bytes it
// already holds, so a creation that succeeded before the kill is not
// duplicated. An older token is dropped and the bytes are sent again, and a
// stored session is queried and resumed where the server stopped. Album
// creation is journaled in the store's settings before the request, and a
// leftover entry makes the next pass look the album up by title before it
// creates one. When no album of that title exists yet, the pass creates
// none until the old request can no longer be in flight (the client's
// request timeout plus a margin), and leaves that directory's files
// pending until then. Removals from albums that follow a move or a content change
// are journaled per folder before any record changes, so a kill cannot
// lose them.
//
// # Download direction
//
// [Syncer.Run] polls after the upload direction, and [Syncer.Poll] polls
// alone. A poll lists the app's albums, and the items only of albums whose
// item count or cover changed since the store's record. For items outside
// albums it reads the first page of the library, newest first. A full
// listing runs every FullPollInterval. New albums and their items get
// local names as "Names" below describes.
//
// A download goes to a temporary file whose name is journaled in the store
// first. The file is fsynced, its record (Origin downloaded, with the hash
// of the downloaded bytes) is written, and only then is it placed under its
// final name by a rename or hard link that never replaces a file. The scan
// therefore finds the file known and never uploads it back. FAT and exFAT
// have neither primitive, so there a plain rename follows a check that the
// name is free. A pass starts by removing temporary files a crash left and
// the records of final names that never appeared. A file whose item left
// its album remotely moves to .photosync/trash/<date>/, unless the folder's
// delete threshold pauses the removals until the user confirms them. A
// folder with no records but with local files, as after a lost state
// directory, is first adopted: local files whose bytes equal a download of
// the item at their name are recorded as that item.
//
// # Names
//
// A new album gets the directory its title's "/"-separated parts map to,
// each part made a safe name by [SafeName]; a renamed album keeps its
// directory. An album whose title is the root_album of a downloading folder
// maps to that folder's root. Names are compared in the form [NameKey]
// returns, so two names that one case-insensitive file system would merge
// never share a directory: the later item gets a suffix derived from its id
// ([WithSuffix]).
//
// Before it creates an album, the upload direction reuses an app album of
// that title that the store does not know yet. Two installs that create an
// album of one title before either has listed the other's still end up with
// two albums of that title, because the API does not make titles unique.
// Each install keeps its own album in the plain directory and gets the
// other's in the directory with that album's suffix, such as
// "Trips~3f9a2c". An install that has neither album yet gives the plain
// directory to the album with the smaller id. A directory, once given, is
// stored, so later polls never swap the two. Merging the albums is left to
// the user.
//
// This package has the same name as the standard library's. Its files
// import the standard one as gosync, and callers import this one as
// photosync.
package sync
