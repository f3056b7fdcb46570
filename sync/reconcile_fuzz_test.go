package sync

import (
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fuzzInput turns bytes into a reconciler input over a small world of
// directories, names and contents, so that renames, moves, copies and
// changes collide often. Every four bytes describe one path.
func fuzzInput(data []byte) ReconcileInput {
	dirs := []string{"", "A", "B", "A/C"}
	var in ReconcileInput
	if len(data) > 0 {
		in.Rules.RemoteDelete = []RemoteDelete{RemoteDeleteAlbum, RemoteDeleteNever}[data[0]&1]
		if data[0]&2 != 0 {
			in.Rules.RootAlbum = "Root"
		}
		in.Rules.Confirmed = data[0]&4 != 0
		data = data[1:]
	}
	seen := map[string]bool{}
	for len(data) >= 4 {
		kind, dirIdx, name, content := data[0], data[1], data[2], data[3]
		data = data[4:]
		dir := dirs[int(dirIdx)%len(dirs)]
		rel := fmt.Sprintf("n%d.jpg", name%4)
		if dir != "" {
			rel = dir + "/" + rel
		}
		if seen[rel] {
			continue
		}
		seen[rel] = true
		sha := fmt.Sprintf("sha%d", content%6)
		if kind&1 != 0 {
			in.Local = append(in.Local, LocalFile{Path: rel, Size: int64(content % 6), ModTime: t0, SHA256: sha})
		}
		if kind&2 != 0 {
			oldSHA := sha
			if kind&4 != 0 {
				oldSHA = fmt.Sprintf("sha%d", (content+1)%6)
			}
			k := KnownFile{Path: rel, Size: int64(len(oldSHA)), ModTime: t0, SHA256: oldSHA,
				Status: KnownStatus(kind >> 3 % 3)}
			if k.Status == KnownSynced {
				k.MediaItemID = "m-" + oldSHA
				if _, ok := albumTitle(dir, in.Rules.RootAlbum); ok {
					k.AlbumID = "album-" + dir
				}
			}
			in.Known = append(in.Known, k)
		}
		if kind&1 == 0 && kind&16 != 0 {
			in.Present = append(in.Present, rel)
		}
	}
	if len(data) > 0 && data[0]&1 != 0 {
		in.Content = func(sha string) (string, bool) { return "m-" + sha, sha == "sha5" }
	}
	return in
}

func FuzzReconcile(f *testing.F) {
	f.Add([]byte{0, 1, 1, 0, 0})
	f.Add([]byte{0, 3, 1, 0, 1, 1, 1, 1, 1, 3, 2, 1, 1})
	f.Add([]byte{1, 2, 1, 0, 2, 1, 2, 0, 2, 7, 1, 1, 3})
	f.Add([]byte{2, 11, 0, 0, 0, 11, 1, 2, 3, 1, 0, 3, 3, 26, 3, 3, 5, 1})
	f.Add([]byte{4, 10, 1, 1, 1, 10, 1, 2, 2, 10, 2, 3, 3, 9, 3, 1, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		in := fuzzInput(data)
		plan := Reconcile(in)

		reversed := in
		reversed.Local = slices.Clone(in.Local)
		slices.Reverse(reversed.Local)
		reversed.Known = slices.Clone(in.Known)
		slices.Reverse(reversed.Known)
		if diff := cmp.Diff(plan, Reconcile(reversed)); diff != "" {
			t.Fatalf("plan depends on input order (-forward +reversed):\n%s", diff)
		}
		checkPlanInvariants(t, in, plan)
	})
}

func checkPlanInvariants(t *testing.T, in ReconcileInput, plan *Plan) {
	t.Helper()
	keep := map[string]map[string]bool{}
	local := map[string]LocalFile{}
	for _, l := range in.Local {
		addTo(keep, dirOf(l.Path), l.SHA256)
		local[l.Path] = l
	}

	uploads := map[string]bool{}
	served := map[string]int{}
	consumed := map[string]int{}
	for _, op := range plan.Ops {
		switch op.Kind {
		case OpUpload:
			if uploads[op.SHA256] {
				t.Errorf("content %s uploaded twice", op.SHA256)
			}
			uploads[op.SHA256] = true
			served[op.Path]++
		case OpAdd:
			served[op.Path]++
		case OpMove, OpRecord:
			served[op.Path]++
			if op.OldPath != op.Path {
				consumed[op.OldPath]++
			}
		case OpForget:
			consumed[op.OldPath]++
		case OpRemove:
			if op.AlbumID == "" || op.MediaItemID == "" {
				t.Errorf("removal without album or item: %+v", op)
			}
			if keep[op.Dir][op.SHA256] {
				t.Errorf("removal of %s from %q although a file there keeps that content", op.SHA256, op.Dir)
			}
			if op.OldPath != "" && in.Rules.RemoteDelete == RemoteDeleteNever {
				t.Errorf("delete removed an item with remote_delete never: %+v", op)
			}
		}
		if (op.Kind == OpUpload || op.Kind == OpAdd || op.Kind == OpMove || op.Kind == OpRecord) &&
			local[op.Path].SHA256 != op.SHA256 {
			t.Errorf("%s: operation content %s, local content %s", op, op.SHA256, local[op.Path].SHA256)
		}
	}

	for p, n := range served {
		if n > 1 {
			t.Errorf("%s is the target of %d operations", p, n)
		}
	}

	present := map[string]bool{}
	for _, p := range in.Present {
		present[p] = true
	}
	for _, k := range in.Known {
		_, isLocal := local[k.Path]
		gone := !isLocal && !present[k.Path]
		if gone && consumed[k.Path] != 1 {
			t.Errorf("gone %s is consumed by %d operations, want 1", k.Path, consumed[k.Path])
		}
		if !gone && consumed[k.Path] != 0 {
			t.Errorf("present %s is consumed by %d operations, want 0", k.Path, consumed[k.Path])
		}
	}
}
