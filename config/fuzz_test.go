package config

import (
	"errors"
	"testing"
)

// FuzzParse checks that Parse never panics, that every failure is reported
// as *Error with the file name, and that every success is valid. Fuzz it
// with -fuzzminimizetime 2s: minimizing an input grown from the example
// file otherwise stalls the run for minutes.
func FuzzParse(f *testing.F) {
	seeds := []string{
		"",
		"workers: 4\n",
		"folders:\n  - path: /a\n    include: [\"**/*.jpg\"]\n",
		"folders: [{path: /a}, {path: /a/b}]\n",
		"a: &x [*x]\n",
		"x: &a {y: *a}\nworkers: *a\n",
		"<<: {workers: 2}\n",
		"workers: 2\nworkers: 3\n",
		"--- \n...\n---\n",
		"poll_interval: 1e9h\n",
		"folders:\n  - path: ~/\n    delete_threshold: -0\n",
		"api: {endpoint: 'http://[::1]:1/'}\n",
		"? [a]\n: b\n",
		"!!binary gIGC: 1\n",
	}
	for _, seed := range seeds {
		f.Add([]byte(seed))
	}
	example, err := readExampleFile()
	if err == nil {
		f.Add(example)
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := parse("fuzz.yaml", data, homeOnly)
		if err != nil {
			var configErr *Error
			if !errors.As(err, &configErr) {
				t.Fatalf("error %q is a %T, want a *config.Error", err, err)
			}
			if configErr.File != "fuzz.yaml" {
				t.Fatalf("error %q names file %q, want fuzz.yaml", err, configErr.File)
			}
			return
		}
		if cfg.Workers < 1 || cfg.StateDir == "" || cfg.API.UploadEndpoint == "" {
			t.Fatalf("parse accepted an incomplete config: %+v", cfg)
		}
		for i, a := range cfg.Folders {
			for _, b := range cfg.Folders[i+1:] {
				if within(a.Path, b.Path) || within(b.Path, a.Path) {
					t.Fatalf("parse accepted overlapping folders %q and %q", a.Path, b.Path)
				}
			}
		}
	})
}
