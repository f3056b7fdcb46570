//go:build !linux && !darwin

package daemon

import (
	"errors"
	"net"
)

// peerUID fails on systems where the daemon cannot read a peer's user id,
// so that the status socket rejects every connection there rather than
// trust the file mode alone.
func peerUID(net.Conn) (int, error) {
	return 0, errors.New("peer credentials: not supported on this system")
}
