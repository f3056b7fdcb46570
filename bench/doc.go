// Package bench measures the upload direction end to end: the sync engine
// of package sync against the emulator over HTTP on loopback, with a real
// state store and real files. Its benchmarks report ratios measured side by
// side in one run, because the machines that run them are shared and
// absolute times drift with the load:
//
//   - BenchmarkFirstSync syncs a tree of small photos from scratch and
//     compares the files per second with raw uploads of the same bytes at
//     the same number of workers, the most the engine could reach. It also
//     reports the API requests per file, counted by the emulator.
//   - BenchmarkResync runs the pass again over the unchanged tree and
//     compares its time with find(1) listing the same tree with sizes and
//     modification times. It checks that the pass sent nothing and read no
//     file's content.
//   - BenchmarkHashFile compares scan.HashFile with sha256sum(1) on one
//     large file of random bytes.
//
// WriteTree makes the photo trees. The command bench/cmd/benchtree runs it
// for scripts/bench.sh, which also measures the peak memory of the real
// binary and prints the results as a Markdown table. docs/BENCHMARKS.md
// records one run.
//
// Plain `go test ./bench/...` runs only a small smoke test of the same
// code paths, without timing anything.
package bench
