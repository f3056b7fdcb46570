package bench

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"image"
	"image/jpeg"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"
)

// jpegQuality is the encoder quality of the generated photos. Noise
// compresses badly: at 85, photos of 64×64 pixels average 3.7 KB and
// photos of 16×16 pixels 790 bytes.
const jpegQuality = 85

// TreeOptions describes a tree of generated photos.
type TreeOptions struct {
	// Dirs is the number of sub-directories of the root that hold the
	// photos. The sync engine makes each one an album.
	Dirs int
	// Files is the number of photos, spread evenly over the directories.
	Files int
	// Side is the width and height of each photo in pixels.
	Side int
	// ModTime is the modification time of every photo. A time well in the
	// past makes the files count as settled at once.
	ModTime time.Time
}

// Tree is a tree written by WriteTree.
type Tree struct {
	// Root is the directory that holds the photo directories.
	Root string
	// Files is the number of photos and Bytes their total size.
	Files int
	Bytes int64
	// Paths lists the photos' paths relative to Root, with '/' separators.
	Paths []string
}

// WriteTree writes opts.Files distinct JPEG photos of random pixels under
// root, which must exist, in directories named album00, album01 and so on,
// and returns the tree. The pixels of photo i come from a generator seeded
// with i, so the same options write the same bytes. WriteTree checks that
// no two photos have the same content, because the emulator stores
// identical bytes as one item and that would hide uploads.
func WriteTree(root string, opts TreeOptions) (*Tree, error) {
	if opts.Dirs <= 0 || opts.Files < opts.Dirs {
		return nil, fmt.Errorf("write tree: invalid size of %d files in %d directories: "+
			"use at least one directory and at least one file per directory", opts.Files, opts.Dirs)
	}
	if opts.Side < 8 {
		return nil, fmt.Errorf("write tree: invalid side of %d pixels: use at least 8", opts.Side)
	}
	tree := &Tree{Root: root, Files: opts.Files, Paths: make([]string, 0, opts.Files)}
	seen := make(map[[sha256.Size]byte]int, opts.Files)
	img := image.NewRGBA(image.Rect(0, 0, opts.Side, opts.Side))
	var buf bytes.Buffer
	for d := range opts.Dirs {
		dir := fmt.Sprintf("album%02d", d)
		if err := os.Mkdir(filepath.Join(root, dir), 0o755); err != nil {
			return nil, fmt.Errorf("write tree: %w", err)
		}
	}
	for i := range opts.Files {
		rel := fmt.Sprintf("album%02d/IMG_%06d.jpg", i%opts.Dirs, i)
		rng := rand.New(rand.NewPCG(uint64(i), 0))
		for p := range img.Pix {
			img.Pix[p] = byte(rng.Uint32())
		}
		buf.Reset()
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: jpegQuality}); err != nil {
			return nil, fmt.Errorf("write tree: encode %s: %w", rel, err)
		}
		sum := sha256.Sum256(buf.Bytes())
		if j, dup := seen[sum]; dup {
			return nil, fmt.Errorf("write tree: %s has the same bytes as %s", rel, tree.Paths[j])
		}
		seen[sum] = i
		if err := writeFile(filepath.Join(root, filepath.FromSlash(rel)), buf.Bytes(), opts.ModTime); err != nil {
			return nil, fmt.Errorf("write tree: %w", err)
		}
		tree.Paths = append(tree.Paths, rel)
		tree.Bytes += int64(buf.Len())
	}
	return tree, nil
}

// writeFile creates path with data and, unless modTime is zero, sets its
// access and modification times to modTime.
func writeFile(path string, data []byte, modTime time.Time) error {
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return err
	}
	if modTime.IsZero() {
		return nil
	}
	return os.Chtimes(path, modTime, modTime)
}
