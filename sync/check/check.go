package check

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"time"

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
	where := f.ID
	switch {
	case f.Path != "":
		where = f.Folder + "/" + f.Path
	case f.Folder != "":
		where = f.Folder
	}
	s := fmt.Sprintf("%s %s: %s", f.Kind, where, f.Meaning)
	if f.Repair != "" {
		s += "; repaired: " + f.Repair
	}
	return s
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
// is a Finding.
func Run(ctx context.Context, opts Options) (*Report, error) {
	if opts.Store == nil {
		return nil, errors.New("state check: no store")
	}
	c := &checker{opts: opts, report: &Report{}, now: time.Now}
	if err := c.checkStore(); err != nil {
		return nil, err
	}
	for _, folder := range opts.Folders {
		if err := c.checkFolder(ctx, folder); err != nil {
			return nil, err
		}
	}
	if opts.Remote != nil {
		if err := c.checkItems(ctx); err != nil {
			return nil, err
		}
		if err := c.checkAlbums(ctx); err != nil {
			return nil, err
		}
		c.report.RemoteChecked = true
	}
	return c.report, nil
}

// checker carries one Run.
type checker struct {
	opts   Options
	report *Report
	now    func() time.Time
	// missing lists the folders whose root or marker is missing; their
	// records are never repaired.
	missing map[string]bool
}

func (c *checker) add(f Finding) { c.report.Findings = append(c.report.Findings, f) }

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
