package main

import (
	"runtime/debug"
	"testing"
)

func TestTuneGCRespectsGOGC(t *testing.T) {
	old := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(old) })

	t.Setenv("GOGC", "")
	tuneGC()
	if got := debug.SetGCPercent(100); got != gcPercent {
		t.Errorf("GC percent without GOGC = %d, want %d", got, gcPercent)
	}

	t.Setenv("GOGC", "200")
	debug.SetGCPercent(200)
	tuneGC()
	if got := debug.SetGCPercent(100); got != 200 {
		t.Errorf("GC percent with GOGC=200 = %d, want 200, the user's choice", got)
	}
}
