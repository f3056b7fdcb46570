package state_test

import (
	"fmt"
	"testing"

	"github.com/photosync/photosync/state"
)

func TestEnumStrings(t *testing.T) {
	tests := []struct {
		value fmt.Stringer
		want  string
	}{
		{state.StatusPending, "pending"},
		{state.StatusSynced, "synced"},
		{state.StatusFailed, "failed"},
		{state.StatusSkipped, "skipped"},
		{state.FileStatus(200), "FileStatus(200)"},
		{state.OriginLocal, "local"},
		{state.OriginDownloaded, "downloaded"},
		{state.Origin(9), "Origin(9)"},
		{state.StageSending, "sending"},
		{state.StageUploaded, "uploaded"},
		{state.StageCreating, "creating"},
		{state.UploadStage(3), "UploadStage(3)"},
	}
	for _, tc := range tests {
		if got := tc.value.String(); got != tc.want {
			t.Errorf("%T(%v).String() = %q, want %q", tc.value, tc.value, got, tc.want)
		}
	}
}

func TestProblemString(t *testing.T) {
	tests := []struct {
		p    state.Problem
		want string
	}{
		{state.Problem{Message: "bbolt: page 4: unreachable"}, "bbolt: page 4: unreachable"},
		{state.Problem{Bucket: "extra", Message: "unknown bucket"}, "extra: unknown bucket"},
		{state.Problem{Bucket: "files", Key: "/p/a.jpg", Message: "record does not decode"}, `files "/p/a.jpg": record does not decode`},
	}
	for _, tc := range tests {
		if got := tc.p.String(); got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
		}
	}
}
