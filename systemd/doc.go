// Package systemd holds the service definitions of the photosync daemon and
// the tests that check them. It has no Go API.
//
//   - photosync.service is a systemd user unit, run by the user's service
//     manager (systemctl --user).
//   - photosync@.service is a system template unit: photosync@NAME runs the
//     daemon as the Unix user NAME, with its state in /var/lib/photosync/NAME.
//   - com.github.photosync.plist is a launchd agent for macOS.
//
// The tests parse the files: every key of the units must be a systemd
// directive, the units must use Type=notify and start "photosync daemon",
// and the plist must be a well-formed property list with the keys launchd
// needs. Where systemd-analyze is installed, the tests also run
// systemd-analyze verify on both units. The CI script installs it and runs
// the same check, and xmllint on the plist.
package systemd
