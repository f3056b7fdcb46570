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

func TestSummaryLine(t *testing.T) {
	for _, tc := range []struct {
		name    string
		folders []FolderStatus
		login   bool
		want    string
	}{
		{"idle", []FolderStatus{{State: StateIdle, InSync: 1204}}, false, "Idle; 1,204 items in sync"},
		{"one item", []FolderStatus{{State: StateIdle, InSync: 1}}, false, "Idle; 1 item in sync"},
		{"uploading", []FolderStatus{
			{State: StateSyncing, InSync: 10, Progress: &Progress{PlannedFiles: 40, DoneFiles: 3}},
			{State: StateIdle, InSync: 5},
		}, false, "Uploading 3/40; 15 items in sync"},
		{"scanning", []FolderStatus{{State: StateScanning, Progress: &Progress{}}}, false, "Scanning; 0 items in sync"},
		{"failed and missing", []FolderStatus{
			{State: StateIdle, InSync: 2, Failed: 1},
			{State: StateMissingRoot},
		}, false, "Idle; 2 items in sync, 1 failed; 1 folder(s) missing"},
		{"login", []FolderStatus{{State: StatePaused, InSync: 7}}, true, "Needs login: run photosync auth login"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := &Daemon{quota: &quotaScheduler{}}
			d.login.needed = tc.login
			for _, st := range tc.folders {
				d.folders = append(d.folders, &folder{status: st})
			}
			if got := d.summaryLocked(); got != tc.want {
				t.Errorf("summary = %q, want %q", got, tc.want)
			}
		})
	}
}
