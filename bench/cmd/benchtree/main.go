// Command benchtree writes a tree of distinct small JPEG photos for
// scripts/bench.sh, with bench.WriteTree. The photos' modification time is
// one hour in the past, so the sync engine takes them as settled.
//
// Usage:
//
//	benchtree -root DIR [-dirs 20] [-files 10000] [-side 64]
//
// DIR must be an empty directory or not exist yet. The last line of output
// gives the number of files and their total size in bytes.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/photosync/photosync/bench"
)

func main() {
	root := flag.String("root", "", "directory to write the tree into; must be empty or absent")
	dirs := flag.Int("dirs", 20, "number of sub-directories, each one album")
	files := flag.Int("files", 10_000, "number of photos")
	side := flag.Int("side", 64, "width and height of each photo in pixels (64: 3.7 KB on average, 16: 790 bytes)")
	flag.Parse()
	if err := run(*root, bench.TreeOptions{Dirs: *dirs, Files: *files, Side: *side,
		ModTime: time.Now().Add(-time.Hour)}); err != nil {
		fmt.Fprintln(os.Stderr, "benchtree:", err)
		os.Exit(1)
	}
}

func run(root string, opts bench.TreeOptions) error {
	if root == "" {
		return fmt.Errorf("missing -root: name the directory to write the tree into")
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return err
	}
	entries, err := os.ReadDir(root)
	if err != nil {
		return err
	}
	if len(entries) > 0 {
		return fmt.Errorf("root %s is not empty: remove it or name a new directory", root)
	}
	tree, err := bench.WriteTree(root, opts)
	if err != nil {
		return err
	}
	fmt.Printf("%d files, %d bytes\n", tree.Files, tree.Bytes)
	return nil
}
