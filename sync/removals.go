package sync

import (
	"encoding/json"
	"fmt"

	"github.com/photosync/photosync/state"
)

// metaPendingRemovals prefixes the settings key, one per folder, that holds
// the removals caused by moves and content changes. Those removals have no
// file record left to plan them again, so they are journaled before the
// pass changes any record, and cleared once done.
const metaPendingRemovals = "sync.pending-removals\x00"

// pendingRemoval is one journaled removal of an item from an album.
type pendingRemoval struct {
	AlbumID     string `json:"album"`
	MediaItemID string `json:"item"`
	SHA256      string `json:"sha256"`
	Dir         string `json:"dir"`
	// Path is the file whose move or change caused the removal, for
	// messages.
	Path string `json:"path"`
}

// withPendingRemovals returns the plan's removals plus the journaled ones
// of earlier passes that still apply: no scanned file of their directory
// holds their content, and the plan does not already remove the same item
// from the same album.
func (e *executor) withPendingRemovals(removes []Op) ([]Op, error) {
	prior, err := e.loadPendingRemovals()
	if err != nil || len(prior) == 0 {
		return removes, err
	}
	kept := map[string]map[string]bool{}
	for _, f := range e.fr.result.Entries {
		addTo(kept, dirOf(f.Path), f.SHA256)
	}
	planned := map[[2]string]bool{}
	for _, op := range removes {
		planned[[2]string{op.AlbumID, op.MediaItemID}] = true
	}
	for _, p := range prior {
		key := [2]string{p.AlbumID, p.MediaItemID}
		if planned[key] || kept[p.Dir][p.SHA256] {
			continue
		}
		planned[key] = true
		removes = append(removes, Op{Kind: OpRemove, Path: p.Path, Dir: p.Dir, SHA256: p.SHA256,
			MediaItemID: p.MediaItemID, AlbumID: p.AlbumID})
	}
	return removes, nil
}

func (e *executor) pendingKey() string {
	return metaPendingRemovals + e.fr.cfg.Path
}

func (e *executor) loadPendingRemovals() ([]pendingRemoval, error) {
	var list []pendingRemoval
	err := e.s.opts.Store.View(func(tx *state.Tx) error {
		v, ok, err := tx.GetMeta(e.pendingKey())
		if err != nil || !ok || v == "" {
			return err
		}
		if err := json.Unmarshal([]byte(v), &list); err != nil {
			// A damaged entry loses at most some removals from albums,
			// never a file or an item, so the pass goes on without it.
			e.s.log.Warn().Err(err).Str("folder", e.fr.cfg.Path).Msg("pending removals unreadable; dropped")
			list = nil
		}
		return nil
	})
	if err != nil {
		return nil, storeError(err)
	}
	return list, nil
}

// savePendingRemovals journals the removals among ops that no file record
// would plan again: those caused by a move or a content change, as opposed
// to a local delete, whose record stays until its removal is done.
func (e *executor) savePendingRemovals(ops []Op) error {
	var list []pendingRemoval
	for _, op := range ops {
		if op.Kind == OpRemove && op.OldPath == "" {
			list = append(list, pendingRemoval{AlbumID: op.AlbumID, MediaItemID: op.MediaItemID,
				SHA256: op.SHA256, Dir: op.Dir, Path: op.Path})
		}
	}
	value := ""
	if len(list) > 0 {
		data, err := json.Marshal(list)
		if err != nil {
			return fmt.Errorf("journal pending removals: %w", err)
		}
		value = string(data)
	}
	return storeError(e.s.opts.Store.Update(func(tx *state.Tx) error {
		v, ok, err := tx.GetMeta(e.pendingKey())
		if err != nil || (!ok && value == "") || v == value {
			return err
		}
		return tx.PutMeta(e.pendingKey(), value)
	}))
}
