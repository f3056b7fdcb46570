package state_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/photosync/photosync/state"
)

func TestFolderRoundTrip(t *testing.T) {
	s, _ := openStore(t)
	want := state.Folder{
		ID:          rootA,
		Paused:      true,
		PauseReason: "scan would remove 80% of the items",
		LastScan:    time.Date(2026, 5, 1, 8, 0, 0, 1, time.UTC),
		LastPoll:    time.Date(2026, 5, 1, 8, 5, 0, 0, time.UTC),
		LastError:   "root missing",
	}
	if err := s.PutFolder(want); err != nil {
		t.Fatalf("PutFolder: %v", err)
	}
	if err := s.PutFolder(state.Folder{ID: "/photos/0"}); err != nil {
		t.Fatalf("PutFolder: %v", err)
	}

	got, ok, err := s.GetFolder(rootA)
	if err != nil || !ok {
		t.Fatalf("GetFolder = %v, %v; want the folder", ok, err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GetFolder mismatch (-want +got):\n%s", diff)
	}
	if _, ok, err := s.GetFolder("/photos/none"); ok || err != nil {
		t.Errorf("GetFolder(unknown) = %v, %v; want not found", ok, err)
	}

	folders, err := s.ListFolders()
	if err != nil {
		t.Fatalf("ListFolders: %v", err)
	}
	var ids []string
	for _, f := range folders {
		ids = append(ids, f.ID)
	}
	if diff := cmp.Diff([]string{"/photos/0", rootA}, ids); diff != "" {
		t.Errorf("ListFolders IDs (-want +got):\n%s", diff)
	}
}

func TestFolderInvalidID(t *testing.T) {
	s, _ := openStore(t)
	tests := []struct {
		id   string
		want string
	}{
		{"", "empty"},
		{"photos/a", "not an absolute path"},
		{"/photos/a/", "not clean"},
		{"/photos/../a", "not clean"},
		{"/photos/a\x00b", "NUL"},
	}
	for _, tc := range tests {
		wantErrorContaining(t, s.PutFolder(state.Folder{ID: tc.id}), "put folder", tc.want)
		_, _, err := s.GetFolder(tc.id)
		wantErrorContaining(t, err, "get folder", tc.want)
	}
}

func TestFileRoundTrip(t *testing.T) {
	s := openStoreWithFolders(t)
	want := state.File{
		Folder:      rootA,
		Path:        "Trips/2024/IMG_0001.HEIC",
		Size:        3_456_789,
		ModTime:     time.Date(2024, 2, 29, 23, 59, 59, 999_999_999, time.UTC),
		SHA256:      hash('a'),
		MediaItemID: "AKx1",
		AlbumID:     "ALB1",
		Status:      state.StatusFailed,
		Reason:      "400 INVALID_ARGUMENT",
		Origin:      state.OriginDownloaded,
		UpdatedAt:   testNow,
	}
	if err := s.PutFile(want); err != nil {
		t.Fatalf("PutFile: %v", err)
	}
	got, ok, err := s.GetFile(rootA, want.Path)
	if err != nil || !ok {
		t.Fatalf("GetFile = %v, %v; want the file", ok, err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GetFile mismatch (-want +got):\n%s", diff)
	}

	if _, ok, err := s.GetFile(rootB, want.Path); ok || err != nil {
		t.Errorf("GetFile in other folder = %v, %v; want not found", ok, err)
	}
	if _, ok, err := s.GetFile(rootA, "Trips/2024"); ok || err != nil {
		t.Errorf("GetFile(directory) = %v, %v; want not found", ok, err)
	}
}

func TestFileModTimeKeepsZoneInstant(t *testing.T) {
	s := openStoreWithFolders(t)
	zone := time.FixedZone("UTC+5:30", 5*3600+1800)
	mod := time.Date(2025, 1, 2, 3, 4, 5, 6, zone)
	if err := s.PutFile(state.File{Folder: rootA, Path: "a.jpg", ModTime: mod}); err != nil {
		t.Fatalf("PutFile: %v", err)
	}
	got, _, err := s.GetFile(rootA, "a.jpg")
	if err != nil {
		t.Fatalf("GetFile: %v", err)
	}
	if !got.ModTime.Equal(mod) {
		t.Errorf("ModTime = %v, want the instant %v", got.ModTime, mod)
	}
	if got.ModTime.Location() != time.UTC {
		t.Errorf("ModTime location = %v, want UTC", got.ModTime.Location())
	}

	if err := s.PutFile(state.File{Folder: rootA, Path: "zero.jpg"}); err != nil {
		t.Fatalf("PutFile: %v", err)
	}
	got, _, err = s.GetFile(rootA, "zero.jpg")
	if err != nil {
		t.Fatalf("GetFile: %v", err)
	}
	if !got.ModTime.IsZero() {
		t.Errorf("zero ModTime came back as %v", got.ModTime)
	}
}

func TestPutFileStampsUpdatedAt(t *testing.T) {
	s := openStoreWithFolders(t)
	old := testNow.Add(-48 * time.Hour)
	if err := s.PutFile(state.File{Folder: rootA, Path: "a.jpg", UpdatedAt: old}); err != nil {
		t.Fatalf("PutFile: %v", err)
	}
	got, _, err := s.GetFile(rootA, "a.jpg")
	if err != nil {
		t.Fatalf("GetFile: %v", err)
	}
	if !got.UpdatedAt.Equal(testNow) {
		t.Errorf("UpdatedAt = %v, want the store clock %v", got.UpdatedAt, testNow)
	}
}

func TestPutFileInvalid(t *testing.T) {
	s := openStoreWithFolders(t)
	valid := state.File{Folder: rootA, Path: "a.jpg"}
	tests := []struct {
		name string
		edit func(*state.File)
		want string
	}{
		{"empty path", func(f *state.File) { f.Path = "" }, "file path is empty"},
		{"absolute path", func(f *state.File) { f.Path = "/a.jpg" }, "not a clean relative path"},
		{"dot dot", func(f *state.File) { f.Path = "x/../a.jpg" }, "not a clean relative path"},
		{"double slash", func(f *state.File) { f.Path = "x//a.jpg" }, "not a clean relative path"},
		{"trailing slash", func(f *state.File) { f.Path = "x/" }, "not a clean relative path"},
		{"NUL in path", func(f *state.File) { f.Path = "a\x00.jpg" }, "NUL"},
		{"relative folder", func(f *state.File) { f.Folder = "photos" }, "not an absolute path"},
		{"unknown folder", func(f *state.File) { f.Folder = "/photos/c" }, "put the folder first"},
		{"short hash", func(f *state.File) { f.SHA256 = "abc" }, "has 3 characters"},
		{"upper-case hash", func(f *state.File) { f.SHA256 = hash('A') }, "not lowercase hex"},
		{"negative size", func(f *state.File) { f.Size = -1 }, "size -1 is negative"},
		{"bad status", func(f *state.File) { f.Status = 9 }, "invalid status FileStatus(9)"},
		{"bad origin", func(f *state.File) { f.Origin = 7 }, "invalid origin Origin(7)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := valid
			tc.edit(&f)
			wantErrorContaining(t, s.PutFile(f), "put file", tc.want)
		})
	}
	// None of the rejected writes left anything behind.
	n := 0
	if err := s.ForEachFile(rootA, func(state.File) error { n++; return nil }); err != nil {
		t.Fatalf("ForEachFile: %v", err)
	}
	if n != 0 {
		t.Errorf("ForEachFile found %d files after rejected writes, want 0", n)
	}
	wantNoProblems(t, s)
}

func TestForEachFileOrderAndStop(t *testing.T) {
	s := openStoreWithFolders(t)
	paths := []string{"b.jpg", "a/z.jpg", "A.jpg", "a.jpg", "a/b/c.jpg", "é.jpg"}
	err := s.Update(func(tx *state.Tx) error {
		for _, p := range paths {
			if err := tx.PutFile(state.File{Folder: rootA, Path: p}); err != nil {
				return err
			}
		}
		return tx.PutFile(state.File{Folder: rootB, Path: "other.jpg"})
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}

	var got []string
	err = s.ForEachFile(rootA, func(f state.File) error {
		if f.Folder != rootA {
			t.Errorf("file %s has folder %q, want %q", f.Path, f.Folder, rootA)
		}
		got = append(got, f.Path)
		return nil
	})
	if err != nil {
		t.Fatalf("ForEachFile: %v", err)
	}
	want := []string{"A.jpg", "a.jpg", "a/b/c.jpg", "a/z.jpg", "b.jpg", "é.jpg"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ForEachFile order (-want +got):\n%s", diff)
	}

	stop := errors.New("stop here")
	n := 0
	err = s.ForEachFile(rootA, func(state.File) error {
		n++
		if n == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) {
		t.Errorf("ForEachFile returned %v, want the callback's error", err)
	}
	if n != 2 {
		t.Errorf("callback ran %d times, want 2", n)
	}

	if err := s.ForEachFile("/photos/empty", func(state.File) error {
		t.Error("callback ran for a folder without files")
		return nil
	}); err != nil {
		t.Errorf("ForEachFile(empty folder): %v", err)
	}
}

// filesByHashPaths returns "folder:path" of each file with the hash.
func filesByHashPaths(t *testing.T, s *state.Store, sha string) []string {
	t.Helper()
	files, err := s.FilesByHash(sha)
	if err != nil {
		t.Fatalf("FilesByHash(%s): %v", sha[:8], err)
	}
	var out []string
	for _, f := range files {
		if f.SHA256 != sha {
			t.Errorf("FilesByHash(%s) returned %s with hash %s", sha[:8], f.Path, f.SHA256)
		}
		out = append(out, f.Folder+":"+f.Path)
	}
	return out
}

func TestFileHashIndex(t *testing.T) {
	type step struct {
		name string
		run  func(s *state.Store) error
		// want maps a hash digit to the files FilesByHash must return after
		// the step.
		want map[byte][]string
	}
	put := func(folder, path string, digit byte) func(*state.Store) error {
		return func(s *state.Store) error {
			f := state.File{Folder: folder, Path: path}
			if digit != 0 {
				f.SHA256 = hash(digit)
			}
			return s.PutFile(f)
		}
	}
	del := func(folder, path string) func(*state.Store) error {
		return func(s *state.Store) error { return s.DeleteFile(folder, path) }
	}
	steps := []step{
		{"first file", put(rootA, "x.jpg", '1'), map[byte][]string{'1': {rootA + ":x.jpg"}}},
		{"same content elsewhere", put(rootB, "copy/x.jpg", '1'),
			map[byte][]string{'1': {rootA + ":x.jpg", rootB + ":copy/x.jpg"}}},
		{"unhashed file", put(rootA, "y.jpg", 0),
			map[byte][]string{'1': {rootA + ":x.jpg", rootB + ":copy/x.jpg"}}},
		{"hash changes", put(rootA, "x.jpg", '2'),
			map[byte][]string{'1': {rootB + ":copy/x.jpg"}, '2': {rootA + ":x.jpg"}}},
		{"same hash again", put(rootA, "x.jpg", '2'),
			map[byte][]string{'1': {rootB + ":copy/x.jpg"}, '2': {rootA + ":x.jpg"}}},
		{"hash cleared", put(rootA, "x.jpg", 0),
			map[byte][]string{'1': {rootB + ":copy/x.jpg"}, '2': nil}},
		{"unhashed file gets hash", put(rootA, "y.jpg", '1'),
			map[byte][]string{'1': {rootA + ":y.jpg", rootB + ":copy/x.jpg"}}},
		{"delete hashed file", del(rootB, "copy/x.jpg"), map[byte][]string{'1': {rootA + ":y.jpg"}}},
		{"delete missing file", del(rootB, "copy/x.jpg"), map[byte][]string{'1': {rootA + ":y.jpg"}}},
		{"delete unhashed file", del(rootA, "x.jpg"), map[byte][]string{'1': {rootA + ":y.jpg"}, '2': nil}},
		{"delete last file", del(rootA, "y.jpg"), map[byte][]string{'1': nil, '2': nil}},
	}

	s := openStoreWithFolders(t)
	for _, st := range steps {
		if err := st.run(s); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		for digit, want := range st.want {
			if diff := cmp.Diff(want, filesByHashPaths(t, s, hash(digit))); diff != "" {
				t.Errorf("%s: FilesByHash(%c...) (-want +got):\n%s", st.name, digit, diff)
			}
		}
		wantNoProblems(t, s)
	}
}

func TestFilesByHashInvalid(t *testing.T) {
	s, _ := openStore(t)
	for _, sha := range []string{"", "xyz", hash('g')} {
		_, err := s.FilesByHash(sha)
		wantErrorContaining(t, err, "files by hash", "SHA-256")
	}
}

func TestDeleteFileInvalid(t *testing.T) {
	s, _ := openStore(t)
	wantErrorContaining(t, s.DeleteFile("", "a.jpg"), "delete file", "folder ID is empty")
	wantErrorContaining(t, s.DeleteFile(rootA, "../a.jpg"), "delete file", "not a clean relative path")
}

func TestForEachFileWritesDuringWalk(t *testing.T) {
	s := openStoreWithFolders(t)
	err := s.Update(func(tx *state.Tx) error {
		for i := range 500 {
			if err := tx.PutFile(state.File{Folder: rootA, Path: fmt.Sprintf("%03d.jpg", i), SHA256: hash('1')}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// Delete every even file and rewrite every odd one, within the walk.
	var visited []string
	err = s.Update(func(tx *state.Tx) error {
		return tx.ForEachFile(rootA, func(f state.File) error {
			visited = append(visited, f.Path)
			var n int
			fmt.Sscanf(f.Path, "%d.jpg", &n)
			if n%2 == 0 {
				return tx.DeleteFile(rootA, f.Path)
			}
			f.SHA256, f.Status = hash('2'), state.StatusSynced
			return tx.PutFile(f)
		})
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if len(visited) != 500 {
		t.Errorf("walk visited %d files, want 500", len(visited))
	}
	for i := 1; i < len(visited); i++ {
		if visited[i] <= visited[i-1] {
			t.Errorf("walk visited %s after %s", visited[i], visited[i-1])
		}
	}

	n := 0
	err = s.ForEachFile(rootA, func(f state.File) error {
		n++
		if f.Status != state.StatusSynced || f.SHA256 != hash('2') {
			t.Errorf("file %s not rewritten: status %v, hash %s", f.Path, f.Status, f.SHA256[:4])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != 250 {
		t.Errorf("%d files left, want 250", n)
	}
	if files, _ := s.FilesByHash(hash('1')); len(files) != 0 {
		t.Errorf("FilesByHash(old hash) found %d files, want 0", len(files))
	}
	wantNoProblems(t, s)
}

func TestForEachFileAddsDuringWalk(t *testing.T) {
	s := openStoreWithFolders(t)
	if err := s.PutFile(state.File{Folder: rootA, Path: "a"}); err != nil {
		t.Fatal(err)
	}
	var visited []string
	err := s.Update(func(tx *state.Tx) error {
		return tx.ForEachFile(rootA, func(f state.File) error {
			visited = append(visited, f.Path)
			if len(f.Path) < 4 {
				// Add a later path, which the walk reaches next.
				return tx.PutFile(state.File{Folder: rootA, Path: f.Path + "a"})
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a", "aa", "aaa", "aaaa"}, visited); diff != "" {
		t.Errorf("visited (-want +got):\n%s", diff)
	}
}
