package scan

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/photosync/photosync/internal/media"
)

// hashWorker examines queued files until the walk closes the queue. Each
// worker owns one read buffer. It returns only the context's error.
func (s *scanner) hashWorker(ctx context.Context) error {
	buf := make([]byte, hashBufferSize)
	for job := range s.jobs {
		if err := s.examine(ctx, job, buf); err != nil {
			return err
		}
	}
	return nil
}

// examine sniffs, size-checks and hashes one new or changed file, and
// records an Entry or a Skip. It returns an error only when ctx ends.
func (s *scanner) examine(ctx context.Context, job hashJob, buf []byte) error {
	f, err := openRegular(job.abs)
	if err != nil {
		s.openFailed(job.rel, err)
		return nil
	}
	defer f.Close()

	opened, err := f.Stat()
	if err != nil {
		s.skip(Skip{Path: job.rel, Kind: Unreadable, Reason: "file status cannot be read", Err: err})
		return nil
	}
	if changed := describeChange(job.info, opened); changed != "" {
		s.skip(Skip{Path: job.rel, Kind: Unsettled, Reason: changed + " between listing and opening"})
		return nil
	}

	head := buf[:min(media.SniffLen, len(buf))]
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		s.skip(Skip{Path: job.rel, Kind: Unreadable, Reason: "file cannot be read", Err: err})
		return nil
	}
	head = head[:n]
	format := media.Detect(head)
	if !format.Supported() {
		s.skip(Skip{Path: job.rel, Kind: Unsupported, Reason: describeUnsupported(format)})
		return nil
	}
	if err := media.CheckSize(format, opened.Size()); err != nil {
		s.skip(Skip{Path: job.rel, Kind: TooLarge, Reason: "over the size limit", Err: err})
		return nil
	}

	h := sha256.New()
	h.Write(head)
	rest, err := copyHash(ctx, h, f, buf)
	read := int64(n) + rest
	s.countHashed(read)
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	if err != nil {
		s.skip(Skip{Path: job.rel, Kind: Unreadable, Reason: "file cannot be read", Err: err})
		return nil
	}
	if s.afterRead != nil {
		s.afterRead(job.rel)
	}

	if changed := s.changedWhileReading(job, f, read); changed != "" {
		s.skip(Skip{Path: job.rel, Kind: Unsettled, Reason: changed + " while it was read"})
		return nil
	}
	s.addEntry(Entry{
		Path:    job.rel,
		Size:    opened.Size(),
		ModTime: opened.ModTime(),
		SHA256:  hex.EncodeToString(h.Sum(nil)),
		Format:  format,
		Hashed:  true,
	})
	return nil
}

// changedWhileReading compares the open file and the path, after reading,
// with what the walk saw. It returns a description of the change, or "" when
// the bytes read are the file the walk listed.
func (s *scanner) changedWhileReading(job hashJob, f *os.File, read int64) string {
	after, err := f.Stat()
	if err != nil {
		return "file status became unreadable"
	}
	if changed := describeChange(job.info, after); changed != "" {
		return changed
	}
	if read != after.Size() {
		return fmt.Sprintf("read %d bytes of %d", read, after.Size())
	}
	// The open file is unchanged, but the path may name another file now
	// (a program that saves by writing a new file and renaming it over the
	// old one).
	atPath, err := s.statPath(job.abs)
	if err != nil {
		return "file was removed or renamed"
	}
	return describeChange(job.info, atPath)
}

func (s *scanner) statPath(abs string) (fs.FileInfo, error) {
	if s.opts.FollowSymlinks {
		return os.Stat(abs)
	}
	return os.Lstat(abs)
}

// describeChange returns how now differs from before in identity, type,
// size or modification time, or "" when it does not.
func describeChange(before, now fs.FileInfo) string {
	switch {
	case !os.SameFile(before, now):
		return "file was replaced"
	case !now.Mode().IsRegular():
		return "file was replaced by a " + typeName(now.Mode())
	case before.Size() != now.Size():
		return fmt.Sprintf("size changed from %d to %d bytes", before.Size(), now.Size())
	case !before.ModTime().Equal(now.ModTime()):
		return fmt.Sprintf("modification time changed from %s to %s",
			before.ModTime().Format(time.RFC3339Nano), now.ModTime().Format(time.RFC3339Nano))
	}
	return ""
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

func (s *scanner) countHashed(n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.res.HashedFiles++
	s.res.HashedBytes += n
}
