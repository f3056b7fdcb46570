package sync

import (
	"fmt"
	"io"
	"slices"
	"strings"
	gosync "sync"
)

// Summary counts what one pass did. The engine fills it from several
// goroutines through its methods; read it after Run returns.
type Summary struct {
	mu gosync.Mutex

	// Found is the number of files seen in the folders, supported or not.
	Found int
	// Uploaded is the number of files whose bytes were sent and created.
	Uploaded int
	// UploadedBytes is the size of those files.
	UploadedBytes int64
	// Sent is the number of files whose bytes this pass sent, whether or
	// not their item was created. An interrupted pass can have sent more
	// than it uploaded, and the next pass creates the rest from the stored
	// upload tokens.
	Sent int
	// AlreadyPresent is the number of files whose content already had an
	// item, including unchanged files from earlier passes.
	AlreadyPresent int
	// Copies is the number of files whose content gets its item through
	// another file's upload in the same pass.
	Copies int
	// Renamed, Moved, Removed and Forgotten count store-only renames, moves
	// between albums, removals from albums and records of deleted files.
	Renamed, Moved, Removed, Forgotten int
	// AlbumsCreated is the number of albums created.
	AlbumsCreated int
	// Downloaded and DownloadedBytes count the remote items written into
	// the folders, and Trashed the files moved to a folder's trash because
	// their item left its album remotely.
	Downloaded      int
	DownloadedBytes int64
	Trashed         int
	// AlbumsRenamed describes each album renamed remotely. Its folder keeps
	// its name.
	AlbumsRenamed []string
	// Skipped lists files left alone, grouped by reason.
	Skipped map[string][]string
	// SkipDetails gives the cause, with the OS error, of each skipped file
	// that has one, by the path listed in Skipped.
	SkipDetails map[string]string
	// Failed lists files the API rejected for good, with the reason. They
	// are tried again when they change.
	Failed []FileProblem
	// Pending lists files that hit a transient problem this pass and are
	// tried again on the next one.
	Pending []FileProblem
	// Folders lists folders that stopped with an error or a pause.
	Folders []FileProblem
	// Stopped is the reason the pass stopped starting work early, such as
	// a spent daily quota or a revoked login. It is empty after a full pass.
	Stopped string
	// Plans holds each folder's plan, by folder root, for the dry run.
	Plans map[string]*Plan

	// remoteAlbums caches the app's albums for the pass, because the
	// Summary is the one value that every folder of a pass shares.
	remoteAlbums remoteAlbums
	// shared holds the content hashes that more than one folder of the
	// pass plans to upload. It is written before the folders run and only
	// read after.
	shared map[string]bool
}

// FileProblem is a file or folder with the reason it did not sync.
type FileProblem struct {
	Folder string
	Path   string
	Reason string
}

func newSummary() *Summary {
	return &Summary{Skipped: map[string][]string{}, Plans: map[string]*Plan{}}
}

func (s *Summary) add(fn func(s *Summary)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(s)
}

func (s *Summary) skip(folder, rel, reason string) {
	s.add(func(s *Summary) { s.Skipped[reason] = append(s.Skipped[reason], folder+"/"+rel) })
}

func (s *Summary) fail(folder, rel, reason string) {
	s.add(func(s *Summary) { s.Failed = append(s.Failed, FileProblem{folder, rel, reason}) })
}

func (s *Summary) pending(folder, rel, reason string) {
	s.add(func(s *Summary) { s.Pending = append(s.Pending, FileProblem{folder, rel, reason}) })
}

// stop records the first reason the pass stopped early and reports
// whether this call was the first.
func (s *Summary) stop(reason string) bool {
	first := false
	s.add(func(s *Summary) {
		if s.Stopped == "" {
			s.Stopped, first = reason, true
		}
	})
	return first
}

// stopped returns the reason the pass stopped, or "".
func (s *Summary) stopped() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Stopped
}

// HasFailures reports whether some file or folder did not sync. A file
// skipped for good, such as an unsupported or empty one, does not count,
// but a supported file left for the next run does (see Unsynced).
func (s *Summary) HasFailures() bool {
	return len(s.Failed) > 0 || len(s.Pending) > 0 || len(s.Folders) > 0 || s.Unsynced() > 0
}

// maxListed is how many paths the summary prints per reason before it
// prints only a count.
const maxListed = 10

// Write prints the summary for people: the counts, then skipped files by
// reason, then failures with their reasons.
func (s *Summary) Write(w io.Writer) {
	fmt.Fprintf(w, "found %d files: %d uploaded (%s), %d already present, %d skipped, %d failed, %d pending\n",
		s.Found, s.Uploaded, formatBytes(s.UploadedBytes), s.AlreadyPresent,
		s.skippedCount(), len(s.Failed), len(s.Pending))
	if n := s.Renamed + s.Moved + s.Removed + s.Forgotten + s.AlbumsCreated; n > 0 {
		fmt.Fprintf(w, "albums created %d, renamed %d, moved %d, removed from albums %d, deleted locally %d\n",
			s.AlbumsCreated, s.Renamed, s.Moved, s.Removed, s.Forgotten)
	}
	if n := s.Sent - s.Uploaded; n > 0 {
		fmt.Fprintf(w, "bytes sent for %d files whose item was not created in this pass; "+
			"their upload tokens are stored for the next run\n", n)
	}
	if s.Copies > 0 {
		fmt.Fprintf(w, "copies of files uploaded in this pass: %d\n", s.Copies)
	}
	s.writeRemote(w)
	reasons := make([]string, 0, len(s.Skipped))
	for r := range s.Skipped {
		reasons = append(reasons, r)
	}
	slices.Sort(reasons)
	for _, r := range reasons {
		paths := slices.Sorted(slices.Values(s.Skipped[r]))
		fmt.Fprintf(w, "skipped, %s: %d\n", r, len(paths))
		writeDetailedList(w, paths, s.SkipDetails)
	}
	writeProblems(w, "failed", s.Failed)
	writeProblems(w, "pending, retried next run", s.Pending)
	writeProblems(w, "folder not synced", s.Folders)
	if s.Stopped != "" {
		fmt.Fprintf(w, "stopped early: %s\n", s.Stopped)
	}
}

func (s *Summary) skippedCount() int {
	n := 0
	for _, paths := range s.Skipped {
		n += len(paths)
	}
	return n
}

func writeList(w io.Writer, paths []string) {
	for i, p := range paths {
		if i == maxListed {
			fmt.Fprintf(w, "  ... and %d more\n", len(paths)-maxListed)
			return
		}
		fmt.Fprintf(w, "  %s\n", p)
	}
}

func writeProblems(w io.Writer, title string, problems []FileProblem) {
	if len(problems) == 0 {
		return
	}
	fmt.Fprintf(w, "%s: %d\n", title, len(problems))
	for _, p := range problems {
		name := p.Folder
		if p.Path != "" {
			name += "/" + p.Path
		}
		fmt.Fprintf(w, "  %s: %s\n", name, strings.TrimSpace(p.Reason))
	}
}

func formatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
