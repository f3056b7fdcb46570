package scan

import (
	"fmt"
	"path/filepath"
	"runtime"
	"time"
)

// maxDepth bounds how deep the walk descends. Real photo trees are a few
// levels deep, so the bound is a backstop for a file system that reports no
// file identity, where os.SameFile cannot see a repeated directory.
//
// NOTE: on such a file system, two links that both loop make the walk
// branch at every level, so the bound limits the depth but not the time.
const maxDepth = 256

// withDefaults returns a copy of o with zero fields set to their defaults,
// or an error naming the invalid option.
func (o Options) withDefaults() (Options, error) {
	if o.Root == "" {
		return o, fmt.Errorf("missing root: set Options.Root to the folder's absolute path")
	}
	if !filepath.IsAbs(o.Root) {
		return o, fmt.Errorf("root %q is relative: set Options.Root to an absolute path", o.Root)
	}
	if o.SettleTime < 0 {
		return o, fmt.Errorf("settle time %v is negative: use zero to disable the check", o.SettleTime)
	}
	if o.HashWorkers <= 0 {
		o.HashWorkers = runtime.NumCPU()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o, nil
}
