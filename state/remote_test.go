package state_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/photosync/photosync/state"
)

func TestMediaItemRoundTrip(t *testing.T) {
	s, _ := openStore(t)
	want := state.MediaItem{
		ID:        "AKmedia1",
		SHA256:    hash('c'),
		Filename:  "beach.jpg",
		MimeType:  "image/jpeg",
		AlbumIDs:  []string{"ALB1", "ALB2"},
		CreatedAt: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC),
		Origin:    state.OriginDownloaded,
	}
	if err := s.PutMediaItem(want); err != nil {
		t.Fatalf("PutMediaItem: %v", err)
	}
	got, ok, err := s.GetMediaItem(want.ID)
	if err != nil || !ok {
		t.Fatalf("GetMediaItem = %v, %v; want the item", ok, err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GetMediaItem mismatch (-want +got):\n%s", diff)
	}
	if _, ok, err := s.GetMediaItem("unknown"); ok || err != nil {
		t.Errorf("GetMediaItem(unknown) = %v, %v; want not found", ok, err)
	}
}

func TestMediaItemHashIndex(t *testing.T) {
	s, _ := openStore(t)
	byHash := func(digit byte) string {
		t.Helper()
		m, ok, err := s.MediaItemByHash(hash(digit))
		if err != nil {
			t.Fatalf("MediaItemByHash(%c...): %v", digit, err)
		}
		if !ok {
			return ""
		}
		return m.ID
	}
	steps := []struct {
		name string
		run  func() error
		want map[byte]string
	}{
		{"put", func() error { return s.PutMediaItem(state.MediaItem{ID: "m2", SHA256: hash('1')}) },
			map[byte]string{'1': "m2"}},
		{"second item, same hash", func() error { return s.PutMediaItem(state.MediaItem{ID: "m1", SHA256: hash('1')}) },
			map[byte]string{'1': "m1"}},
		{"hash changes", func() error { return s.PutMediaItem(state.MediaItem{ID: "m1", SHA256: hash('2')}) },
			map[byte]string{'1': "m2", '2': "m1"}},
		{"hash cleared", func() error { return s.PutMediaItem(state.MediaItem{ID: "m2"}) },
			map[byte]string{'1': "", '2': "m1"}},
		{"delete", func() error { return s.DeleteMediaItem("m1") }, map[byte]string{'1': "", '2': ""}},
		{"delete again", func() error { return s.DeleteMediaItem("m1") }, map[byte]string{'2': ""}},
	}
	for _, st := range steps {
		if err := st.run(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		for digit, want := range st.want {
			if got := byHash(digit); got != want {
				t.Errorf("%s: MediaItemByHash(%c...) = %q, want %q", st.name, digit, got, want)
			}
		}
		wantNoProblems(t, s)
	}
	if _, ok, err := s.GetMediaItem("m1"); ok || err != nil {
		t.Errorf("GetMediaItem(deleted) = %v, %v; want not found", ok, err)
	}
}

func TestForEachMediaItem(t *testing.T) {
	s, _ := openStore(t)
	for _, id := range []string{"c", "a", "b"} {
		if err := s.PutMediaItem(state.MediaItem{ID: id}); err != nil {
			t.Fatalf("PutMediaItem(%s): %v", id, err)
		}
	}
	var ids []string
	err := s.ForEachMediaItem(func(m state.MediaItem) error {
		ids = append(ids, m.ID)
		return nil
	})
	if err != nil {
		t.Fatalf("ForEachMediaItem: %v", err)
	}
	if diff := cmp.Diff([]string{"a", "b", "c"}, ids); diff != "" {
		t.Errorf("ForEachMediaItem IDs (-want +got):\n%s", diff)
	}
}

func TestMediaItemInvalid(t *testing.T) {
	s, _ := openStore(t)
	wantErrorContaining(t, s.PutMediaItem(state.MediaItem{}), "put media item", "media item ID is empty")
	wantErrorContaining(t, s.PutMediaItem(state.MediaItem{ID: "m", SHA256: "zz"}), "put media item", "media item m", "SHA-256")
	wantErrorContaining(t, s.PutMediaItem(state.MediaItem{ID: "m", Origin: 5}), "invalid origin")
	wantErrorContaining(t, s.DeleteMediaItem(""), "delete media item", "empty")
	_, _, err := s.MediaItemByHash("")
	wantErrorContaining(t, err, "media item by hash", "SHA-256 is empty")
}

func TestAlbumDirIndex(t *testing.T) {
	s, _ := openStore(t)
	lookup := func(folder, dir string, overflow int) string {
		t.Helper()
		a, ok, err := s.AlbumForDir(folder, dir, overflow)
		if err != nil {
			t.Fatalf("AlbumForDir(%s, %s, %d): %v", folder, dir, overflow, err)
		}
		if !ok {
			return ""
		}
		return a.ID
	}
	type query struct {
		folder, dir string
		overflow    int
		want        string
	}
	steps := []struct {
		name    string
		album   state.Album
		wantErr string
		queries []query
	}{
		{"first album", state.Album{ID: "A", Title: "Trips", Folder: rootA, Dir: "Trips"}, "",
			[]query{{rootA, "Trips", 0, "A"}, {rootA, "Trips", 1, ""}, {rootB, "Trips", 0, ""}}},
		{"overflow album", state.Album{ID: "B", Title: "Trips (2)", Folder: rootA, Dir: "Trips", Overflow: 1}, "",
			[]query{{rootA, "Trips", 0, "A"}, {rootA, "Trips", 1, "B"}}},
		{"same dir in other folder", state.Album{ID: "C", Folder: rootB, Dir: "Trips"}, "",
			[]query{{rootA, "Trips", 0, "A"}, {rootB, "Trips", 0, "C"}}},
		{"taken dir", state.Album{ID: "D", Folder: rootA, Dir: "Trips"}, "album A already mirrors directory",
			[]query{{rootA, "Trips", 0, "A"}}},
		{"album moves", state.Album{ID: "A", Folder: rootA, Dir: "Trips/2024"}, "",
			[]query{{rootA, "Trips", 0, ""}, {rootA, "Trips/2024", 0, "A"}}},
		{"taken dir now free", state.Album{ID: "D", Folder: rootA, Dir: "Trips"}, "",
			[]query{{rootA, "Trips", 0, "D"}}},
		{"album detached", state.Album{ID: "A", Title: "Trips 2024"}, "",
			[]query{{rootA, "Trips/2024", 0, ""}}},
		{"prefix dir", state.Album{ID: "E", Folder: rootA, Dir: "Trip"}, "",
			[]query{{rootA, "Trip", 0, "E"}, {rootA, "Trips", 0, "D"}}},
		{"root of folder", state.Album{ID: "R", Folder: rootA}, "",
			[]query{{rootA, "", 0, "R"}, {rootB, "", 0, ""}, {rootA, "Trip", 0, "E"}}},
		{"root overflow", state.Album{ID: "R2", Folder: rootA, Overflow: 1}, "",
			[]query{{rootA, "", 0, "R"}, {rootA, "", 1, "R2"}}},
	}
	for _, st := range steps {
		err := s.PutAlbum(st.album)
		if st.wantErr != "" {
			wantErrorContaining(t, err, st.wantErr)
		} else if err != nil {
			t.Fatalf("%s: PutAlbum: %v", st.name, err)
		}
		for _, q := range st.queries {
			if got := lookup(q.folder, q.dir, q.overflow); got != q.want {
				t.Errorf("%s: AlbumForDir(%s, %s, %d) = %q, want %q", st.name, q.folder, q.dir, q.overflow, got, q.want)
			}
		}
		wantNoProblems(t, s)
	}
}

func TestAlbumRoundTrip(t *testing.T) {
	s, _ := openStore(t)
	want := state.Album{
		ID: "ALB", Title: "Trips/2024", Folder: rootA, Dir: "Trips/2024", Overflow: 2,
		ItemCount: 20000, CoverID: "m1", RemoteTitle: "Renamed", UpdatedAt: testNow,
	}
	if err := s.PutAlbum(want); err != nil {
		t.Fatalf("PutAlbum: %v", err)
	}
	got, ok, err := s.GetAlbum("ALB")
	if err != nil || !ok {
		t.Fatalf("GetAlbum = %v, %v; want the album", ok, err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GetAlbum mismatch (-want +got):\n%s", diff)
	}

	var ids []string
	if err := s.PutAlbum(state.Album{ID: "AAA"}); err != nil {
		t.Fatalf("PutAlbum: %v", err)
	}
	err = s.ForEachAlbum(func(a state.Album) error {
		ids = append(ids, a.ID)
		return nil
	})
	if err != nil {
		t.Fatalf("ForEachAlbum: %v", err)
	}
	if diff := cmp.Diff([]string{"AAA", "ALB"}, ids); diff != "" {
		t.Errorf("ForEachAlbum IDs (-want +got):\n%s", diff)
	}
}

func TestAlbumInvalid(t *testing.T) {
	s, _ := openStore(t)
	tests := []struct {
		album state.Album
		want  string
	}{
		{state.Album{}, "album ID is empty"},
		{state.Album{ID: "A", Dir: "x"}, "set without a folder"},
		{state.Album{ID: "A", Folder: "rel", Dir: "x"}, "not an absolute path"},
		{state.Album{ID: "A", Folder: rootA, Dir: "x", Overflow: -1}, "overflow number -1 is negative"},
		{state.Album{ID: "A", ItemCount: -3}, "item count -3 is negative"},
	}
	for _, tc := range tests {
		wantErrorContaining(t, s.PutAlbum(tc.album), "put album", tc.want)
	}
	_, _, err := s.AlbumForDir(rootA, "/x", 0)
	wantErrorContaining(t, err, "album for directory", "not a clean relative path")
	_, _, err = s.AlbumForDir(rootA, "x", -1)
	wantErrorContaining(t, err, "overflow number -1 is out of range")
}

func TestUploadLifecycle(t *testing.T) {
	s, _ := openStore(t)
	want := state.Upload{
		SHA256: hash('d'), Folder: rootA, Path: "v.mp4", FileName: "v.mp4", MimeType: "video/mp4",
		Size: 1 << 30, SessionURL: "http://127.0.0.1:9/upload?id=1", SessionStarted: testNow,
		Stage: state.StageSending, Attempts: 1, LastError: "connection reset",
	}
	if err := s.PutUpload(want); err != nil {
		t.Fatalf("PutUpload: %v", err)
	}
	want.Token, want.TokenCreated, want.Stage = "tok", testNow.Add(time.Minute), state.StageUploaded
	if err := s.PutUpload(want); err != nil {
		t.Fatalf("PutUpload: %v", err)
	}
	if err := s.PutUpload(state.Upload{SHA256: hash('e'), Stage: state.StageCreating}); err != nil {
		t.Fatalf("PutUpload: %v", err)
	}

	got, ok, err := s.GetUpload(want.SHA256)
	if err != nil || !ok {
		t.Fatalf("GetUpload = %v, %v; want the upload", ok, err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GetUpload mismatch (-want +got):\n%s", diff)
	}

	var stages []state.UploadStage
	err = s.ForEachUpload(func(u state.Upload) error {
		stages = append(stages, u.Stage)
		return nil
	})
	if err != nil {
		t.Fatalf("ForEachUpload: %v", err)
	}
	if diff := cmp.Diff([]state.UploadStage{state.StageUploaded, state.StageCreating}, stages); diff != "" {
		t.Errorf("ForEachUpload stages (-want +got):\n%s", diff)
	}

	if err := s.DeleteUpload(want.SHA256); err != nil {
		t.Fatalf("DeleteUpload: %v", err)
	}
	if err := s.DeleteUpload(want.SHA256); err != nil {
		t.Errorf("DeleteUpload(deleted): %v", err)
	}
	if _, ok, err := s.GetUpload(want.SHA256); ok || err != nil {
		t.Errorf("GetUpload(deleted) = %v, %v; want not found", ok, err)
	}

	wantErrorContaining(t, s.PutUpload(state.Upload{}), "put upload", "SHA-256 is empty")
	wantErrorContaining(t, s.PutUpload(state.Upload{SHA256: hash('f'), Stage: 9}), "invalid stage UploadStage(9)")
	wantErrorContaining(t, s.PutUpload(state.Upload{SHA256: hash('f'), Size: -2}), "size -2 is negative")
	wantErrorContaining(t, s.PutUpload(state.Upload{SHA256: hash('f'), Attempts: -1}), "attempt count -1")
}

func TestTombstoneRoundTrip(t *testing.T) {
	s, _ := openStore(t)
	want := state.Tombstone{MediaItemID: "m1", Folder: rootA, Path: "gone.jpg", DeletedAt: testNow}
	if err := s.PutTombstone(want); err != nil {
		t.Fatalf("PutTombstone: %v", err)
	}
	got, ok, err := s.GetTombstone("m1")
	if err != nil || !ok {
		t.Fatalf("GetTombstone = %v, %v; want the tombstone", ok, err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GetTombstone mismatch (-want +got):\n%s", diff)
	}
	if _, ok, err := s.GetTombstone("m2"); ok || err != nil {
		t.Errorf("GetTombstone(unknown) = %v, %v; want not found", ok, err)
	}
	if err := s.PutTombstone(state.Tombstone{MediaItemID: "m0", Folder: rootB, Path: "x.jpg"}); err != nil {
		t.Fatalf("PutTombstone: %v", err)
	}

	var ids []string
	err = s.ForEachTombstone(func(ts state.Tombstone) error {
		ids = append(ids, ts.MediaItemID)
		return nil
	})
	if err != nil {
		t.Fatalf("ForEachTombstone: %v", err)
	}
	if diff := cmp.Diff([]string{"m0", "m1"}, ids); diff != "" {
		t.Errorf("ForEachTombstone IDs (-want +got):\n%s", diff)
	}

	if err := s.DeleteTombstone("m1"); err != nil {
		t.Fatalf("DeleteTombstone: %v", err)
	}
	if _, ok, err := s.GetTombstone("m1"); ok || err != nil {
		t.Errorf("GetTombstone(deleted) = %v, %v; want not found", ok, err)
	}
	if err := s.DeleteTombstone("m1"); err != nil {
		t.Errorf("DeleteTombstone(deleted): %v", err)
	}

	wantErrorContaining(t, s.PutTombstone(state.Tombstone{}), "put tombstone", "media item ID is empty")
	wantErrorContaining(t, s.DeleteTombstone(""), "delete tombstone", "media item ID is empty")
}

func TestRequestCounts(t *testing.T) {
	s, _ := openStore(t)
	day := state.QuotaDay(testNow)
	if err := s.AddRequests(day, map[string]int{"mediaItems.list": 3, "upload": 10}); err != nil {
		t.Fatalf("AddRequests: %v", err)
	}
	if err := s.AddRequests(day, map[string]int{"upload": 5, "mediaItems.batchCreate": 1}); err != nil {
		t.Fatalf("AddRequests: %v", err)
	}
	if err := s.AddRequests("2026-05-18", map[string]int{"upload": 100}); err != nil {
		t.Fatalf("AddRequests: %v", err)
	}

	total, byMethod, err := s.Requests(day)
	if err != nil {
		t.Fatalf("Requests: %v", err)
	}
	if total != 19 {
		t.Errorf("total = %d, want 19", total)
	}
	want := map[string]int{"mediaItems.list": 3, "upload": 15, "mediaItems.batchCreate": 1}
	if diff := cmp.Diff(want, byMethod); diff != "" {
		t.Errorf("byMethod (-want +got):\n%s", diff)
	}

	total, byMethod, err = s.Requests("2020-01-01")
	if err != nil || total != 0 || len(byMethod) != 0 {
		t.Errorf("Requests(empty day) = %d, %v, %v; want 0, empty, nil", total, byMethod, err)
	}

	wantErrorContaining(t, s.AddRequests("2026-5-1", nil), "add requests", `day "2026-5-1" is not a date`)
	wantErrorContaining(t, s.AddRequests(day, map[string]int{"": 1}), "method name is empty")
	wantErrorContaining(t, s.AddRequests(day, map[string]int{"upload": -1}), "count -1 for upload is negative")
	_, _, err = s.Requests("today")
	wantErrorContaining(t, err, "requests", `day "today"`)

	// A rejected call added nothing.
	if total, _, _ := s.Requests(day); total != 19 {
		t.Errorf("total after rejected calls = %d, want 19", total)
	}
}

func TestMetaRoundTrip(t *testing.T) {
	s, _ := openStore(t)
	if _, ok, err := s.GetMeta("client_id"); ok || err != nil {
		t.Errorf("GetMeta(unset) = %v, %v; want not set", ok, err)
	}
	if err := s.PutMeta("client_id", "abc.apps.example"); err != nil {
		t.Fatalf("PutMeta: %v", err)
	}
	if err := s.PutMeta("empty", ""); err != nil {
		t.Fatalf("PutMeta: %v", err)
	}
	if v, ok, err := s.GetMeta("client_id"); v != "abc.apps.example" || !ok || err != nil {
		t.Errorf("GetMeta = %q, %v, %v; want the value", v, ok, err)
	}
	if v, ok, err := s.GetMeta("empty"); v != "" || !ok || err != nil {
		t.Errorf("GetMeta(empty value) = %q, %v, %v; want set and empty", v, ok, err)
	}
	// A setting cannot overwrite the schema version.
	if err := s.PutMeta("schema_version", "99"); err != nil {
		t.Fatalf("PutMeta: %v", err)
	}
	wantNoProblems(t, s)
	if err := s.DeleteMeta("client_id"); err != nil {
		t.Fatalf("DeleteMeta: %v", err)
	}
	if _, ok, err := s.GetMeta("client_id"); ok || err != nil {
		t.Errorf("GetMeta(deleted) = %v, %v; want not set", ok, err)
	}
	if err := s.DeleteMeta("client_id"); err != nil {
		t.Errorf("DeleteMeta(unset): %v", err)
	}
	wantErrorContaining(t, s.DeleteMeta(""), "delete meta", "key is empty")
	wantErrorContaining(t, s.PutMeta("", "x"), "put meta", "key is empty")
	_, _, err := s.GetMeta("")
	wantErrorContaining(t, err, "get meta", "key is empty")
}

func TestUpdateCommitsTogether(t *testing.T) {
	s := openStoreWithFolders(t)
	failure := errors.New("batchCreate journal full")
	err := s.Update(func(tx *state.Tx) error {
		if err := tx.PutFile(state.File{Folder: rootA, Path: "a.jpg", SHA256: hash('1')}); err != nil {
			return err
		}
		if err := tx.PutMediaItem(state.MediaItem{ID: "m", SHA256: hash('1')}); err != nil {
			return err
		}
		return failure
	})
	if !errors.Is(err, failure) {
		t.Fatalf("Update returned %v, want the function's error", err)
	}
	if _, ok, _ := s.GetFile(rootA, "a.jpg"); ok {
		t.Error("file of a rolled-back transaction exists")
	}
	if files, _ := s.FilesByHash(hash('1')); len(files) != 0 {
		t.Error("hash index entry of a rolled-back transaction exists")
	}
	if _, ok, _ := s.GetMediaItem("m"); ok {
		t.Error("media item of a rolled-back transaction exists")
	}

	// Inside the transaction, its own writes are visible.
	err = s.Update(func(tx *state.Tx) error {
		if err := tx.PutFile(state.File{Folder: rootA, Path: "a.jpg", SHA256: hash('1')}); err != nil {
			return err
		}
		files, err := tx.FilesByHash(hash('1'))
		if err != nil {
			return err
		}
		if len(files) != 1 {
			t.Errorf("FilesByHash inside the transaction found %d files, want 1", len(files))
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
}

func TestUpdatePanicRollsBack(t *testing.T) {
	s := openStoreWithFolders(t)
	func() {
		defer func() {
			if r := recover(); r != "caller bug" {
				t.Errorf("recovered %v, want the caller's panic value", r)
			}
		}()
		s.Update(func(tx *state.Tx) error {
			if err := tx.PutFile(state.File{Folder: rootA, Path: "a.jpg"}); err != nil {
				t.Errorf("PutFile: %v", err)
			}
			panic("caller bug")
		})
	}()
	if _, ok, err := s.GetFile(rootA, "a.jpg"); ok || err != nil {
		t.Errorf("GetFile after panic = %v, %v; want not found", ok, err)
	}
	// The store still works.
	if err := s.PutFile(state.File{Folder: rootA, Path: "b.jpg"}); err != nil {
		t.Errorf("PutFile after panic: %v", err)
	}
}

func TestViewRejectsWrites(t *testing.T) {
	s := openStoreWithFolders(t)
	writes := map[string]func(tx *state.Tx) error{
		"PutFolder":       func(tx *state.Tx) error { return tx.PutFolder(state.Folder{ID: rootA}) },
		"PutFile":         func(tx *state.Tx) error { return tx.PutFile(state.File{Folder: rootA, Path: "a"}) },
		"DeleteFile":      func(tx *state.Tx) error { return tx.DeleteFile(rootA, "a") },
		"PutMediaItem":    func(tx *state.Tx) error { return tx.PutMediaItem(state.MediaItem{ID: "m"}) },
		"DeleteMediaItem": func(tx *state.Tx) error { return tx.DeleteMediaItem("m") },
		"MergeMediaItem":  func(tx *state.Tx) error { return tx.MergeMediaItem(state.MediaItem{ID: "m"}) },
		"PutAlbum":        func(tx *state.Tx) error { return tx.PutAlbum(state.Album{ID: "a"}) },
		"PutUpload":       func(tx *state.Tx) error { return tx.PutUpload(state.Upload{SHA256: hash('1')}) },
		"DeleteUpload":    func(tx *state.Tx) error { return tx.DeleteUpload(hash('1')) },
		"PutTombstone":    func(tx *state.Tx) error { return tx.PutTombstone(state.Tombstone{MediaItemID: "m"}) },
		"DeleteTombstone": func(tx *state.Tx) error { return tx.DeleteTombstone("m") },
		"AddRequests":     func(tx *state.Tx) error { return tx.AddRequests("2026-01-01", nil) },
		"PutMeta":         func(tx *state.Tx) error { return tx.PutMeta("k", "v") },
		"DeleteMeta":      func(tx *state.Tx) error { return tx.DeleteMeta("k") },
	}
	for name, write := range writes {
		err := s.View(write)
		wantErrorContaining(t, err, "transaction is read-only")
		if err == nil {
			t.Errorf("%s in View succeeded", name)
		}
	}
}

func TestMergeMediaItem(t *testing.T) {
	s, _ := openStore(t)
	created := testNow.Add(-time.Hour)
	stored := state.MediaItem{ID: "m1", Filename: "a.jpg", MimeType: "image/jpeg", CreatedAt: created,
		AlbumIDs: []string{"A1"}, Origin: state.OriginDownloaded}
	if err := s.PutMediaItem(stored); err != nil {
		t.Fatal(err)
	}
	err := s.Update(func(tx *state.Tx) error {
		return tx.MergeMediaItem(state.MediaItem{ID: "m1", SHA256: hash('a'), Filename: "b.jpg",
			CreatedAt: testNow, AlbumIDs: []string{"A1", "A2"}})
	})
	if err != nil {
		t.Fatalf("MergeMediaItem of a stored item: %v", err)
	}
	want := stored
	want.SHA256, want.AlbumIDs = hash('a'), []string{"A1", "A2"}
	got, _, err := s.GetMediaItem("m1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("merged media item (-want +got):\n%s", diff)
	}
	if byHash, ok, err := s.MediaItemByHash(hash('a')); err != nil || !ok || byHash.ID != "m1" {
		t.Errorf("MediaItemByHash after merge = %q, %v, %v; want m1", byHash.ID, ok, err)
	}

	// A stored hash stays, and a new item is stored as given.
	err = s.Update(func(tx *state.Tx) error {
		if err := tx.MergeMediaItem(state.MediaItem{ID: "m1", SHA256: hash('b')}); err != nil {
			return err
		}
		return tx.MergeMediaItem(state.MediaItem{ID: "m2", SHA256: hash('c'), Filename: "c.jpg", CreatedAt: testNow})
	})
	if err != nil {
		t.Fatalf("MergeMediaItem: %v", err)
	}
	if got, _, _ := s.GetMediaItem("m1"); got.SHA256 != hash('a') {
		t.Errorf("merge replaced the stored hash with %q", got.SHA256)
	}
	wantNew := state.MediaItem{ID: "m2", SHA256: hash('c'), Filename: "c.jpg", CreatedAt: testNow}
	if got, _, _ := s.GetMediaItem("m2"); !cmp.Equal(wantNew, got) {
		t.Errorf("merged new item = %+v, want %+v", got, wantNew)
	}
	if _, ok, _ := s.MediaItemByHash(hash('b')); ok {
		t.Error("the hash index has the hash that the merge did not store")
	}
	wantNoProblems(t, s)

	err = s.Update(func(tx *state.Tx) error { return tx.MergeMediaItem(state.MediaItem{}) })
	wantErrorContaining(t, err, "merge media item", "media item ID is empty")
}
