package main

import (
	"context"
	"fmt"
	gosync "sync"

	"github.com/rs/zerolog"
	"golang.org/x/oauth2"
)

// fileTokenSource hands out access tokens, refreshes them through an OAuth
// config when they expire or are invalidated, and saves each refreshed
// token to a file so that a restart does not need a refresh at once. It is
// safe for concurrent use.
type fileTokenSource struct {
	// refreshContext carries the HTTP client for token refreshes, because
	// oauth2.TokenSource takes no context per call.
	refreshContext context.Context
	oauth          *oauth2.Config
	// path is the token file, or "" to keep tokens in memory only.
	path string
	log  zerolog.Logger

	// mu guards token.
	mu    gosync.Mutex
	token *oauth2.Token
}

// Token returns a valid access token, refreshing it when needed.
func (s *fileTokenSource) Token() (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.token.Valid() {
		return s.token, nil
	}

	fresh, err := s.oauth.TokenSource(s.refreshContext, s.token).Token()
	if err != nil {
		return nil, fmt.Errorf("refresh OAuth token: %w", err)
	}
	if fresh.RefreshToken == "" {
		// A refresh response may omit the refresh token, which stays
		// valid, so the old one is kept.
		fresh.RefreshToken = s.token.RefreshToken
	}
	s.token = fresh
	s.log.Debug().Time("expiry", fresh.Expiry).Msg("Refreshed OAuth access token")

	if s.path != "" {
		if err := writeToken(s.path, fresh); err != nil {
			// The new token works for this run; a later refresh retries
			// the save.
			s.log.Warn().Err(err).Str(logKeyPath, s.path).Msg("Token file not saved")
		}
	}
	return fresh, nil
}

// Invalidate drops the current access token, so the next Token call
// refreshes it. The API client calls it after an HTTP 401.
func (s *fileTokenSource) Invalidate() {
	s.mu.Lock()
	defer s.mu.Unlock()
	stale := *s.token
	stale.AccessToken = ""
	s.token = &stale
}
