package scan

import "errors"

// errNotRegular is wrapped by HashFile's error for a path that is not a
// regular file, such as a directory or a FIFO.
var errNotRegular = errors.New("not a regular file")
