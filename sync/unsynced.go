package sync

import (
	"fmt"
	"io"

	"github.com/photosync/photosync/sync/scan"
)

// unsyncedReasons are the Skipped keys of supported files that a pass
// left for the next run. Unsupported, empty and too large files are
// skipped for good and are not among them.
var unsyncedReasons = []string{
	scan.Unreadable.String(),
	scan.Unsettled.String(),
	reasonChanged,
}

// reasonChanged is the Skipped key of files that changed between the scan
// and their upload.
const reasonChanged = "changed during the sync, retried next run"

// Unsynced returns the number of supported files that the pass skipped
// and the next run tries again: unreadable files, files still being
// written, and files that changed during their upload.
func (s *Summary) Unsynced() int {
	n := 0
	for _, r := range unsyncedReasons {
		n += len(s.Skipped[r])
	}
	return n
}

// skipScanned records a file the scan passed over. The cause of an
// unreadable, unsettled or too large file goes into SkipDetails, and a
// supported file left for the next run is also logged as a warning.
func (s *Syncer) skipScanned(sum *Summary, folder string, sk scan.Skip) {
	sum.skip(folder, sk.Path, sk.Kind.String())
	detail := sk.Reason
	if sk.Err != nil {
		detail += ": " + sk.Err.Error()
	}
	switch sk.Kind {
	case scan.Unreadable, scan.Unsettled, scan.TooLarge:
		sum.add(func(s *Summary) {
			if s.SkipDetails == nil {
				s.SkipDetails = map[string]string{}
			}
			s.SkipDetails[folder+"/"+sk.Path] = detail
		})
	}
	switch sk.Kind {
	case scan.Unreadable, scan.Unsettled:
		s.log.Warn().Err(sk.Err).Str("folder", folder).Str("path", sk.Path).Str("reason", detail).
			Msg("file " + sk.Kind.String() + ", retried next run")
	}
}

// writeDetailedList prints paths as writeList does, each followed by its
// detail when details has one.
func writeDetailedList(w io.Writer, paths []string, details map[string]string) {
	for i, p := range paths {
		if i == maxListed {
			fmt.Fprintf(w, "  ... and %d more\n", len(paths)-maxListed)
			return
		}
		if d, ok := details[p]; ok {
			fmt.Fprintf(w, "  %s: %s\n", p, d)
			continue
		}
		fmt.Fprintf(w, "  %s\n", p)
	}
}
