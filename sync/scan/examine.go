package scan

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"syscall"

	"github.com/photosync/photosync/internal/media"
)

// wholeReadMax is the largest file that examine reads with one request
// before sniffing it, so that a small photo costs a single read(2) call.
// A larger file is sniffed from its first media.SniffLen bytes before the
// rest is read: an unsupported file gets no entry, so every scan examines
// it again, and for a large one that costs one small read.
const wholeReadMax = 64 << 10

// examiner is the state of one hash worker: a read buffer and a SHA-256
// state that it reuses for every file, and what it found so far, which the
// scan collects when the worker ends.
type examiner struct {
	buf  []byte
	hash hash.Hash
	// sum receives hash's digest without an allocation per file.
	sum     []byte
	entries entryList
	files   int
	bytes   int64
}

// hashWorker examines queued files until the walk closes the queue, then
// adds what it found to the result. It returns only the context's error.
func (s *scanner) hashWorker(ctx context.Context) error {
	w := &examiner{buf: make([]byte, hashBufferSize), hash: sha256.New(), sum: make([]byte, 0, sha256.Size)}
	defer s.collect(w)
	for job := range s.jobs {
		if err := s.examine(ctx, job, w); err != nil {
			return err
		}
	}
	return nil
}

// examine sniffs, size-checks and hashes one new or changed file, and
// records an Entry or a Skip. It returns an error only when ctx ends.
//
// On Linux a new photo of at most wholeReadMax bytes costs five system
// calls in all, because the walk reads no status for it: open, fstat, one
// read, the Lstat (or Stat) of the path after reading, and close.
func (s *scanner) examine(ctx context.Context, job hashJob, w *examiner) error {
	f, opened, err := openRegular(job.abs, s.opts.FollowSymlinks)
	if err != nil {
		s.openFailed(job.rel, err)
		return nil
	}
	defer f.Close()
	if !job.listed {
		if s.heldBack(job.rel, opened) {
			return nil
		}
		job.info = opened
	}
	if changed := describeChange(job.info, opened); changed != "" {
		s.skip(Skip{Path: job.rel, Kind: Unsettled, Reason: changed + " between listing and opening"})
		return nil
	}

	first := w.buf[:min(media.SniffLen, len(w.buf))]
	if opened.size <= wholeReadMax {
		first = w.buf[:opened.size]
	}
	n, err := readFull(f, first)
	if err != nil {
		s.skip(Skip{Path: job.rel, Kind: Unreadable, Reason: "file cannot be read", Err: err})
		return nil
	}
	format := media.Detect(first[:min(n, media.SniffLen)])
	if !format.Supported() {
		s.skip(Skip{Path: job.rel, Kind: Unsupported, Reason: describeUnsupported(format)})
		return nil
	}
	if err := media.CheckSize(format, opened.size); err != nil {
		s.skip(Skip{Path: job.rel, Kind: TooLarge, Reason: "over the size limit", Err: err})
		return nil
	}

	var sum [sha256.Size]byte
	read := int64(n)
	if n == len(first) && read < opened.size {
		// Only the head is read: hash it and read the rest to the end.
		w.hash.Reset()
		w.hash.Write(first)
		rest, err := copyHash(ctx, w.hash, f, w.buf)
		read += rest
		if err != nil && ctx.Err() == nil {
			w.counted(read)
			s.skip(Skip{Path: job.rel, Kind: Unreadable, Reason: "file cannot be read", Err: err})
			return nil
		}
		copy(sum[:], w.hash.Sum(w.sum[:0]))
	} else {
		sum = sha256.Sum256(first[:n])
	}
	w.counted(read)
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.afterRead != nil {
		s.afterRead(job.rel)
	}

	if changed := s.changedWhileReading(job, read); changed != "" {
		s.skip(Skip{Path: job.rel, Kind: Unsettled, Reason: changed + " while it was read"})
		return nil
	}
	var digest [2 * sha256.Size]byte
	hex.Encode(digest[:], sum[:])
	w.entries.add(Entry{
		Path:    job.rel,
		Size:    opened.size,
		ModTime: opened.mtime,
		SHA256:  string(digest[:]),
		Format:  format,
		Hashed:  true,
	})
	return nil
}

// readFull reads into p until p is full or the file ends, and returns the
// number of bytes read. Unlike io.ReadFull it takes the concrete file, so
// the call allocates nothing, and a short file is no error.
func readFull(f regularFile, p []byte) (int, error) {
	n := 0
	for n < len(p) {
		k, err := f.Read(p[n:])
		n += k
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func (w *examiner) counted(read int64) {
	w.files++
	w.bytes += read
}

// changedWhileReading compares the path, after reading, with job.info, and
// returns a description of the change, or "" when the bytes read are that
// file. The open file was that same file when examine opened it, so a path
// that still names it with the same size and modification time shows that
// the file did not change during the read. A path that names another file
// now is a change too: a program that saves by writing a new file and
// renaming it over the old one.
func (s *scanner) changedWhileReading(job hashJob, read int64) string {
	atPath, err := s.statPath(job.abs)
	if err != nil {
		return "file was removed or renamed"
	}
	if changed := describeChange(job.info, atPath); changed != "" {
		return changed
	}
	if read != atPath.size {
		return fmt.Sprintf("read %d bytes of %d", read, atPath.size)
	}
	return ""
}

func (s *scanner) statPath(abs string) (fileState, error) {
	if s.opts.FollowSymlinks {
		return statFile(abs)
	}
	return lstatFile(abs)
}

// openFailed handles an open error. A file that vanished since the listing
// is left out, and one replaced by a directory or FIFO is Unsettled so that
// the next scan looks again. Any other failure is an Unreadable skip.
func (s *scanner) openFailed(rel string, err error) {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		s.vanished(rel, err)
	case errors.Is(err, errNotRegular):
		s.skip(Skip{Path: rel, Kind: Unsettled, Reason: "file was replaced by a non-regular file during the scan", Err: err})
	case errors.Is(err, syscall.ELOOP):
		// Only a path that the walk did not follow is opened with
		// O_NOFOLLOW, so a link took the place of the file.
		s.skip(Skip{Path: rel, Kind: Unsettled, Reason: "file was replaced by a symbolic link during the scan", Err: err})
	default:
		s.skip(Skip{Path: rel, Kind: Unreadable, Reason: "file cannot be opened", Err: err})
	}
}

func describeUnsupported(format media.Format) string {
	reason := "content is not a supported photo or video"
	if format.MIME != "" {
		reason = fmt.Sprintf("content is %s, not a supported photo or video", format.MIME)
	}
	if format.Reason != "" {
		reason += ": " + format.Reason
	}
	return reason
}

// collect hands a hash worker's entries and counts to the result.
// sortResult merges the entries.
func (s *scanner) collect(w *examiner) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.examiners = append(s.examiners, w)
	s.res.HashedFiles += w.files
	s.res.HashedBytes += w.bytes
}
