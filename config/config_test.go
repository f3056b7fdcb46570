package config

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// testEnv is the environment the tests parse with, so that results do not
// depend on the machine running them.
func testEnv(vars map[string]string) lookupFunc {
	return func(name string) (string, bool) {
		value, ok := vars[name]
		return value, ok
	}
}

var homeOnly = testEnv(map[string]string{"HOME": "/home/user"})

// wantDefaults returns the Config that a file with just the given folders
// yields under homeOnly.
func wantDefaults(folders ...Folder) *Config {
	cfg := defaults()
	cfg.File = "config.yaml"
	cfg.StateDir = "/home/user/.local/state/photosync"
	cfg.Socket = "/home/user/.local/state/photosync/photosync.sock"
	cfg.API.UploadEndpoint = "https://photoslibrary.googleapis.com/v1/uploads"
	cfg.API.CredentialsFile = "/home/user/.config/photosync/client_secret.json"
	cfg.API.TokenFile = "/home/user/.config/photosync/token.json"
	cfg.Folders = folders
	return &cfg
}

func folderAt(path string) Folder {
	f := folderDefaults()
	f.Path = path
	return f
}

func TestParseValid(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		env  lookupFunc
		want func(*Config)
	}{
		{
			name: "empty file",
			yaml: "",
			want: func(*Config) {},
		},
		{
			name: "comments only",
			yaml: "# nothing here\n",
			want: func(*Config) {},
		},
		{
			name: "nulls keep defaults",
			yaml: "state_dir: ~\nworkers:\nlog: {level: null}\n",
			want: func(*Config) {},
		},
		{
			name: "every key",
			yaml: `
state_dir: /var/lib/photosync
socket: /run/photosync.sock
api:
  endpoint: http://127.0.0.1:8080
  upload_endpoint: http://127.0.0.1:8080/upload
  auth_url: http://localhost:8080/auth
  token_url: http://[::1]:8080/token
  revoke_url: http://[::1]:8080/revoke
  credentials_file: /etc/photosync/client.json
  token_file: /etc/photosync/token.json
folders:
  - path: /srv/photos
    mode: upload-only
    include: ["**/*.jpg", "**/*.{mp4,mov}"]
    exclude: ["tmp/**"]
    remote_delete: never
    root_album: 2024
    follow_symlinks: true
    delete_threshold: 0.25
poll_interval: 1m
full_poll_interval: 12h
scan_interval: 30m
settle_time: 2s
workers: 8
quota: {daily_limit: 5000, poll_reserve: 0}
log: {level: debug, format: json}
`,
			want: func(c *Config) {
				c.StateDir = "/var/lib/photosync"
				c.Socket = "/run/photosync.sock"
				c.API = API{
					Endpoint:        "http://127.0.0.1:8080/",
					UploadEndpoint:  "http://127.0.0.1:8080/upload",
					AuthURL:         "http://localhost:8080/auth",
					TokenURL:        "http://[::1]:8080/token",
					RevokeURL:       "http://[::1]:8080/revoke",
					CredentialsFile: "/etc/photosync/client.json",
					TokenFile:       "/etc/photosync/token.json",
				}
				c.Folders = []Folder{{
					Path:            "/srv/photos",
					Mode:            ModeUploadOnly,
					Include:         []string{"**/*.jpg", "**/*.{mp4,mov}"},
					Exclude:         []string{"tmp/**"},
					RemoteDelete:    RemoteDeleteNever,
					RootAlbum:       "2024",
					FollowSymlinks:  true,
					DeleteThreshold: 0.25,
				}}
				c.PollInterval = time.Minute
				c.FullPollInterval = 12 * time.Hour
				c.ScanInterval = 30 * time.Minute
				c.SettleTime = 2 * time.Second
				c.Workers = 8
				c.Quota = Quota{DailyLimit: 5000}
				c.Log = Log{Level: "debug", Format: "json"}
			},
		},
		{
			name: "folder defaults",
			yaml: "folders:\n  - path: /a\n  - path: /b\n    mode: download-only\n",
			want: func(c *Config) {
				b := folderAt("/b")
				b.Mode = ModeDownloadOnly
				c.Folders = []Folder{folderAt("/a"), b}
			},
		},
		{
			name: "home and variables expand",
			yaml: "state_dir: ~/state\nfolders:\n  - path: $PHOTOS/a\n  - path: ${PHOTOS}/b/../c/\n",
			env:  testEnv(map[string]string{"HOME": "/home/user", "PHOTOS": "/data/photos"}),
			want: func(c *Config) {
				c.StateDir = "/home/user/state"
				c.Socket = "/home/user/state/photosync.sock"
				c.Folders = []Folder{folderAt("/data/photos/a"), folderAt("/data/photos/c")}
			},
		},
		{
			name: "XDG directories",
			yaml: "",
			env: testEnv(map[string]string{
				"HOME":            "/home/user",
				"XDG_STATE_HOME":  "/xdg/state",
				"XDG_CONFIG_HOME": "/xdg/config",
				"XDG_RUNTIME_DIR": "/run/user/1000",
			}),
			want: func(c *Config) {
				c.StateDir = "/xdg/state/photosync"
				c.Socket = "/run/user/1000/photosync.sock"
				c.API.CredentialsFile = "/xdg/config/photosync/client_secret.json"
				c.API.TokenFile = "/xdg/config/photosync/token.json"
			},
		},
		{
			name: "relative XDG directories are ignored",
			yaml: "",
			env: testEnv(map[string]string{
				"HOME":            "/home/user",
				"XDG_STATE_HOME":  "state",
				"XDG_RUNTIME_DIR": "run",
			}),
			want: func(*Config) {},
		},
		{
			name: "sibling folders with a shared prefix",
			yaml: "folders: [{path: /photos}, {path: /photos2}]\n",
			want: func(c *Config) {
				c.Folders = []Folder{folderAt("/photos"), folderAt("/photos2")}
			},
		},
		{
			name: "anchors and aliases",
			yaml: "folders:\n  - path: /a\n    exclude: &skip [\"tmp/**\"]\n  - path: /b\n    exclude: *skip\n",
			want: func(c *Config) {
				a, b := folderAt("/a"), folderAt("/b")
				a.Exclude = []string{"tmp/**"}
				b.Exclude = []string{"tmp/**"}
				c.Folders = []Folder{a, b}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := tc.env
			if env == nil {
				env = homeOnly
			}
			got, err := parse("config.yaml", []byte(tc.yaml), env)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			want := wantDefaults()
			tc.want(want)
			if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("config mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseInvalid(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		env  lookupFunc
		// want lists substrings of the error message, each of which must
		// appear.
		want []string
	}{
		{"unknown key", "workers: 2\nworker: 3\n",
			nil, []string{`config.yaml:2: unknown key "worker" (did you mean "workers"?)`}},
		{"unknown nested key", "api:\n  endpiont: https://x/\n",
			nil, []string{`config.yaml:2: unknown key "api.endpiont" (did you mean "api.endpoint"?)`}},
		{"key at wrong level", "endpoint: https://x/\n",
			nil, []string{`config.yaml:1: unknown key "endpoint" (did you mean "api.endpoint"?)`}},
		{"unknown key without guess", "colour: blue\n",
			nil, []string{`config.yaml:1: unknown key "colour"`}},
		{"unknown folder key", "folders:\n  - path: /a\n    mod: two-way\n",
			nil, []string{`config.yaml:3: unknown key "folders[0].mod" (did you mean "folders[0].mode"?)`}},
		{"duplicate key", "workers: 2\nworkers: 3\n",
			nil, []string{`config.yaml:2: duplicate key "workers" (first set on line 1)`}},
		{"merge key", "base: &b {workers: 2}\n<<: *b\n",
			nil, []string{`config.yaml:2: merge keys (<<) are not supported`}},
		{"syntax error", "workers: 2\n  bad: [\n",
			nil, []string{"config.yaml:2: invalid YAML"}},
		{"unquoted glob", "folders:\n  - path: /a\n    include: [**/*.jpg]\n",
			nil, []string{"config.yaml:3: invalid YAML"}},
		{"two documents", "workers: 2\n---\nworkers: 3\n",
			nil, []string{"config.yaml:2: a second YAML document"}},
		{"top level list", "- a\n",
			nil, []string{"config.yaml:1: must be a mapping"}},
		{"wrong type int", "workers: four\n",
			nil, []string{`config.yaml:1: workers: invalid integer "four"`}},
		{"float for int", "workers: 2.5\n",
			nil, []string{`config.yaml:1: workers: invalid integer "2.5"`}},
		{"mapping for scalar", "workers: {a: 1}\n",
			nil, []string{`config.yaml:1: workers: must be a single value, not a mapping`}},
		{"bare number duration", "poll_interval: 300\n",
			nil, []string{`config.yaml:1: poll_interval: invalid duration "300"`}},
		{"bad bool", "folders:\n  - path: /a\n    follow_symlinks: yes\n",
			nil, []string{`config.yaml:3: folders[0].follow_symlinks: invalid boolean "yes": write true or false`}},
		{"scalar for list", "folders:\n  - path: /a\n    include: \"**/*.jpg\"\n",
			nil, []string{`config.yaml:3: folders[0].include: must be a list`}},
		{"folders as mapping", "folders:\n  path: /a\n",
			nil, []string{`config.yaml:2: folders: must be a list`}},
		{"bad mode", "folders:\n  - path: /a\n    mode: two_way\n",
			nil, []string{`config.yaml:3: folders[0].mode: invalid value "two_way": use one of two-way, upload-only, download-only`}},
		{"bad remote delete", "folders:\n  - path: /a\n    remote_delete: library\n",
			nil, []string{`config.yaml:3: folders[0].remote_delete: invalid value "library": use one of album, never`}},
		{"bad glob", "folders:\n  - path: /a\n    exclude: [\"ok/**\", \"[a\"]\n",
			nil, []string{`config.yaml:3: folders[0].exclude[1]: invalid glob pattern "[a"`}},
		{"absolute glob", "folders:\n  - path: /a\n    include: [\"/x/*.jpg\"]\n",
			nil, []string{`folders[0].include[0]: pattern "/x/*.jpg" starts with /`}},
		{"empty glob", "folders:\n  - path: /a\n    include: [\"\"]\n",
			nil, []string{`folders[0].include[0]: empty pattern`}},
		{"threshold above one", "folders:\n  - path: /a\n    delete_threshold: 1.5\n",
			nil, []string{`config.yaml:3: folders[0].delete_threshold: 1.5 is out of range`}},
		{"threshold not a number", "folders:\n  - path: /a\n    delete_threshold: .nan\n",
			nil, []string{`folders[0].delete_threshold: invalid number ".nan"`}},
		{"slash in root album", "folders:\n  - path: /a\n    root_album: a/b\n",
			nil, []string{`config.yaml:3: folders[0].root_album: title "a/b" contains /`}},
		{"missing folder path", "folders:\n  - mode: two-way\n",
			nil, []string{`config.yaml:2: folders[0]: path is missing`}},
		{"relative folder path", "folders:\n  - path: photos\n",
			nil, []string{`config.yaml:2: folders[0].path: path "photos" is not absolute`}},
		{"unset variable", "folders:\n  - path: $NOPE/a\n",
			nil, []string{`folders[0].path: path "$NOPE/a" uses environment variable NOPE, which is unset or empty`}},
		{"tilde user", "state_dir: ~bob/state\n",
			nil, []string{`config.yaml:1: state_dir: path "~bob/state": the ~user form is not supported`}},
		{"no home", "state_dir: ~/state\n",
			testEnv(nil), []string{`state_dir: expand "~/state": find home directory: HOME is unset`}},
		{"no default without home", "",
			testEnv(nil), []string{`config.yaml: state_dir: no default: find home directory`}},
		{"duplicate folder", "folders:\n  - path: /a\n  - path: /a/\n",
			nil, []string{`config.yaml:3: folders[1].path: folder "/a" is listed twice (also folders[0].path)`}},
		{"nested folder", "folders:\n  - path: /a/b\n  - path: /a\n",
			nil, []string{`config.yaml:3: folders[1].path: folder "/a" overlaps "/a/b" (folders[0].path)`}},
		{"state dir in folder", "state_dir: /a/state\nfolders:\n  - path: /a\n",
			nil, []string{`config.yaml:3: folders[0].path: folder "/a" contains the state directory "/a/state"`}},
		{"long socket", "socket: /" + strings.Repeat("s", 110) + "\n",
			nil, []string{`config.yaml:1: socket: path "/sss`, `is 111 bytes long`}},
		{"bad URL", "api:\n  endpoint: photoslibrary.googleapis.com\n",
			nil, []string{`config.yaml:2: api.endpoint: invalid URL "photoslibrary.googleapis.com"`}},
		{"plain http remote", "api:\n  token_url: http://example.com/token\n",
			nil, []string{`config.yaml:2: api.token_url: URL "http://example.com/token" uses plain http`}},
		{"short poll", "poll_interval: 5s\n",
			nil, []string{`config.yaml:1: poll_interval: 5s is too short; use at least 30s`}},
		{"full poll below poll", "poll_interval: 1h\nfull_poll_interval: 30m\n",
			nil, []string{`config.yaml:2: full_poll_interval: 30m0s is too short; use at least 1h0m0s`}},
		{"negative settle", "settle_time: -1s\n",
			nil, []string{`settle_time: -1s is too short`}},
		{"zero workers", "workers: 0\n",
			nil, []string{`config.yaml:1: workers: 0 is out of range; use 1 to 64`}},
		{"reserve above limit", "quota: {daily_limit: 100, poll_reserve: 100}\n",
			nil, []string{`config.yaml:1: quota.poll_reserve: 100 is out of range`}},
		{"bad log level", "log:\n  level: verbose\n",
			nil, []string{`config.yaml:2: log.level: invalid value "verbose": use one of debug, info, warn, error`}},
		{"bad log format", "log:\n  format: text\n",
			nil, []string{`config.yaml:2: log.format: invalid value "text": use one of auto, console, json`}},
		{"every problem reported", "worker: 1\ncolour: red\n",
			nil, []string{`config.yaml:1: unknown key "worker"`, `config.yaml:2: unknown key "colour"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := tc.env
			if env == nil {
				env = homeOnly
			}
			cfg, err := parse("config.yaml", []byte(tc.yaml), env)
			if err == nil {
				t.Fatalf("parse succeeded with %+v, want an error", cfg)
			}
			var configErr *Error
			if !errors.As(err, &configErr) {
				t.Errorf("error %q is a %T, want a *config.Error", err, err)
			}
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error does not contain %q:\n%v", want, err)
				}
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	path := t.TempDir() + "/absent.yaml"
	_, err := Load(path)
	if err == nil {
		t.Fatal("Load of a missing file succeeded")
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not name the file %q", err, path)
	}
}

func TestErrorFormat(t *testing.T) {
	tests := []struct {
		name string
		err  Error
		want string
	}{
		{"line and key", Error{File: "c.yaml", Line: 3, Key: "workers", Message: "bad"}, "c.yaml:3: workers: bad"},
		{"no line", Error{File: "c.yaml", Key: "workers", Message: "bad"}, "c.yaml: workers: bad"},
		{"no key", Error{File: "c.yaml", Line: 1, Message: "bad"}, "c.yaml:1: bad"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.err.Error(); got != tc.want {
				t.Errorf("Error() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestParseAliasExpansionLimit(t *testing.T) {
	var b strings.Builder
	b.WriteString("folders:\n  - path: /f0\n    include: &list [")
	for i := range 1000 {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(`"a"`)
	}
	b.WriteString("]\n")
	for i := 1; i < 200; i++ {
		fmt.Fprintf(&b, "  - {path: /f%d, include: *list}\n", i)
	}
	_, err := parse("config.yaml", []byte(b.String()), homeOnly)
	if err == nil {
		t.Fatal("parse succeeded, want the value limit error")
	}
	if want := "expands to more than 100000 values"; !strings.Contains(err.Error(), want) {
		t.Errorf("error does not contain %q: %v", want, err)
	}
	if strings.Count(err.Error(), "\n") != 0 {
		t.Errorf("error lists more than one problem: %v", err)
	}
}
