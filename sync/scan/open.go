package scan

import (
	"fmt"
	"os"
)

// openRegular opens path for reading with openFlags and checks that it is a
// regular file.
func openRegular(path string) (*os.File, error) {
	f, err := os.OpenFile(path, openFlags, 0)
	if err != nil {
		return nil, err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !info.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s: %w", typeName(info.Mode()), errNotRegular)
	}
	return f, nil
}
