package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/oauth2"
)

// clientCredentials is the OAuth client of an installed app.
type clientCredentials struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
}

// clientSecretFile is the layout of the client_secret.json file that the
// Google Cloud console offers for download. Desktop apps get "installed".
// The "web" kind is accepted too, because people download it by mistake
// and its client works the same for a token refresh.
type clientSecretFile struct {
	Installed *clientCredentials `json:"installed"`
	Web       *clientCredentials `json:"web"`
}

// tokenFile is the layout of the token file. The field names match
// oauth2.Token's JSON form.
type tokenFile struct {
	AccessToken  string    `json:"access_token"`
	TokenType    string    `json:"token_type,omitempty"`
	RefreshToken string    `json:"refresh_token"`
	Expiry       time.Time `json:"expiry,omitzero"`
}

// loginHint is the remedy that errors about missing credentials or tokens
// end with.
const loginHint = "run `photosync auth login` first, or pass --emulator to try photosync against a local emulator"

// readPrivateFile reads a file that holds secrets. It rejects a file that
// group or others may read, because the secrets would leak to other users.
func readPrivateFile(path, description string) ([]byte, error) {
	info, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s %s not found: %s", description, path, loginHint)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", description, err)
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("%s %s has mode %04o, so other users can read it; run `chmod 600 %s`",
			description, path, perm, path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", description, err)
	}
	return data, nil
}

// readClientCredentials reads the OAuth client from a client_secret.json
// file.
func readClientCredentials(path string) (clientCredentials, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		// auth login needs this file itself, so the message names where
		// the file comes from before it mentions the login.
		return clientCredentials{}, fmt.Errorf("credentials file %s not found: in the Google Cloud "+
			"console, enable the Photos Library API, create an OAuth client ID of type Desktop app "+
			"under APIs & Services > Credentials, download its JSON and save it as %s "+
			"(chmod 600) or point api.credentials_file at it, then run `photosync auth login`; "+
			"or pass --emulator to try photosync against a local emulator", path, path)
	}
	data, err := readPrivateFile(path, "credentials file")
	if err != nil {
		return clientCredentials{}, err
	}
	return parseClientCredentials(path, data)
}

// parseClientCredentials decodes the contents of the client_secret.json
// file at path.
func parseClientCredentials(path string, data []byte) (clientCredentials, error) {
	var file clientSecretFile
	if err := json.Unmarshal(data, &file); err != nil {
		return clientCredentials{}, fmt.Errorf("parse credentials file %s: %w; download it again from the Google Cloud console", path, err)
	}
	creds := file.Installed
	if creds == nil {
		creds = file.Web
	}
	if creds == nil || creds.ClientID == "" || creds.ClientSecret == "" {
		return clientCredentials{}, fmt.Errorf(`credentials file %s has no "installed" client with client_id and client_secret; `+
			"download the OAuth client of a desktop app from the Google Cloud console", path)
	}
	return *creds, nil
}

// readToken reads an OAuth token from a token file. The token must carry a
// refresh token, because access tokens expire within an hour.
func readToken(path string) (*oauth2.Token, error) {
	data, err := readPrivateFile(path, "token file")
	if err != nil {
		return nil, err
	}
	return parseToken(path, data)
}

// parseToken decodes the contents of the token file at path.
func parseToken(path string, data []byte) (*oauth2.Token, error) {
	var file tokenFile
	if err := json.Unmarshal(data, &file); err != nil {
		return nil, fmt.Errorf("parse token file %s: %w; %s", path, err, loginHint)
	}
	if file.RefreshToken == "" {
		return nil, fmt.Errorf("token file %s has no refresh token; %s", path, loginHint)
	}
	return &oauth2.Token{
		AccessToken:  file.AccessToken,
		TokenType:    file.TokenType,
		RefreshToken: file.RefreshToken,
		Expiry:       file.Expiry,
	}, nil
}

// writeToken saves token to path with mode 0600. It writes a temporary file
// in the same directory, syncs it and renames it into place, so a crash
// leaves either the old or the new token and never a torn file.
func writeToken(path string, token *oauth2.Token) error {
	data, err := json.MarshalIndent(tokenFile{
		AccessToken:  token.AccessToken,
		TokenType:    token.TokenType,
		RefreshToken: token.RefreshToken,
		Expiry:       token.Expiry,
	}, "", "  ")
	if err != nil {
		return fmt.Errorf("encode token: %w", err)
	}
	return writeFileAtomic(path, append(data, '\n'))
}

// writeFileAtomic replaces path with data, mode 0600, through a synced
// temporary file and a rename, then syncs the directory so the rename
// survives a power loss.
func writeFileAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			os.Remove(tmp.Name())
		}
	}()

	// CreateTemp creates the file with mode 0600, which the rename keeps.
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return nil
}
