package sync

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// RemoteDelete selects what a local delete does remotely.
type RemoteDelete string

const (
	// RemoteDeleteAlbum removes the item of a deleted file from its album.
	RemoteDeleteAlbum RemoteDelete = "album"
	// RemoteDeleteNever leaves the item where it is.
	RemoteDeleteNever RemoteDelete = "never"
)

// KnownStatus is the store's verdict on a file.
type KnownStatus int

const (
	// KnownPending means the file has no media item yet.
	KnownPending KnownStatus = iota
	// KnownSynced means the file's content is a media item in its album.
	KnownSynced
	// KnownFailed means the API rejected this version of the file for good.
	KnownFailed
)

// LocalFile is a settled, hashed file that the scan found.
type LocalFile struct {
	Path    string
	Size    int64
	ModTime time.Time
	SHA256  string
}

// KnownFile is the store's record of a file from an earlier pass.
type KnownFile struct {
	Path        string
	Size        int64
	ModTime     time.Time
	SHA256      string
	MediaItemID string
	// AlbumID is the album the item was put in for this file, empty for
	// files without an album.
	AlbumID string
	Status  KnownStatus
	// Reason is the API's error for a KnownFailed file.
	Reason string
}

// Rules are the per-folder settings the reconciler obeys.
type Rules struct {
	RemoteDelete RemoteDelete
	// RootAlbum is the album title for files at the folder root; empty means
	// those files go to the library without an album.
	RootAlbum string
	// DeleteShare is the share of a folder's synced files (0 to 1) that one
	// pass may remove from albums because of local deletes before the
	// folder pauses. Zero pauses at the first such removal. Folders with
	// fewer than 10 synced files never pause.
	DeleteShare float64
	// Confirmed lifts the pause: the user has accepted a large removal.
	Confirmed bool
}

// deleteGuardMinItems is the folder size below which the delete guard stays
// off: removing 2 of 3 items is a share of 67% but rarely an accident, and
// removal from an album loses no item.
const deleteGuardMinItems = 10

// ReconcileInput is everything the reconciler reads for one folder. Paths
// are unique within Local and within Known. Reconcile runs fastest when
// both are sorted by path in byte order, as the scan and the store return
// them, and sorts a copy otherwise.
type ReconcileInput struct {
	Local []LocalFile
	// Present lists paths that exist but that the scan did not hash this pass
	// (still being written, unreadable). They are never read as deleted.
	Present []string
	Known   []KnownFile
	// Content returns the media item of the given content when the store
	// has one. It may be nil.
	Content func(sha256 string) (mediaItemID string, ok bool)
	Rules   Rules
}

// Reconcile compares one folder's scan with its records and returns the
// operations that make the remote side match. New content is uploaded into
// the album of its directory, and content that already has an item is only
// added. A rename records the new path, and a move between directories swaps
// albums. A delete removes the item from its album unless RemoteDelete is
// never. Reconcile does no I/O.
func Reconcile(in ReconcileInput) *Plan {
	r := newReconciler(in)
	r.classify()
	r.pairRenames()
	r.planNew()
	r.planGone()
	r.planRemovals()
	r.applyDeleteGuard()
	r.plan.Albums = r.albumDirs()
	// The plan lives until the pass ends, so Ops is copied when more than
	// an eighth of its capacity is spare. Each step reserves room for its
	// operations, so a plan of one kind, such as a first sync's uploads,
	// needs no copy.
	if cap(r.plan.Ops)-len(r.plan.Ops) > len(r.plan.Ops)/8 {
		r.plan.Ops = slices.Clone(r.plan.Ops)
	}
	return r.plan
}

// reconciler plans one folder. Its maps of all files are built only when a
// step needs them: a pass over an unchanged folder needs none.
type reconciler struct {
	// in has Local and Known sorted by path.
	in   ReconcileInput
	plan *Plan
	// keep maps a directory to the contents of its files after the pass.
	// An item whose content is kept is never removed from the directory's
	// album. planRemovals builds it.
	keep map[string]map[string]bool
	// indexed reports whether index has built inAlbum and items.
	indexed bool
	// inAlbum maps a directory to the items already in its album.
	inAlbum map[string]map[string]bool
	// fresh are local files without a usable record, by path.
	fresh []LocalFile
	// gone are records without a local file.
	gone []KnownFile
	// items maps content to the item of a synced record in this folder, for
	// content the store's index does not return.
	items map[string]string
	// uploading maps content planned for upload in this pass to its path.
	// It is nil until the first upload is planned.
	uploading map[string]string
	// removals are candidate removals, collected before the keep check.
	removals []Op
	// deletes counts removals caused by local deletes, for the guard.
	deletes int
}

