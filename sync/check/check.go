package check

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/rs/zerolog"

	"github.com/photosync/photosync/config"
	"github.com/photosync/photosync/state"
	photosync "github.com/photosync/photosync/sync"
)

// Remote is the part of the Library API that the check reads. The Remote
// that sync.NewRemote returns implements it.
type Remote interface {
	// GetItems returns up to sync.MaxBatch items by id. An id the server
	// does not return is left out of the result.
	GetItems(ctx context.Context, ids []string) ([]photosync.RemoteItem, error)
	// Albums lists the albums this client created.
	Albums(ctx context.Context) iter.Seq2[photosync.RemoteAlbum, error]
}

// Options configures Run.
type Options struct {
	// Store is the state store, opened for writing when Repair is set.
	Store *state.Store
	// Folders are the synced folders of the config.
	Folders []config.Folder
	// Remote reads the library. Nil skips the remote comparison, and
	// Report.RemoteChecked is then false.
	Remote Remote
	// Repair makes Run change the records of the problems it can repair;
	// the package documentation lists them.
	Repair bool
	// Logger receives debug events of the folder scans.
	Logger zerolog.Logger
}

// Kind names one sort of disagreement.
type Kind string

// Kinds of findings.
const (
	// KindStore is damage inside the state file found by Store.Check.
	KindStore Kind = "store"
	// KindFolderMissing is a folder whose root or marker is missing.
	KindFolderMissing Kind = "folder-missing"
	// KindFileGone is a file record without a file on disk.
	KindFileGone Kind = "file-gone"
	// KindFileChanged is a synced record whose file has another size or
	// modification time.
	KindFileChanged Kind = "file-changed"
	// KindFileUnrecorded is a supported file on disk without a record.
	KindFileUnrecorded Kind = "file-unrecorded"
	// KindItemMissing is a media item id the server does not return.
	KindItemMissing Kind = "item-missing"
	// KindAlbumMissing is an album id that albums.list does not return.
	KindAlbumMissing Kind = "album-missing"
)

// Finding is one disagreement between the store and a folder or the
// remote library.
type Finding struct {
	Kind Kind
	// Folder and Path locate a file finding; Folder alone a folder
	// finding.
	Folder string
	Path   string
	// ID is the media item or album id of a remote finding.
	ID string
	// Meaning explains what the disagreement means for the user's photos.
	Meaning string
	// Repair describes what --repair changed, or "" when it changed nothing.
	Repair string
}

// String formats the finding as one line for the terminal.
func (f Finding) String() string {
	s := fmt.Sprintf("%s %s: %s", f.Kind, escapeControl(f.location()), escapeControl(f.Meaning))
	if f.Repair != "" {
		s += "; repaired: " + escapeControl(f.Repair)
	}
	return s
}

// escapeControl replaces each control character of s, such as a newline in
// a file name, with its Go escape sequence, so that a finding stays on one
// line. Other bytes, invalid UTF-8 included, are kept as they are.
func escapeControl(s string) string {
	if !strings.ContainsFunc(s, unicode.IsControl) {
		return s
	}
	var b strings.Builder
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		if unicode.IsControl(r) {
			quoted := strconv.QuoteRune(r)
			b.WriteString(quoted[1 : len(quoted)-1])
		} else {
			b.WriteString(s[:size])
		}
		s = s[size:]
	}
	return b.String()
}

// location returns the file, folder or id the finding is about.
func (f Finding) location() string {
	switch {
	case f.Path != "":
		return f.Folder + "/" + f.Path
	case f.Folder != "":
		return f.Folder
	}
	return f.ID
}

// Report is the outcome of Run.
type Report struct {
	Findings []Finding
	// Files, MediaItems and Albums count the records compared.
	Files, MediaItems, Albums int
	// RemoteChecked reports whether the remote side was compared.
	RemoteChecked bool
}

// Clean reports whether the check found no disagreement.
func (r *Report) Clean() bool { return len(r.Findings) == 0 }

// Write prints every finding and a closing count line to w.
func (r *Report) Write(w io.Writer) {
	for _, f := range r.Findings {
		fmt.Fprintln(w, f)
	}
	remote := "compared with the server"
	if !r.RemoteChecked {
		remote = "not compared with the server"
	}
	fmt.Fprintf(w, "checked %d files, %d media items and %d albums (%s): %d problems\n",
		r.Files, r.MediaItems, r.Albums, remote, len(r.Findings))
}

// Run compares the store with the folders and, when opts.Remote is set,
// with the server, and with opts.Repair repairs what it safely can. It
// returns an error only when a comparison cannot run; every disagreement
// is a Finding. Repairs start only after every comparison has finished,
// so a comparison that fails, such as a server error part way through the
// media items, leaves the store unchanged.
func Run(ctx context.Context, opts Options) (*Report, error) {
	if opts.Store == nil {
		return nil, errors.New("state check: no store")
	}
	c := &checker{opts: opts, report: &Report{}, now: time.Now}
	if err := c.compare(ctx); err != nil {
		if opts.Repair {
			return nil, fmt.Errorf("%w; nothing was repaired", err)
		}
		return nil, err
	}
	if err := c.repair(); err != nil {
		return nil, err
	}
	return c.report, nil
}

// compare runs every comparison and collects the findings and their
// repairs.
func (c *checker) compare(ctx context.Context) error {
	if err := c.checkStore(); err != nil {
		return err
	}
	for _, folder := range c.opts.Folders {
		if err := c.checkFolder(ctx, folder); err != nil {
			return err
		}
	}
	if c.opts.Remote != nil {
		if err := c.checkRemote(ctx); err != nil {
			return err
		}
		c.report.RemoteChecked = true
	}
	return nil
}

// checker carries one Run.
type checker struct {
	opts   Options
	report *Report
	now    func() time.Time
	// missing lists the folders whose root or marker is missing; their
	// records are never repaired.
	missing map[string]bool
	// repairs are the repairs of the findings, applied in order once every
	// comparison has finished.
	repairs []repair
}

// repair is the change of records that repairs one finding. apply returns
// a description of what it changed, for Finding.Repair.
type repair struct {
	finding int
	apply   func() (string, error)
}

func (c *checker) add(f Finding) { c.report.Findings = append(c.report.Findings, f) }

// addRepairable adds a finding that apply repairs when opts.Repair is set.
func (c *checker) addRepairable(f Finding, apply func() (string, error)) {
	c.add(f)
	if c.opts.Repair {
		c.repairs = append(c.repairs, repair{finding: len(c.report.Findings) - 1, apply: apply})
	}
}

// repair applies the collected repairs and records what each changed.
func (c *checker) repair() error {
	for _, r := range c.repairs {
		f := &c.report.Findings[r.finding]
		done, err := r.apply()
		if err != nil {
			return fmt.Errorf("repair %s: %w", f.location(), err)
		}
		f.Repair = done
	}
	return nil
}

func (c *checker) checkStore() error {
	problems, err := c.opts.Store.Check()
	if err != nil {
		return fmt.Errorf("check state file: %w", err)
	}
	for _, p := range problems {
		c.add(Finding{Kind: KindStore, ID: p.Bucket + " " + p.Key,
			Meaning: p.Message + "; the state file is damaged: stop photosync and keep a copy of it " +
				"before changing anything"})
	}
	return nil
}
