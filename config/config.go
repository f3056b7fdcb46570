package config

import "time"

// Config is a loaded, validated and fully defaulted configuration file. The
// yaml tags are the key names of the file format.
type Config struct {
	// File is the path the configuration was loaded from, for messages.
	File string `yaml:"-"`

	// StateDir is the directory holding the state store, its lock file and
	// the embedded emulator's data.
	StateDir string `yaml:"state_dir"`

	// Socket is the path of the Unix socket that serves the daemon's status.
	Socket string `yaml:"socket"`

	// API configures how photosync reaches the Library API and Google's
	// OAuth endpoints.
	API API `yaml:"api"`

	// Folders are the local folders kept in step with the account. They are
	// distinct and none lies inside another.
	Folders []Folder `yaml:"folders"`

	// PollInterval is the time between two polls for remote changes.
	PollInterval time.Duration `yaml:"poll_interval"`

	// FullPollInterval is the time between two complete listings of the
	// remote library, which catch changes that the cheaper polls miss.
	FullPollInterval time.Duration `yaml:"full_poll_interval"`

	// ScanInterval is the time between two full rescans of every folder, a
	// safety net for file system events that the watcher missed.
	ScanInterval time.Duration `yaml:"scan_interval"`

	// SettleTime is how long a file must keep its size and modification
	// time before it is uploaded, so that files still being written are
	// left alone.
	SettleTime time.Duration `yaml:"settle_time"`

	// Workers is the number of byte uploads and downloads that run at once.
	Workers int `yaml:"workers"`

	// Quota sets the daily request budget.
	Quota Quota `yaml:"quota"`

	// Log sets the level and format of the log output.
	Log Log `yaml:"log"`
}

// API holds the endpoints and credential files for the Library API.
type API struct {
	// Endpoint is the base URL of the Library API, ending in a slash.
	Endpoint string `yaml:"endpoint"`

	// UploadEndpoint is the full URL of the byte upload endpoint. It
	// defaults to Endpoint followed by "v1/uploads".
	UploadEndpoint string `yaml:"upload_endpoint"`

	// AuthURL is the OAuth authorization endpoint that a login opens in
	// the browser.
	AuthURL string `yaml:"auth_url"`

	// TokenURL is the OAuth token endpoint.
	TokenURL string `yaml:"token_url"`

	// RevokeURL is the OAuth revocation endpoint that a logout sends the
	// refresh token to.
	RevokeURL string `yaml:"revoke_url"`

	// CredentialsFile is the OAuth client file (client_secret.json) that
	// Google's console offers for download for an installed app.
	CredentialsFile string `yaml:"credentials_file"`

	// TokenFile is the file holding the OAuth access and refresh tokens.
	TokenFile string `yaml:"token_file"`
}

// Folder is one local folder kept in step with the account.
type Folder struct {
	// Path is the absolute, cleaned root of the folder. It identifies the
	// folder in the state store.
	Path string `yaml:"path"`

	// Mode is the direction in which changes flow.
	Mode Mode `yaml:"mode"`

	// Include lists glob patterns of files to sync. An empty list selects
	// every file. Patterns are github.com/bmatcuk/doublestar/v4 globs
	// matched against the slash-separated path relative to the folder
	// root, and a pattern that matches a directory applies to everything
	// below it. Package sync/scan applies them, and Parse only checks their
	// syntax.
	Include []string `yaml:"include"`

	// Exclude lists glob patterns, written as for Include, of files and
	// directories to leave alone. Exclude wins over Include.
	Exclude []string `yaml:"exclude"`

	// RemoteDelete is the action that a local deletion takes on the
	// remote item.
	RemoteDelete RemoteDelete `yaml:"remote_delete"`

	// RootAlbum is the title of the album for files at the folder root.
	// Empty means those files go to the library without an album.
	RootAlbum string `yaml:"root_album"`

	// FollowSymlinks reports whether the scan follows symbolic links to
	// files and directories.
	FollowSymlinks bool `yaml:"follow_symlinks"`

	// DeleteThreshold is the share, from 0 to 1, of the folder's items that
	// one pass may remove from albums. A pass that would remove more pauses
	// the folder until the user confirms.
	DeleteThreshold float64 `yaml:"delete_threshold"`
}

// Mode is the direction in which a folder syncs.
type Mode string

// The folder modes.
const (
	// ModeTwoWay uploads local changes and downloads remote ones.
	ModeTwoWay Mode = "two-way"
	// ModeUploadOnly uploads local changes and ignores remote ones.
	ModeUploadOnly Mode = "upload-only"
	// ModeDownloadOnly downloads remote changes and ignores local ones.
	ModeDownloadOnly Mode = "download-only"
)

// Uploads reports whether the mode sends local changes to the account.
func (m Mode) Uploads() bool { return m == ModeTwoWay || m == ModeUploadOnly }

// Downloads reports whether the mode brings remote changes to the folder.
func (m Mode) Downloads() bool { return m == ModeTwoWay || m == ModeDownloadOnly }

// RemoteDelete is what a local deletion does on the remote side. The API
// cannot delete media items, so the strongest action is removing the item
// from its album.
type RemoteDelete string

// The remote deletion policies.
const (
	// RemoteDeleteAlbum removes the item from the folder's album.
	RemoteDeleteAlbum RemoteDelete = "album"
	// RemoteDeleteNever leaves the remote item where it is.
	RemoteDeleteNever RemoteDelete = "never"
)

// Quota is the daily request budget. Google counts requests per project per
// day, byte uploads included, and resets the count at midnight Pacific time.
type Quota struct {
	// DailyLimit is the number of API requests allowed per day.
	DailyLimit int `yaml:"daily_limit"`

	// PollReserve is the number of requests each day kept back for polling,
	// so that a large upload never blinds photosync to remote changes.
	PollReserve int `yaml:"poll_reserve"`
}

// Log sets the log output.
type Log struct {
	// Level is the least severe level written: debug, info, warn or error.
	Level string `yaml:"level"`

	// Format is console (human-readable), json, or auto, which picks
	// console on a terminal and json otherwise.
	Format string `yaml:"format"`
}

// The log levels and formats that Log accepts.
var (
	LogLevels  = []string{"debug", "info", "warn", "error"}
	LogFormats = []string{"auto", "console", "json"}
)
