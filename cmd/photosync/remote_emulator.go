package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/rs/zerolog"
	"golang.org/x/oauth2"

	"github.com/photosync/photosync/config"
	"github.com/photosync/photosync/photosapi/emulator"
)

// Layout of <state_dir>/emulator/, the embedded emulator's directory.
const (
	emulatorDirName = "emulator"
	// emulatorDataDirName holds the emulator's own state and bytes.
	emulatorDataDirName = "data"
	// emulatorClientFileName holds the OAuth client and refresh token that
	// photosync presents to the embedded emulator.
	emulatorClientFileName = "client.json"
)

// emulatorClient is the OAuth identity photosync uses with the embedded
// emulator. It is made up once and kept, because the emulator shows each
// client id only the items it created.
type emulatorClient struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	RefreshToken string `json:"refresh_token"`
}

// openEmulatorRemote starts an emulator that keeps its library under
// <state_dir>/emulator/ and connects to it on a free loopback port.
func openEmulatorRemote(ctx context.Context, cfg *config.Config, log zerolog.Logger) (*remote, error) {
	dir := filepath.Join(cfg.StateDir, emulatorDirName)
	dataDir := filepath.Join(dir, emulatorDataDirName)
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fatalError(fmt.Errorf("create emulator directory: %w", err))
	}
	client, err := loadEmulatorClient(filepath.Join(dir, emulatorClientFileName))
	if err != nil {
		return nil, fatalError(err)
	}

	// The notice below replaces the emulator's own start and stop lines.
	running, err := emulator.Start(emulator.Options{DataDir: dataDir, Logger: log.Level(zerolog.WarnLevel)},
		"127.0.0.1:0")
	if err != nil {
		return nil, fatalError(err)
	}
	// One notice on stderr is enough, and it reaches the journal of a
	// service as well, so the log line is only for debugging.
	fmt.Fprintf(os.Stderr, "photosync: --emulator: NOT talking to Google Photos; every change goes to "+
		"an emulated library at %s, stored in %s\n", running.URL, dataDir)
	log.Debug().Str("url", running.URL).Str(logKeyPath, dataDir).Msg("using the embedded emulator, not Google Photos")

	r := &remote{clientID: client.ClientID, emulatorURL: running.URL}
	r.closers = append(r.closers, running.Close)
	endpoint := oauth2.Endpoint{
		AuthURL:  running.URL + "/o/oauth2/v2/auth",
		TokenURL: running.URL + "/token",
	}
	creds := clientCredentials{ClientID: client.ClientID, ClientSecret: client.ClientSecret}
	token := &oauth2.Token{RefreshToken: client.RefreshToken}
	tokens := newTokenSource(ctx, creds, endpoint, token, "", log)
	if err := r.connect(running.URL+"/", "", tokens, log); err != nil {
		return nil, errors.Join(err, r.Close())
	}
	return r, nil
}

// loadEmulatorClient reads the emulator client file at path, creating it
// with random values and mode 0600 when it does not exist.
func loadEmulatorClient(path string) (emulatorClient, error) {
	data, err := readPrivateFile(path, "emulator client file")
	if err == nil {
		var client emulatorClient
		if err := json.Unmarshal(data, &client); err != nil || client.ClientID == "" || client.RefreshToken == "" {
			return emulatorClient{}, fmt.Errorf("emulator client file %s is damaged; delete it to start with a new client and an empty view of the emulated library", path)
		}
		return client, nil
	}
	if _, statErr := os.Stat(path); !errors.Is(statErr, fs.ErrNotExist) {
		return emulatorClient{}, err
	}

	client := emulatorClient{
		ClientID:     "photosync-emulator-" + rand.Text() + ".apps.googleusercontent.com",
		ClientSecret: rand.Text(),
		RefreshToken: rand.Text(),
	}
	data, err = json.MarshalIndent(client, "", "  ")
	if err != nil {
		return emulatorClient{}, fmt.Errorf("encode emulator client: %w", err)
	}
	if err := writeFileAtomic(path, append(data, '\n')); err != nil {
		return emulatorClient{}, fmt.Errorf("create emulator client: %w", err)
	}
	return client, nil
}
