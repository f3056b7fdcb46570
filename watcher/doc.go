// Package watcher reports changes under synced folders, using inotify
// through github.com/fsnotify/fsnotify.
//
// A [Watcher] keeps one watch per directory of each root. It follows
// directories that are created, moved in, removed and moved out while it
// runs, and lists a new directory right after watching it, because files can
// land in it before its watch exists. Hidden directories, among them the
// .photosync metadata directory, are not watched, and the daemon's partial
// downloads (.photosync-tmp-*) are never reported.
//
// Events are aggregated per path. A path is reported once no event has
// touched it for Options.Delay, or Options.MaxDelay after its first
// unreported event if it keeps changing. Removals wait
// Options.RemoveDelayFactor times longer, and are flushed early together
// with any change that came after them, so that both names of a rename
// arrive in one [Batch]. Nothing is dropped: when inotify overflows, or when
// more than Options.MaxPending paths pile up in one directory or root, the
// paths collapse into a rescan of that directory or root.
//
// When the system runs out of inotify watches, the root concerned stops
// being watched. If that happens in [Watcher.Add], Add returns a
// [*WatchLimitError]. If it happens for a directory that appears later, the
// root gets a rescan batch. In both cases [Watcher.Status] reports the root
// as not watching, with the error that names the sysctl to raise, and the
// daemon scans that root periodically.
//
// The daemon registers the paths it is about to write with [Watcher.Ignore],
// so that its own downloads, renames and moves to the trash are not
// reported back to it.
//
// The package imports neither the state store nor the sync engine.
//
// NOTE: the tests run on Linux only, against inotify. On macOS and the BSDs
// fsnotify uses kqueue, which opens a file descriptor for every watched file
// (fsnotify v1.10.1 README), so a large folder runs into the open-file limit
// there rather than into the inotify watch limit handled here.
package watcher
