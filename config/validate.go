package config

import (
	"fmt"
	"math"
	"net"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/bmatcuk/doublestar/v4"
)

// Lower bounds for the intervals. They keep a typo such as "5s" for "5m"
// from spending the daily quota or keeping the disk busy.
const (
	// minPollInterval allows at most 2,880 polls a day, under a third of
	// the default daily quota.
	minPollInterval = 30 * time.Second
	// minScanInterval keeps full rescans from running back to back.
	minScanInterval = time.Minute
	// minSettleTime is the smallest wait that still catches a file being
	// written, because modification times on some file systems have
	// one-second resolution.
	minSettleTime = time.Second
	// maxWorkers bounds parallel transfers. More only adds contention for
	// the same network link and request quota.
	maxWorkers = 64
	// maxSocketPath is the longest Unix socket path that works on both
	// Linux (108-byte sun_path) and macOS (104-byte sun_path), leaving room
	// for the terminating NUL byte.
	maxSocketPath = 103
)

// validator fills the path defaults and checks every value, reporting
// problems through the decoder so that they carry the line of the value.
type validator struct {
	*decoder
	env lookupFunc
}

func (v *validator) validate(cfg *Config) {
	v.paths(cfg)
	v.api(&cfg.API)
	v.intervals(cfg)
	v.limits(cfg)
	v.log(&cfg.Log)
	for i := range cfg.Folders {
		v.folder(&cfg.Folders[i], fmt.Sprintf("folders[%d]", i))
	}
	v.folderOverlaps(cfg)
}

// failKey reports a problem with the value of key at the line that set it.
func (v *validator) failKey(key, format string, args ...any) {
	v.fail(v.lines[key], key, format, args...)
}

// path expands *p, or sets it to fallback when the file left it empty.
func (v *validator) path(key string, p *string, fallback func() (string, error)) {
	if *p == "" {
		value, err := fallback()
		if err != nil {
			v.failKey(key, "no default: %v; set %s in the file", err, key)
			return
		}
		*p = value
		return
	}
	expanded, err := expandPath(*p, v.env)
	if err != nil {
		v.failKey(key, "%v", err)
		return
	}
	*p = expanded
}

func (v *validator) paths(cfg *Config) {
	v.path("state_dir", &cfg.StateDir, func() (string, error) { return defaultStateDir(v.env) })
	v.path("socket", &cfg.Socket, func() (string, error) { return defaultSocket(v.env, cfg.StateDir), nil })
	if len(cfg.Socket) > maxSocketPath {
		v.failKey("socket", "path %q is %d bytes long, but Unix sockets allow at most %d; choose a shorter path",
			cfg.Socket, len(cfg.Socket), maxSocketPath)
	}

	configDir := func(name string) func() (string, error) {
		return func() (string, error) {
			dir, err := defaultConfigDir(v.env)
			return filepath.Join(dir, name), err
		}
	}
	v.path("api.credentials_file", &cfg.API.CredentialsFile, configDir(defaultCredentialsName))
	v.path("api.token_file", &cfg.API.TokenFile, configDir(defaultTokenName))
}

func (v *validator) api(api *API) {
	v.url("api.endpoint", api.Endpoint)
	v.url("api.auth_url", api.AuthURL)
	v.url("api.token_url", api.TokenURL)
	v.url("api.revoke_url", api.RevokeURL)

	if !strings.HasSuffix(api.Endpoint, "/") {
		api.Endpoint += "/"
	}
	if api.UploadEndpoint == "" {
		api.UploadEndpoint = api.Endpoint + uploadPath
	} else {
		v.url("api.upload_endpoint", api.UploadEndpoint)
	}
}

// url checks that raw is an absolute https URL, or an http URL on a
// loopback address, which is how the emulator listens. Plain http elsewhere
// would send OAuth tokens in the clear.
func (v *validator) url(key, raw string) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		v.failKey(key, "invalid URL %q: write an absolute https:// URL", raw)
		return
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		v.failKey(key, "URL %q uses plain http to a host that is not loopback; use https", raw)
	}
}

// isLoopback reports whether host is "localhost" or a loopback IP address.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (v *validator) intervals(cfg *Config) {
	v.atLeast("poll_interval", cfg.PollInterval, minPollInterval)
	v.atLeast("full_poll_interval", cfg.FullPollInterval, cfg.PollInterval)
	v.atLeast("scan_interval", cfg.ScanInterval, minScanInterval)
	v.atLeast("settle_time", cfg.SettleTime, minSettleTime)
}

