package sync

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"

	"github.com/photosync/photosync/state"
)

// placement is a fetched file with the final name chosen for it.
type placement struct {
	job fetchJob
	f   *fetched
	rel string
	key string
}

// placeAll gives the fetched files of one group of jobs their final names:
// it chooses the names, records them all in one transaction and then places
// each file. A name that another writer took between the choice
// and the link goes through placeLocked, which tries the next name. results
// holds nil for a job that was not fetched.
func (d *downloadRun) placeAll(jobs []fetchJob, results []*fetched) error {
	d.mu.Lock()
	defer d.mu.Unlock()

	var batch []placement
	for i, f := range results {
		if f == nil {
			continue
		}
		job := jobs[i]
		taken, err := d.namesIn(filepath.Dir(f.tmp), job.dir)
		if err != nil {
			return err
		}
		name, ok := d.freeName(taken, job.item)
		if !ok || !insideRoot(d.root, path.Join(job.dir, name)) {
			os.Remove(f.tmp)
			d.sum.pending(d.root, path.Join(job.dir, job.item.Filename), "no free local name")
			continue
		}
		taken[NameKey(name)] = true
		batch = append(batch, placement{job: job, f: f, rel: path.Join(job.dir, name), key: d.journalKey(job.tmp)})
	}
	err := d.s.opts.Store.Update(func(tx *state.Tx) error {
		for _, p := range batch {
			if err := d.recordTx(tx, p.f, p.job.item, p.rel, p.job.albumID, p.key); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return storeError(err)
	}
	for _, p := range batch {
		d.byPath[p.rel] = p.job.item.ID
	}

	for _, p := range batch {
		if err := d.link(p); err != nil {
			return err
		}
	}
	return nil
}

// freeName returns the first candidate name of it that taken does not hold.
func (d *downloadRun) freeName(taken map[string]bool, it RemoteItem) (string, bool) {
	for _, name := range nameCandidates(it) {
		if !taken[NameKey(name)] {
			return name, true
		}
	}
	return "", false
}

// nameCandidates returns the names an item may get, in order: its safe name,
// then the name with suffixes derived from its id.
func nameCandidates(it RemoteItem) []string {
	base := SafeName(it.Filename, it.ID)
	out := []string{base, WithSuffix(base, it.ID)}
	for i := 2; len(out) < maxNameTries; i++ {
		out = append(out, WithSuffix(base, fmt.Sprintf("%s#%d", it.ID, i)))
	}
	return out
}

// link puts one recorded file in place. It runs under d.mu.
func (d *downloadRun) link(p placement) error {
	d.beforeWrite(p.rel)
	err := placeNoReplace(p.f.tmp, filepath.Join(d.root, filepath.FromSlash(p.rel)))
	if errors.Is(err, fs.ErrExist) {
		// Another writer took the name since it was chosen.
		if err := d.unrecord(p.rel); err != nil {
			return err
		}
		rel, err := d.placeLocked(p.f, p.job.item, p.job.dir, p.job.albumID)
		if err != nil {
			os.Remove(p.f.tmp)
			d.sum.pending(d.root, path.Join(p.job.dir, p.job.item.Filename), err.Error())
			return nil
		}
		p.rel = rel
	} else if err != nil {
		os.Remove(p.f.tmp)
		if uerr := d.unrecord(p.rel); uerr != nil {
			return uerr
		}
		d.s.log.Warn().Err(err).Str("folder", d.root).Str("path", p.rel).Msg("download not placed")
		d.sum.pending(d.root, p.rel, err.Error())
		d.failedAlbums[p.job.albumID] = true
		return nil
	}
	os.Remove(p.f.tmp)
	d.dirs[filepath.Dir(p.f.tmp)] = true
	d.sum.add(func(s *Summary) {
		s.Downloaded++
		s.DownloadedBytes += p.f.size
	})
	d.s.log.Info().Str("folder", d.root).Str("path", p.rel).Str("media_id", p.job.item.ID).Msg("downloaded")
	return nil
}
