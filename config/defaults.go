package config

import (
	"errors"
	"path/filepath"
	"time"
)

// The defaults for keys the file leaves out. Path defaults depend on the
// environment and are computed by defaultStateDir, defaultSocket and
// defaultConfigDir.
const (
	// DefaultEndpoint is the Library API's base URL.
	DefaultEndpoint = "https://photoslibrary.googleapis.com/"
	// DefaultAuthURL is Google's OAuth authorization endpoint.
	DefaultAuthURL = "https://accounts.google.com/o/oauth2/v2/auth"
	// DefaultTokenURL is Google's OAuth token endpoint.
	DefaultTokenURL = "https://oauth2.googleapis.com/token"
	// DefaultRevokeURL is Google's OAuth token revocation endpoint.
	DefaultRevokeURL = "https://oauth2.googleapis.com/revoke"

	// uploadPath is the byte upload endpoint relative to the API endpoint.
	uploadPath = "v1/uploads"

	// appName names the per-user directories and the socket.
	appName = "photosync"

	defaultCredentialsName = "client_secret.json"
	defaultTokenName       = "token.json"
	defaultSocketName      = "photosync.sock"
	defaultConfigName      = "config.yaml"

	// DefaultPollInterval keeps polling to 288 list requests a day, a small
	// part of the 10,000 daily requests.
	DefaultPollInterval = 5 * time.Minute
	// DefaultFullPollInterval lists the whole library once a day.
	DefaultFullPollInterval = 24 * time.Hour
	// DefaultScanInterval rescans every folder hourly in case the watcher
	// missed an event.
	DefaultScanInterval = time.Hour
	// DefaultSettleTime outlasts the pause between writes of a camera
	// import or a file copy over a network share.
	DefaultSettleTime = 10 * time.Second
	// DefaultWorkers is the number of parallel byte transfers. Google's
	// best practices for the Library API ask for serial media item
	// creation but allow parallel byte uploads.
	DefaultWorkers = 4
	// DefaultDailyLimit is Google's default quota of Library API requests
	// per project per day.
	DefaultDailyLimit = 10000
	// DefaultPollReserve keeps a tenth of the default quota for polling.
	DefaultPollReserve = 1000
	// DefaultDeleteThreshold lets one pass remove at most half of a
	// folder's items from albums before the folder pauses.
	DefaultDeleteThreshold = 0.5
	// DefaultMode syncs in both directions.
	DefaultMode = ModeTwoWay
	// DefaultRemoteDelete removes deleted files from their album.
	DefaultRemoteDelete = RemoteDeleteAlbum
	// DefaultLogLevel logs state changes and per-file actions.
	DefaultLogLevel = "info"
	// DefaultLogFormat picks the format from the output.
	DefaultLogFormat = "auto"
)

// defaults returns a Config with every default that does not depend on the
// environment. Paths stay empty until fillPathDefaults.
func defaults() Config {
	return Config{
		API: API{
			Endpoint:  DefaultEndpoint,
			AuthURL:   DefaultAuthURL,
			TokenURL:  DefaultTokenURL,
			RevokeURL: DefaultRevokeURL,
		},
		PollInterval:     DefaultPollInterval,
		FullPollInterval: DefaultFullPollInterval,
		ScanInterval:     DefaultScanInterval,
		SettleTime:       DefaultSettleTime,
		Workers:          DefaultWorkers,
		Quota: Quota{
			DailyLimit:  DefaultDailyLimit,
			PollReserve: DefaultPollReserve,
		},
		Log: Log{Level: DefaultLogLevel, Format: DefaultLogFormat},
	}
}

// folderDefaults returns a Folder with the defaults of every folder key.
func folderDefaults() Folder {
	return Folder{
		Mode:            DefaultMode,
		RemoteDelete:    DefaultRemoteDelete,
		DeleteThreshold: DefaultDeleteThreshold,
	}
}

// DefaultPath returns the config file used when no --config flag is given:
// $XDG_CONFIG_HOME/photosync/config.yaml, else ~/.config/photosync/config.yaml.
func DefaultPath() (string, error) {
	dir, err := defaultConfigDir(osEnv)
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, defaultConfigName), nil
}

// defaultConfigDir returns $XDG_CONFIG_HOME/photosync, else
// ~/.config/photosync.
func defaultConfigDir(env lookupFunc) (string, error) {
	return xdgDir(env, "XDG_CONFIG_HOME", ".config")
}

// defaultStateDir returns $XDG_STATE_HOME/photosync, else
// ~/.local/state/photosync.
func defaultStateDir(env lookupFunc) (string, error) {
	return xdgDir(env, "XDG_STATE_HOME", ".local/state")
}

// defaultSocket returns $XDG_RUNTIME_DIR/photosync.sock, else the socket in
// the state directory.
func defaultSocket(env lookupFunc, stateDir string) string {
	if dir := absEnv(env, "XDG_RUNTIME_DIR"); dir != "" {
		return filepath.Join(dir, defaultSocketName)
	}
	return filepath.Join(stateDir, defaultSocketName)
}

// xdgDir returns the photosync directory under the base directory named by
// the XDG variable, or under fallback in the home directory. The XDG base
// Directory Specification treats a relative value as invalid, so it is
// ignored.
func xdgDir(env lookupFunc, variable, fallback string) (string, error) {
	if dir := absEnv(env, variable); dir != "" {
		return filepath.Join(dir, appName), nil
	}
	home, err := homeDir(env)
	if err != nil {
		return "", err
	}
	return filepath.Join(home, fallback, appName), nil
}

// absEnv returns the variable's value if it is an absolute path, else "".
func absEnv(env lookupFunc, variable string) string {
	value, _ := env(variable)
	if !filepath.IsAbs(value) {
		return ""
	}
	return filepath.Clean(value)
}

// homeDir returns $HOME, which must be an absolute path.
func homeDir(env lookupFunc) (string, error) {
	home := absEnv(env, "HOME")
	if home == "" {
		return "", errors.New("find home directory: HOME is unset or not an absolute path")
	}
	return home, nil
}
