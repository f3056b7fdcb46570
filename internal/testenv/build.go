// Package testenv sets up the tests that run the real photosync binary
// against an emulator on 127.0.0.1. It builds the binary, starts the
// emulator, writes credentials and a config, and runs commands in an
// isolated environment. It also reads the emulator's inspection API and
// checks that a local tree is in the library exactly once. Only tests
// import it, and every helper fails the test through the testing.TB it is
// given.
package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// BuildBinary builds the photosync command from pkg, a package directory
// relative to the working directory, into a new temporary directory. It is
// meant for TestMain, which has no testing.TB, so it returns an error
// instead of failing a test. The cleanup removes the directory.
func BuildBinary(pkg string) (binary string, cleanup func(), err error) {
	dir, err := os.MkdirTemp("", "photosync-test-")
	if err != nil {
		return "", nil, fmt.Errorf("create build directory: %w", err)
	}
	cleanup = func() { os.RemoveAll(dir) }
	binary = filepath.Join(dir, "photosync")
	build := exec.Command("go", "build", "-o", binary, pkg)
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		cleanup()
		return "", nil, fmt.Errorf("build photosync from %s: %w", pkg, err)
	}
	return binary, cleanup, nil
}
