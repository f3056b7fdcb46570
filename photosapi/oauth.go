package photosapi

import (
	"context"
	"sync"

	"golang.org/x/oauth2"
)

// OAuth scopes of the Library API that still work since 31 March 2025.
const (
	// ScopeAppendOnly uploads media, creates items and albums, and adds
	// items to this app's albums.
	ScopeAppendOnly = "https://www.googleapis.com/auth/photoslibrary.appendonly"
	// ScopeReadOnlyAppCreated lists, searches and gets the items and
	// albums this app created.
	ScopeReadOnlyAppCreated = "https://www.googleapis.com/auth/photoslibrary.readonly.appcreateddata"
	// ScopeEditAppCreated patches and removes from albums the items and
	// albums this app created.
	ScopeEditAppCreated = "https://www.googleapis.com/auth/photoslibrary.edit.appcreateddata"
)

// Scopes lists every scope photosync needs.
var Scopes = []string{ScopeAppendOnly, ScopeReadOnlyAppCreated, ScopeEditAppCreated}

// OAuthConfig returns the OAuth 2.0 configuration of an installed app
// with all three Library API scopes. authURL and tokenURL are Google's
// endpoints ("https://accounts.google.com/o/oauth2/v2/auth",
// "https://oauth2.googleapis.com/token") or an emulator's. redirect is the
// loopback URL the local browser flow listens on.
func OAuthConfig(clientID, secret, authURL, tokenURL, redirect string) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     clientID,
		ClientSecret: secret,
		Endpoint: oauth2.Endpoint{
			AuthURL:   authURL,
			TokenURL:  tokenURL,
			AuthStyle: oauth2.AuthStyleInParams,
		},
		RedirectURL: redirect,
		Scopes:      append([]string(nil), Scopes...),
	}
}

// TokenSource is an oauth2.TokenSource that caches the access token like
// the one from oauth2.Config.TokenSource, and can also drop it before it
// expires. The client calls Invalidate when the API rejects with 401 a
// token that has not expired by the clock, such as one revoked early.
// It is safe for concurrent use.
type TokenSource struct {
	// ctx carries the HTTP client for token requests, as x/oauth2
	// expects; see oauth2.HTTPClient.
	ctx       context.Context
	config    *oauth2.Config
	onRefresh func(*oauth2.Token)

	// mu guards token.
	mu    sync.Mutex
	token *oauth2.Token
}

// NewTokenSource returns a TokenSource that starts from token (at least
// its refresh token) and refreshes it through config. x/oauth2 sends the
// refresh requests with ctx, so ctx must live as long as the source. onRefresh, when not
// nil, receives every new token so the caller can save it. It runs while
// the source is locked, so it must not call Token.
func NewTokenSource(
	ctx context.Context,
	config *oauth2.Config,
	token *oauth2.Token,
	onRefresh func(*oauth2.Token),
) *TokenSource {
	return &TokenSource{ctx: ctx, config: config, token: token, onRefresh: onRefresh}
}

// Token returns a valid access token, refreshing it when it expired or
// was invalidated.
func (s *TokenSource) Token() (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.token.Valid() {
		return s.token, nil
	}
	// Refreshing from a token without an access token makes x/oauth2
	// ask the token endpoint at once.
	stale := &oauth2.Token{}
	if s.token != nil {
		stale.RefreshToken = s.token.RefreshToken
	}
	fresh, err := s.config.TokenSource(s.ctx, stale).Token()
	if err != nil {
		return nil, err
	}
	if fresh.RefreshToken == "" {
		fresh.RefreshToken = stale.RefreshToken
	}
	s.token = fresh
	if s.onRefresh != nil {
		s.onRefresh(fresh)
	}
	return fresh, nil
}

// Invalidate drops the cached access token, so the next Token call
// refreshes it.
func (s *TokenSource) Invalidate() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.token != nil {
		kept := *s.token
		kept.AccessToken = ""
		s.token = &kept
	}
}