func (v *validator) atLeast(key string, value, minimum time.Duration) {
	if value < minimum {
		v.failKey(key, "%s is too short; use at least %s", value, minimum)
	}
}

func (v *validator) limits(cfg *Config) {
	if cfg.Workers < 1 || cfg.Workers > maxWorkers {
		v.failKey("workers", "%d is out of range; use 1 to %d", cfg.Workers, maxWorkers)
	}
	if cfg.Quota.DailyLimit < 1 {
		v.failKey("quota.daily_limit", "%d is out of range; use a positive number of requests", cfg.Quota.DailyLimit)
	}
	if cfg.Quota.PollReserve < 0 || cfg.Quota.PollReserve >= cfg.Quota.DailyLimit {
		v.failKey("quota.poll_reserve", "%d is out of range; use 0 up to quota.daily_limit (%d), exclusive",
			cfg.Quota.PollReserve, cfg.Quota.DailyLimit)
	}
}

func (v *validator) log(l *Log) {
	v.oneOf("log.level", l.Level, LogLevels)
	v.oneOf("log.format", l.Format, LogFormats)
}

func (v *validator) oneOf(key, value string, allowed []string) {
	if !slices.Contains(allowed, value) {
		v.failKey(key, "invalid value %q: use one of %s", value, strings.Join(allowed, ", "))
	}
}

func (v *validator) folder(f *Folder, key string) {
	if f.Path == "" {
		v.fail(v.lines[key], key, "path is missing; every folder needs an absolute path")
	} else if expanded, err := expandPath(f.Path, v.env); err != nil {
		v.failKey(key+".path", "%v", err)
	} else {
		f.Path = expanded
	}

	v.oneOf(key+".mode", string(f.Mode),
		[]string{string(ModeTwoWay), string(ModeUploadOnly), string(ModeDownloadOnly)})
	v.oneOf(key+".remote_delete", string(f.RemoteDelete),
		[]string{string(RemoteDeleteAlbum), string(RemoteDeleteNever)})
	v.patterns(key+".include", f.Include)
	v.patterns(key+".exclude", f.Exclude)

	if math.IsNaN(f.DeleteThreshold) || f.DeleteThreshold < 0 || f.DeleteThreshold > 1 {
		v.failKey(key+".delete_threshold", "%v is out of range; use a share from 0 to 1, such as 0.5 for half",
			f.DeleteThreshold)
	}
	if strings.Contains(f.RootAlbum, "/") {
		// Slashes in album titles map back to nested folders, so a root
		// album with one would come back as a subfolder on another install.
		v.failKey(key+".root_album", "title %q contains /; use a title without it", f.RootAlbum)
	}
}

func (v *validator) patterns(key string, patterns []string) {
	for i, pattern := range patterns {
		itemKey := fmt.Sprintf("%s[%d]", key, i)
		switch {
		case pattern == "":
			v.failKey(itemKey, "empty pattern; remove it")
		case strings.HasPrefix(pattern, "/"):
			v.failKey(itemKey, "pattern %q starts with /, but patterns match paths relative to the folder root; drop the /", pattern)
		case !doublestar.ValidatePattern(pattern):
			v.failKey(itemKey, "invalid glob pattern %q: check its brackets and braces", pattern)
		}
	}
}

// folderOverlaps rejects folders that are the same, lie inside one another,
// or contain the state directory: either would make photosync sync its own
// files or sync one file twice.
func (v *validator) folderOverlaps(cfg *Config) {
	for i, a := range cfg.Folders {
		if !filepath.IsAbs(a.Path) {
			continue // Already reported.
		}
		keyA := fmt.Sprintf("folders[%d].path", i)
		if within(cfg.StateDir, a.Path) {
			v.failKey(keyA, "folder %q contains the state directory %q; move state_dir out of it", a.Path, cfg.StateDir)
		}
		for j, b := range cfg.Folders[:i] {
			keyB := fmt.Sprintf("folders[%d].path", j)
			switch {
			case a.Path == b.Path:
				v.failKey(keyA, "folder %q is listed twice (also %s); remove one", a.Path, keyB)
			case within(a.Path, b.Path) || within(b.Path, a.Path):
				v.failKey(keyA, "folder %q overlaps %q (%s); folders must not lie inside one another",
					a.Path, b.Path, keyB)
			}
		}
	}
}

// within reports whether path is dir or lies inside it. Both are clean and
// absolute.
func within(path, dir string) bool {
	if path == dir {
		return true
	}
	if dir != "/" {
		dir += "/"
	}
	return strings.HasPrefix(path, dir)
}
