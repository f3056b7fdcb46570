// Package config loads photosync's YAML configuration file.
//
// Load and Parse decode the file strictly: an unknown or repeated key, a
// value of the wrong type and a value outside its allowed set are errors
// that name the file, the line and the key. Keys left out, set to null or set
// to an empty string take the defaults listed in defaults.go. Paths accept a
// leading ~ and $VAR or ${VAR} references, and must be absolute once
// expanded.
//
// A loaded Config is fully validated and has every default filled in, so
// callers read its fields without further checks. Config values are plain
// data and safe to share between goroutines while no goroutine modifies
// them.
package config
