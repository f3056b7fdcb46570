package testenv

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
)

// ResidentKiB returns the resident KiB of the process's maps of the file at
// path, from /proc/self/smaps. It skips the test where the system has no
// /proc/self/smaps.
func ResidentKiB(tb testing.TB, path string) int64 {
	tb.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		tb.Skipf("no /proc/self/smaps: %v", err)
	}
	defer f.Close()
	var total int64
	inFile := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		// A map's header line starts with its address range, such as
		// "7f12a000-7f12c000", and ends with the mapped file.
		if !strings.HasSuffix(fields[0], ":") && strings.Contains(fields[0], "-") {
			inFile = fields[len(fields)-1] == path
			continue
		}
		if inFile && fields[0] == "Rss:" && len(fields) >= 2 {
			kib, err := strconv.ParseInt(fields[1], 10, 64)
			if err != nil {
				tb.Fatalf("smaps line %q: %v", sc.Text(), err)
			}
			total += kib
		}
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return total
}