func newReconciler(in ReconcileInput) *reconciler {
	r := &reconciler{
		in:   in,
		plan: &Plan{},
	}
	if r.in.Rules.RemoteDelete == "" {
		r.in.Rules.RemoteDelete = RemoteDeleteAlbum
	}
	r.in.Local = sortedByPath(in.Local, func(f LocalFile) string { return f.Path })
	r.in.Known = sortedByPath(in.Known, func(k KnownFile) string { return k.Path })
	return r
}

// sortedByPath returns files when they are sorted by path, and a sorted
// copy otherwise.
func sortedByPath[T any](files []T, path func(T) string) []T {
	byPath := func(a, b T) int { return strings.Compare(path(a), path(b)) }
	if slices.IsSortedFunc(files, byPath) {
		return files
	}
	files = slices.Clone(files)
	slices.SortFunc(files, byPath)
	return files
}

// knownAt returns the record at path.
func (r *reconciler) knownAt(path string) (KnownFile, bool) {
	i, ok := slices.BinarySearchFunc(r.in.Known, path, func(k KnownFile, p string) int {
		return strings.Compare(k.Path, p)
	})
	if !ok {
		return KnownFile{}, false
	}
	return r.in.Known[i], true
}

// index builds inAlbum and items from the synced records, once.
func (r *reconciler) index() {
	if r.indexed {
		return
	}
	r.indexed = true
	r.inAlbum = map[string]map[string]bool{}
	r.items = map[string]string{}
	for _, k := range r.in.Known {
		if k.Status != KnownSynced || k.MediaItemID == "" {
			continue
		}
		r.items[k.SHA256] = k.MediaItemID
		if k.AlbumID != "" {
			addTo(r.inAlbum, dirOf(k.Path), k.MediaItemID)
		}
	}
}

func addTo(m map[string]map[string]bool, key, value string) {
	if m[key] == nil {
		m[key] = map[string]bool{}
	}
	m[key][value] = true
}

// classify sorts local files into unchanged, changed and new, and records
// without a local file into gone. It walks the sorted files and records
// side by side.
func (r *reconciler) classify() {
	present := make(map[string]bool, len(r.in.Present))
	for _, p := range r.in.Present {
		present[p] = true
	}
	known := r.in.Known
	// At least this many local files have no record, and in a first sync
	// that is all of them.
	r.fresh = make([]LocalFile, 0, max(0, len(r.in.Local)-len(known)))
	unseen := func(k KnownFile) {
		if !present[k.Path] {
			r.gone = append(r.gone, k)
		}
	}
	i := 0
	for _, f := range r.in.Local {
		for i < len(known) && known[i].Path < f.Path {
			unseen(known[i])
			i++
		}
		var k KnownFile
		ok := i < len(known) && known[i].Path == f.Path
		if ok {
			k = known[i]
			i++
		}
		switch {
		case !ok || k.Status == KnownPending || k.SHA256 == "":
			r.fresh = append(r.fresh, f)
		case k.Status == KnownFailed && k.Size == f.Size && k.ModTime.Equal(f.ModTime):
			r.plan.Held = append(r.plan.Held, Held{Path: f.Path, Reason: "failed earlier: " + k.Reason})
		case k.Status == KnownFailed:
			r.fresh = append(r.fresh, f)
		case k.SHA256 != f.SHA256:
			r.planChanged(f, k)
		case k.Size != f.Size || !k.ModTime.Equal(f.ModTime):
			r.add(Op{Kind: OpRecord, Path: f.Path, OldPath: f.Path, Dir: dirOf(f.Path),
				SHA256: f.SHA256, Size: f.Size, ModTime: f.ModTime, MediaItemID: k.MediaItemID})
		}
	}
	for ; i < len(known); i++ {
		unseen(known[i])
	}
}

