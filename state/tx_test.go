package state_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/photosync/photosync/state"
)

// A transaction reuses its cursors and scratch keys across calls. Reads
// that follow writes in the same transaction must see those writes, in
// every bucket the first sync touches and across folders.
func TestTransactionReadsItsOwnWrites(t *testing.T) {
	s := openStoreWithFolders(t)
	const n = 3000
	hashOf := func(i int) string {
		sum := sha256.Sum256(fmt.Appendf(nil, "photo %d", i))
		return hex.EncodeToString(sum[:])
	}
	folderOf := func(i int) string {
		if i%3 == 0 {
			return rootB
		}
		return rootA
	}
	pathOf := func(i int) string { return fmt.Sprintf("dir%02d/IMG_%05d.jpg", i%7, i) }

	err := s.Update(func(tx *state.Tx) error {
		for i := range n {
			sha := hashOf(i)
			u := state.Upload{SHA256: sha, Folder: folderOf(i), Path: pathOf(i), Token: fmt.Sprint("token", i),
				Stage: state.StageUploaded}
			if err := tx.PutUpload(u); err != nil {
				return err
			}
			if got, ok, err := tx.GetUpload(sha); err != nil || !ok || got.Token != u.Token {
				return fmt.Errorf("GetUpload(%d) = %+v, %v, %v; want token %s", i, got, ok, err, u.Token)
			}
		}
		for i := range n {
			sha, id := hashOf(i), fmt.Sprint("media", i)
			m := state.MediaItem{ID: id, SHA256: sha, Filename: "f.jpg", AlbumIDs: []string{"album"}}
			if err := tx.MergeMediaItem(m); err != nil {
				return err
			}
			if got, ok, err := tx.MediaItemByHash(sha); err != nil || !ok || got.ID != id {
				return fmt.Errorf("MediaItemByHash(%d) = %+v, %v, %v; want %s", i, got, ok, err, id)
			}
			f := state.File{Folder: folderOf(i), Path: pathOf(i), SHA256: sha, MediaItemID: id,
				Status: state.StatusSynced}
			if err := tx.PutFile(f); err != nil {
				return err
			}
			if got, ok, err := tx.GetFile(f.Folder, f.Path); err != nil || !ok || got.MediaItemID != id {
				return fmt.Errorf("GetFile(%d) = %+v, %v, %v; want media item %s", i, got, ok, err, id)
			}
			if i%2 == 0 {
				if err := tx.DeleteUpload(sha); err != nil {
					return err
				}
				if _, ok, err := tx.GetUpload(sha); err != nil || ok {
					return fmt.Errorf("GetUpload(%d) after DeleteUpload = %v, %v; want not found", i, ok, err)
				}
			}
		}
		// The folder found by earlier puts does not let a put into an unknown
		// folder through.
		err := tx.PutFile(state.File{Folder: "/photos/c", Path: "a.jpg"})
		if err == nil {
			return fmt.Errorf("PutFile in an unknown folder succeeded")
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}

	uploads := 0
	if err := s.ForEachUpload(func(state.Upload) error { uploads++; return nil }); err != nil {
		t.Fatalf("ForEachUpload: %v", err)
	}
	if uploads != n/2 {
		t.Errorf("ForEachUpload visited %d uploads, want %d", uploads, n/2)
	}
	for _, i := range []int{0, 1, n / 2, n - 1} {
		files, err := s.FilesByHash(hashOf(i))
		if err != nil {
			t.Fatalf("FilesByHash(%d): %v", i, err)
		}
		want := []string{folderOf(i) + " " + pathOf(i)}
		var got []string
		for _, f := range files {
			got = append(got, f.Folder+" "+f.Path)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("FilesByHash(%d) (-want +got):\n%s", i, diff)
		}
	}
	wantNoProblems(t, s)
}

// A rewrite of a file with a new hash moves its index entry, also when the
// old record was read in the same transaction.
func TestPutFileRehashInOneTransaction(t *testing.T) {
	s := openStoreWithFolders(t)
	err := s.Update(func(tx *state.Tx) error {
		for _, sha := range []string{hash('1'), hash('2'), "", hash('3')} {
			if err := tx.PutFile(state.File{Folder: rootA, Path: "a.jpg", SHA256: sha}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	for digit, want := range map[byte]int{'1': 0, '2': 0, '3': 1} {
		files, err := s.FilesByHash(hash(digit))
		if err != nil {
			t.Fatalf("FilesByHash(%c): %v", digit, err)
		}
		if len(files) != want {
			t.Errorf("FilesByHash(%c) found %d files, want %d", digit, len(files), want)
		}
	}
	wantNoProblems(t, s)
}
