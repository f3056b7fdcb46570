package systemd

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
)

// execStartBinary matches the program of an ExecStart line.
var execStartBinary = regexp.MustCompile(`(?m)^ExecStart=\S+`)

// TestUnitsPassSystemdVerify runs systemd-analyze verify on copies of the
// units, as .ci/run does. verify fails on a missing ExecStart program, so
// the copies start this test binary in place of the install path. verify
// only warns about unknown keys and bad values, so any output fails.
func TestUnitsPassSystemdVerify(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed; .ci/run installs it and runs the same check")
	}
	program, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, path := range unitPaths {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		copied := execStartBinary.ReplaceAll(data, []byte("ExecStart="+program))
		if err := os.WriteFile(filepath.Join(dir, path), copied, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The user manager's verify needs a runtime directory.
	runtimeDir := filepath.Join(dir, "runtime")
	if err := os.Mkdir(runtimeDir, 0o700); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		args []string
	}{
		{"user unit", []string{"--user", "verify", "./photosync.service"}},
		{"template unit", []string{"verify", "./photosync@.service", "./photosync@alice.service"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(analyze, tc.args...)
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "XDG_RUNTIME_DIR="+runtimeDir)
			output, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("systemd-analyze %v: %v\n%s", tc.args, err, output)
			}
			if len(output) > 0 {
				t.Errorf("systemd-analyze %v reported problems:\n%s", tc.args, output)
			}
		})
	}
}
