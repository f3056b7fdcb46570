//go:build !unix

package scan

import "os"

// openFlags opens for reading. Systems outside unix have no FIFOs that
// block on open.
const openFlags = os.O_RDONLY