// planChanged handles new content at a known path: the new content goes up
// (or is linked), and the old item leaves the album unless it is kept.
func (r *reconciler) planChanged(f LocalFile, k KnownFile) {
	r.planContent(f, true)
	r.removeLater(k, f.Path, false)
}

// pairRenames matches gone records with fresh files of the same content.
// Matches inside one directory are tried first, so a rename next to a move
// of a copy stays a rename. Candidates are indexed by content, so renaming
// a whole directory of n files costs O(n).
func (r *reconciler) pairRenames() {
	candidates := map[string][]int{}
	for i, k := range r.gone {
		if k.Status == KnownSynced && k.MediaItemID != "" {
			candidates[k.SHA256] = append(candidates[k.SHA256], i)
		}
	}
	if len(candidates) == 0 || len(r.fresh) == 0 {
		return
	}
	used := make([]bool, len(r.gone))
	for _, sameDir := range []bool{true, false} {
		var unmatched []LocalFile
		for _, f := range r.fresh {
			i := r.findGone(f, sameDir, candidates[f.SHA256], used)
			if i < 0 {
				unmatched = append(unmatched, f)
				continue
			}
			used[i] = true
			r.planRename(f, r.gone[i])
		}
		r.fresh = unmatched
	}
	var left []KnownFile
	for i, k := range r.gone {
		if !used[i] {
			left = append(left, k)
		}
	}
	r.gone = left
}

// findGone returns the first unused candidate whose directory is f's
// (sameDir) or another one, or -1.
func (r *reconciler) findGone(f LocalFile, sameDir bool, candidates []int, used []bool) int {
	for _, i := range candidates {
		if !used[i] && (dirOf(r.gone[i].Path) == dirOf(f.Path)) == sameDir {
			return i
		}
	}
	return -1
}

func (r *reconciler) planRename(f LocalFile, k KnownFile) {
	dir := dirOf(f.Path)
	op := Op{Path: f.Path, OldPath: k.Path, Dir: dir, SHA256: f.SHA256,
		Size: f.Size, ModTime: f.ModTime, MediaItemID: k.MediaItemID}
	if dirOf(k.Path) == dir {
		op.Kind = OpRecord
		r.add(op)
		return
	}
	op.Kind = OpMove
	op.AddToAlbum = r.needsAdd(dir, k.MediaItemID)
	r.add(op)
	r.removeLater(k, f.Path, false)
}

// planNew plans uploads and links for files no record matched.
func (r *reconciler) planNew() {
	if len(r.fresh) == 0 {
		return
	}
	if r.uploading == nil {
		r.uploading = make(map[string]string, len(r.fresh))
	}
	r.plan.Ops = slices.Grow(r.plan.Ops, len(r.fresh))
	for _, f := range r.fresh {
		r.planContent(f, false)
	}
}

// planContent plans the operation that gives f's content a media item in
// f's album: a link when the item exists or is uploaded earlier in this
// pass, an upload otherwise.
func (r *reconciler) planContent(f LocalFile, replaces bool) {
	r.index()
	dir := dirOf(f.Path)
	op := Op{Path: f.Path, Dir: dir, SHA256: f.SHA256, Size: f.Size,
		ModTime: f.ModTime, Replaces: replaces}
	if id, ok := r.content(f.SHA256); ok {
		op.Kind = OpAdd
		op.MediaItemID = id
		op.AddToAlbum = r.needsAdd(dir, id)
		r.add(op)
		return
	}
	if first, ok := r.uploading[f.SHA256]; ok {
		op.Kind = OpAdd
		// The item is created in the album of the first file's directory;
		// other directories get one add each.
		marker := "upload:" + f.SHA256
		op.AddToAlbum = r.hasAlbum(dir) && dirOf(first) != dir && !r.inAlbum[dir][marker]
		if op.AddToAlbum {
			addTo(r.inAlbum, dir, marker)
		}
		r.add(op)
		return
	}
	op.Kind = OpUpload
	if r.uploading == nil {
		r.uploading = map[string]string{}
	}
	r.uploading[f.SHA256] = f.Path
	r.add(op)
}

func (r *reconciler) content(sha string) (string, bool) {
	r.index()
	if r.in.Content != nil {
		if id, ok := r.in.Content(sha); ok && id != "" {
			return id, true
		}
	}
	id, ok := r.items[sha]
	return id, ok
}

