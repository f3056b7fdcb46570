package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/oauth2"

	"github.com/photosync/photosync/config"
	"github.com/photosync/photosync/photosapi"
)

// tokenRefreshTimeout bounds one request to the OAuth token endpoint, so a
// hung endpoint cannot stall every API call that waits for a token.
const tokenRefreshTimeout = 30 * time.Second

// remote is the connection to the Library API that the sync and daemon
// commands use: Google's, or with --emulator an embedded emulator.
type remote struct {
	// client calls the API with OAuth tokens attached.
	client *photosapi.Client
	// clientID is the OAuth client id. Since March 2025 the API shows a
	// client only the items and albums that the same client id created.
	clientID string
	// emulatorURL is the embedded emulator's base URL, or "" for Google.
	emulatorURL string

	// onRequest holds the hook that setRequestHook installs.
	onRequest atomic.Pointer[func(photosapi.RequestInfo)]
	// closers run in reverse order on Close.
	closers []func() error
}

// setRequestHook makes fn receive every HTTP attempt of the client, for
// example to count quota. It replaces the previous hook, and nil removes
// it. Like photosapi.Options.OnRequest, fn runs on the goroutine of the
// API call and must not block.
func (r *remote) setRequestHook(fn func(photosapi.RequestInfo)) {
	if fn == nil {
		r.onRequest.Store(nil)
		return
	}
	r.onRequest.Store(&fn)
}

func (r *remote) callRequestHook(info photosapi.RequestInfo) {
	if fn := r.onRequest.Load(); fn != nil {
		(*fn)(info)
	}
}

// Close stops the embedded emulator, if any. The client must not be used
// afterwards.
func (r *remote) Close() error {
	var errs []error
	for i := len(r.closers) - 1; i >= 0; i-- {
		errs = append(errs, r.closers[i]())
	}
	r.closers = nil
	return errors.Join(errs...)
}

// openRemote connects to the Library API named by cfg, or with useEmulator
// starts an embedded emulator under cfg.StateDir and connects to that.
// Missing or unsafe credential files are fatal errors (exit code 3) that
// name the fix. The caller must Close the remote.
func openRemote(ctx context.Context, cfg *config.Config, useEmulator bool, log zerolog.Logger) (*remote, error) {
	if useEmulator {
		return openEmulatorRemote(ctx, cfg, log)
	}

	creds, err := readClientCredentials(cfg.API.CredentialsFile)
	if err != nil {
		return nil, fatalError(err)
	}
	token, err := readToken(cfg.API.TokenFile)
	if err != nil {
		return nil, fatalError(err)
	}

	r := &remote{clientID: creds.ClientID}
	endpoint := oauth2.Endpoint{AuthURL: cfg.API.AuthURL, TokenURL: cfg.API.TokenURL}
	tokens := newTokenSource(ctx, creds, endpoint, token, cfg.API.TokenFile, log)
	if err := r.connect(cfg.API.Endpoint, cfg.API.UploadEndpoint, tokens, log); err != nil {
		return nil, err
	}
	return r, nil
}

// newTokenSource returns a token source that refreshes token with the
// client creds at endpoint and, unless path is empty, saves every refreshed
// token to path. Refreshes fail once ctx ends.
func newTokenSource(ctx context.Context, creds clientCredentials, endpoint oauth2.Endpoint,
	token *oauth2.Token, path string, log zerolog.Logger) *photosapi.TokenSource {
	refreshContext := context.WithValue(ctx, oauth2.HTTPClient, &http.Client{Timeout: tokenRefreshTimeout})
	oauth := photosapi.OAuthConfig(creds.ClientID, creds.ClientSecret, endpoint.AuthURL, endpoint.TokenURL, "")

	var save func(*oauth2.Token)
	if path != "" {
		log := log.With().Str(logKeyComponent, "oauth").Logger()
		save = func(fresh *oauth2.Token) {
			if err := writeToken(path, fresh); err != nil {
				// The new token works for this run, and the next
				// refresh tries the save again.
				log.Warn().Err(err).Str(logKeyPath, path).Msg("Token file not saved")
				return
			}
			log.Debug().Time("expiry", fresh.Expiry).Msg("Saved refreshed OAuth token")
		}
	}
	return photosapi.NewTokenSource(refreshContext, oauth, token, save)
}

// connect creates r.client for the API at endpoint.
func (r *remote) connect(endpoint, uploadEndpoint string, tokens oauth2.TokenSource, log zerolog.Logger) error {
	client, err := photosapi.New(photosapi.Options{
		Endpoint:       endpoint,
		UploadEndpoint: uploadEndpoint,
		TokenSource:    tokens,
		OnRequest:      r.callRequestHook,
		Logger:         log,
	})
	if err != nil {
		return fatalError(fmt.Errorf("create API client: %w", err))
	}
	r.client = client
	return nil
}
