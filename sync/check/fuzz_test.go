package check

import (
	"bytes"
	"strings"
	"testing"
	"unicode"
)

// FuzzFindingString checks that a finding about any file name prints as
// one line, and that a name without control characters prints unchanged.
func FuzzFindingString(f *testing.F) {
	f.Add("/photos", "Trips/a.jpg", "synced file is gone from disk")
	f.Add("/photos", "a\nb.jpg", "gone\r\n")
	f.Add("/ph\x00otos", "\xff\xfe\u0085.jpg", "\u2028")
	f.Fuzz(func(t *testing.T, folder, path, meaning string) {
		finding := Finding{Kind: KindFileGone, Folder: folder, Path: path, Meaning: meaning, Repair: meaning}
		line := finding.String()
		if strings.ContainsFunc(line, unicode.IsControl) {
			t.Fatalf("String() = %q contains a control character", line)
		}
		where := folder + "/" + path
		if path == "" {
			where = folder
		}
		if where != "" && !strings.ContainsFunc(where, unicode.IsControl) && !strings.Contains(line, where) {
			t.Fatalf("String() = %q does not contain the location %q", line, where)
		}

		report := Report{Findings: []Finding{finding}}
		var out bytes.Buffer
		report.Write(&out)
		if lines := strings.Count(out.String(), "\n"); lines != 2 {
			t.Fatalf("report of one finding has %d lines, want 2:\n%s", lines, out.String())
		}
	})
}
