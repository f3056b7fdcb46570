package daemon

import (
	"encoding/json"
	"testing"
)

func TestStateTextRoundTrip(t *testing.T) {
	for s := StateIdle; s <= StateMissingRoot; s++ {
		text, err := s.MarshalText()
		if err != nil {
			t.Fatalf("%d: MarshalText: %v", s, err)
		}
		var back State
		if err := back.UnmarshalText(text); err != nil {
			t.Fatalf("%s: UnmarshalText: %v", text, err)
		}
		if back != s {
			t.Errorf("%s: round trip gave %v", text, back)
		}
	}
}

func TestStateUnknownName(t *testing.T) {
	var st FolderStatus
	if err := json.Unmarshal([]byte(`{"state":"defragmenting"}`), &st); err != nil {
		t.Fatalf("unmarshal a state from a newer daemon: %v", err)
	}
	if got := st.State.String(); got != "State(-1)" {
		t.Errorf("unknown state prints as %q, want State(-1)", got)
	}
}

func TestStateNamesInJSON(t *testing.T) {
	data, err := json.Marshal(FolderStatus{State: StateMissingRoot})
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	if raw["state"] != "missing root" {
		t.Errorf("state in JSON = %v, want \"missing root\"", raw["state"])
	}
	for _, key := range []string{"last_scan", "last_poll", "next_poll", "last_success"} {
		if _, ok := raw[key]; ok {
			t.Errorf("zero %s is in the JSON: %s", key, data)
		}
	}
}

func TestThousands(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want string
	}{
		{0, "0"},
		{999, "999"},
		{1000, "1,000"},
		{1204, "1,204"},
		{1234567, "1,234,567"},
		{-1234, "-1,234"},
	} {
		if got := thousands(tc.n); got != tc.want {
			t.Errorf("thousands(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}