// needsAdd reports whether item id must be added to dir's album, and marks
// it as added so a second file with the same content does not add it again.
func (r *reconciler) needsAdd(dir, id string) bool {
	r.index()
	if !r.hasAlbum(dir) || r.inAlbum[dir][id] {
		return false
	}
	addTo(r.inAlbum, dir, id)
	return true
}

func (r *reconciler) hasAlbum(dir string) bool {
	return hasAlbum(dir, r.in.Rules.RootAlbum)
}

// planGone drops records whose file is gone and whose content did not
// reappear elsewhere. It removes their items from albums unless the folder's
// RemoteDelete is never.
func (r *reconciler) planGone() {
	r.plan.Ops = slices.Grow(r.plan.Ops, len(r.gone))
	for _, k := range r.gone {
		r.add(Op{Kind: OpForget, OldPath: k.Path, Dir: dirOf(k.Path),
			SHA256: k.SHA256, MediaItemID: k.MediaItemID})
		if r.in.Rules.RemoteDelete == RemoteDeleteAlbum {
			r.removeLater(k, k.Path, true)
		}
	}
}

// removeLater queues the removal of k's item from k's album, to be planned
// once every file has been seen.
func (r *reconciler) removeLater(k KnownFile, cause string, isDelete bool) {
	if k.Status != KnownSynced || k.MediaItemID == "" || k.AlbumID == "" {
		return
	}
	op := Op{Kind: OpRemove, Path: cause, Dir: dirOf(k.Path), SHA256: k.SHA256,
		MediaItemID: k.MediaItemID, AlbumID: k.AlbumID}
	if isDelete {
		op.OldPath = k.Path
	}
	r.removals = append(r.removals, op)
}

// planRemovals keeps a removal only when no file left in the directory
// holds the same content and no earlier removal covers the same item.
func (r *reconciler) planRemovals() {
	if len(r.removals) == 0 {
		return
	}
	r.keep = map[string]map[string]bool{}
	for _, f := range r.in.Local {
		addTo(r.keep, dirOf(f.Path), f.SHA256)
	}
	for _, p := range r.in.Present {
		if k, ok := r.knownAt(p); ok && k.SHA256 != "" {
			addTo(r.keep, dirOf(p), k.SHA256)
		}
	}
	done := map[[2]string]bool{}
	r.plan.Ops = slices.Grow(r.plan.Ops, len(r.removals))
	for _, op := range r.removals {
		key := [2]string{op.AlbumID, op.MediaItemID}
		if r.keep[op.Dir][op.SHA256] || done[key] {
			continue
		}
		done[key] = true
		if op.OldPath != "" {
			r.deletes++
		}
		r.add(op)
	}
}

// applyDeleteGuard pauses the folder when local deletes would remove more
// than the allowed share of its synced items from albums, which is what an
// unmounted disk or a wiped sub-folder looks like.
func (r *reconciler) applyDeleteGuard() {
	if r.in.Rules.Confirmed || r.deletes == 0 {
		return
	}
	share := r.in.Rules.DeleteShare
	synced := 0
	for _, k := range r.in.Known {
		if k.Status == KnownSynced {
			synced++
		}
	}
	if synced < deleteGuardMinItems || float64(r.deletes) <= share*float64(synced) {
		return
	}
	r.plan.Paused = fmt.Sprintf(
		"local deletes would remove %d of %d items from albums, more than %.0f%%; "+
			"check that the folder is complete, then run with --yes to apply",
		r.deletes, synced, share*100)
}

func (r *reconciler) add(op Op) {
	r.plan.Ops = append(r.plan.Ops, op)
}

// albumDirs returns the directories whose album the plan writes to.
func (r *reconciler) albumDirs() []string {
	set := map[string]bool{}
	for _, op := range r.plan.Ops {
		writes := op.Kind == OpUpload || op.Kind == OpRemove ||
			((op.Kind == OpAdd || op.Kind == OpMove) && op.AddToAlbum)
		if writes && r.hasAlbum(op.Dir) {
			set[op.Dir] = true
		}
	}
	dirs := make([]string, 0, len(set))
	for d := range set {
		dirs = append(dirs, d)
	}
	slices.Sort(dirs)
	return dirs
}
