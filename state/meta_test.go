package state_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/photosync/photosync/state"
)

func TestForEachMetaVisitsOnlyThePrefix(t *testing.T) {
	s, _ := openStore(t)
	err := s.Update(func(tx *state.Tx) error {
		for _, k := range []string{"a\x00x", "a\x00y", "b\x00x", "a"} {
			if err := tx.PutMeta(k, "v-"+k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	err = s.View(func(tx *state.Tx) error {
		return tx.ForEachMeta("a\x00", func(k, v string) error {
			got[k] = v
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a\x00x": "v-a\x00x", "a\x00y": "v-a\x00y"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ForEachMeta (-want +got):\n%s", diff)
	}
}
