package config

import "testing"

func TestFolderMatch(t *testing.T) {
	tests := []struct {
		name    string
		include []string
		exclude []string
		rel     string
		want    bool
	}{
		{"no patterns", nil, nil, "a/b.jpg", true},
		{"include at any depth", []string{"**/*.jpg"}, nil, "a/b/c.jpg", true},
		{"include at root by doublestar", []string{"**/*.jpg"}, nil, "c.jpg", true},
		{"include not matched", []string{"**/*.jpg"}, nil, "a/c.png", false},
		{"single star stays at root", []string{"*.jpg"}, nil, "a/c.jpg", false},
		{"braces", []string{"**/*.{jpg,mp4}"}, nil, "v/clip.mp4", true},
		{"case sensitive", []string{"**/*.jpg"}, nil, "IMG.JPG", false},
		{"exclude wins", []string{"**/*.jpg"}, []string{"tmp/**"}, "tmp/a.jpg", false},
		{"exclude elsewhere", nil, []string{"tmp/**"}, "keep/tmp.jpg", true},
		{"exclude file name", nil, []string{"**/.DS_Store"}, "a/.DS_Store", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := Folder{Include: tc.include, Exclude: tc.exclude}
			if got := f.Match(tc.rel); got != tc.want {
				t.Errorf("Match(%q) = %v, want %v", tc.rel, got, tc.want)
			}
		})
	}
}

func TestFolderSkipDir(t *testing.T) {
	f := Folder{Exclude: []string{"Private/**", "**/cache/**", "**/*.tmp"}}
	tests := []struct {
		rel  string
		want bool
	}{
		{"Private", true},
		{"Trips/Private", false},
		{"a/b/cache", true},
		{"cache", true},
		{"x.tmp", false},
		{"Public", false},
	}
	for _, tc := range tests {
		t.Run(tc.rel, func(t *testing.T) {
			if got := f.SkipDir(tc.rel); got != tc.want {
				t.Errorf("SkipDir(%q) = %v, want %v", tc.rel, got, tc.want)
			}
			if tc.want && f.Match(tc.rel+"/photo.jpg") {
				t.Errorf("SkipDir(%q) is true but Match selects a file inside it", tc.rel)
			}
		})
	}
}
