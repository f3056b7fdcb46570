// Package reliability measures photosync's safety claims end to end. Its
// tests build the real binary once, run it against an emulator started in
// the test process over HTTP on loopback, and break the run on purpose:
//
//   - crash trials kill `photosync sync` and `photosync daemon` with
//     SIGKILL at seeded random moments and restart them. They run over
//     upload-only, download-only and two-way folders, inside resumable
//     upload sessions and inside the body of a large download. After each
//     restart they check that every local photo is in the library exactly
//     once, in its album, and that every remote addition is downloaded
//     once into its album's directory. They also check that no temporary
//     file is left or sits under a real name, that no byte upload was
//     repeated that the persisted state could have avoided, and that
//     `photosync state check` is clean;
//   - the remote-fault matrix makes the emulator answer with server errors,
//     quota errors, dropped connections, slow answers, expired upload
//     tokens, per-item failures, a full storage and a revoked refresh
//     token, each alone and mixed;
//   - hostile local input feeds the binary odd names, odd files, a missing
//     disk and damaged state, config and token files, and checks that the
//     message is clear, the exit code right, and the tree untouched.
//
// The package has no code of its own beyond this documentation. The
// default `go test` runs a few trials of each; scripts/crash.sh runs many,
// and docs/RELIABILITY.md records the figures.
package reliability
