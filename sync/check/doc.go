// Package check compares the state store with the synced folders and with
// the remote library, and repairs what can be rebuilt safely from both
// sides. It backs `photosync state check [--repair]`.
//
// # What is compared
//
//   - The store file itself, through state.Store.Check.
//   - Each folder's root and marker. A folder whose root or marker is
//     missing (an unmounted disk looks the same) is reported and left out
//     of every other comparison and of every repair.
//   - Every file record against the file on disk: a synced record whose
//     file is gone, or whose size or modification time differ, is
//     reported. Every supported file on disk without a record is reported.
//   - Every media item id in the store against mediaItems.batchGet, in
//     batches of 50, and every album id against albums.list. Since March
//     2025 both return only what this OAuth client created, so an id they
//     do not return is either gone or was created by another client.
//
// # Repairs
//
// A repair never deletes a local file and never removes a remote item; it
// changes only records, so that the next sync redoes the work:
//
//   - A media item the server no longer returns: its record is dropped and
//     the files that pointed at it become pending, so they upload again.
//     The server deduplicates identical bytes, so if the item does exist
//     under another client, the upload returns it. That item stays
//     invisible to this client, so a later check reports the id again,
//     and --repair then leaves it, because it noted the ids it dropped.
//   - An album the server no longer returns: its record is detached from
//     its directory and its files become pending with no album. The next
//     sync then creates the album again and adds the items to it without
//     sending bytes again. Detached album records are not compared.
//   - A record of a file that is gone and was never synced: the record is
//     dropped. A synced file that is gone is left for the next sync,
//     which applies the folder's remote_delete rule to it.
//
// Repairs start only after every comparison has finished, so a server
// error part way through leaves the store unchanged. An id that one
// batchGet response leaves out is looked up once more before it counts as
// missing.
//
// Store damage, changed files and files not yet synced are reported but
// not repaired: the first needs the user, the others are the next sync's
// ordinary work. A missing media item that files of a missing folder
// refer to, and a missing album of a missing folder, are reported but
// not repaired either, so that the folder's records stay whole until its
// disk returns.
package check
