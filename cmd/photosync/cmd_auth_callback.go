package main

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"html"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/rs/zerolog"
	"golang.org/x/oauth2"
)

// loginFlow is one OAuth authorization with PKCE. It builds the
// authorization URL, serves the loopback redirect as an http.Handler, and
// exchanges the code that the redirect carries for a token.
type loginFlow struct {
	oauth    *oauth2.Config
	state    string
	verifier string
	log      zerolog.Logger

	// accepted is set by the first redirect with the right state and a
	// code or an error. Later redirects are rejected.
	accepted atomic.Bool
	// callbacks carries the accepted redirect to run. It has room for
	// that one redirect, so the handler never blocks on the send.
	callbacks chan loginCallback
	// done is closed by finish, so that a handler still waiting for the
	// outcome of the login stops waiting.
	done       chan struct{}
	finishOnce sync.Once
}

// loginCallback is the query of an accepted redirect.
type loginCallback struct {
	code             string
	errorCode        string
	errorDescription string
	// outcome receives the result of the login, which the handler then
	// shows in the browser. It has room for one value.
	outcome chan error
}

func newLoginFlow(oauth *oauth2.Config, log zerolog.Logger) *loginFlow {
	return &loginFlow{
		oauth:     oauth,
		state:     newState(),
		verifier:  oauth2.GenerateVerifier(),
		log:       log.With().Str(logKeyComponent, "auth").Logger(),
		callbacks: make(chan loginCallback, 1),
		done:      make(chan struct{}),
	}
}

// authCodeURL returns the URL of the consent page. It requests offline
// access and forces the consent screen, so that Google issues a new
// refresh token even when the account allowed photosync before.
func (f *loginFlow) authCodeURL() string {
	return f.oauth.AuthCodeURL(f.state,
		oauth2.S256ChallengeOption(f.verifier),
		oauth2.AccessTypeOffline,
		oauth2.SetAuthURLParam("prompt", "consent"))
}

// run waits up to timeout for the browser to return, exchanges the code
// for a token and passes it to save. The browser shows the outcome only
// after save returns, so its page never claims a login whose token was
// lost. The token requests end when ctx ends.
func (f *loginFlow) run(ctx context.Context, timeout time.Duration, save func(*oauth2.Token) error) (*oauth2.Token, error) {
	timer := time.NewTimer(timeout)
	defer timer.Stop()

	var callback loginCallback
	select {
	case callback = <-f.callbacks:
	case <-timer.C:
		return nil, fmt.Errorf("login: %w after %s; run `photosync auth login` again, with a longer --timeout if needed",
			errLoginTimeout, timeout)
	case <-ctx.Done():
		return nil, fmt.Errorf("login: %w", ctx.Err())
	}

	token, err := f.complete(ctx, callback)
	if err == nil {
		err = save(token)
	}
	callback.outcome <- err
	if err != nil {
		return nil, err
	}
	return token, nil
}

// finish makes handlers that still wait for an outcome give up. It may be
// called more than once.
func (f *loginFlow) finish() {
	f.finishOnce.Do(func() { close(f.done) })
}

// complete turns an accepted redirect into a token with every scope that
// photosync needs.
func (f *loginFlow) complete(ctx context.Context, callback loginCallback) (*oauth2.Token, error) {
	switch {
	case callback.errorCode == "access_denied":
		return nil, errors.New("login: access denied in the browser; " +
			"run `photosync auth login` again and allow photosync to use your Google Photos")
	case callback.errorCode != "":
		return nil, fmt.Errorf("login: the authorization server returned error %q (%s); run `photosync auth login` again",
			callback.errorCode, callback.errorDescription)
	}

	token, err := f.oauth.Exchange(oauthContext(ctx), callback.code, oauth2.VerifierOption(f.verifier))
	if err != nil {
		return nil, fmt.Errorf("exchange authorization code at %s: %w", f.oauth.Endpoint.TokenURL, explainTokenError(err))
	}
	if token.RefreshToken == "" {
		return nil, fmt.Errorf("exchange authorization code at %s: the response has no refresh token; "+
			"remove photosync's access at %s and log in again", f.oauth.Endpoint.TokenURL, permissionsPage)
	}
	// A response without a scope field leaves the scopes unknown, so the
	// check is skipped.
	if granted := grantedScopes(token); len(granted) > 0 {
		if missing := missingScopes(granted); len(missing) > 0 {
			return nil, fmt.Errorf("login: access to %s was not granted; "+
				"run `photosync auth login` again and tick every permission that photosync asks for",
				shortScopes(missing))
		}
	}
	return token, nil
}

// ServeHTTP handles the redirect from the consent page to
// http://127.0.0.1:PORT/. A request whose state does not match, or that
// carries neither a code nor an error, gets an error page and leaves the
// login waiting, because a page on another site can send the browser
// there too.
func (f *loginFlow) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" {
		http.NotFound(w, r)
		return
	}
	query := r.URL.Query()
	if subtle.ConstantTimeCompare([]byte(query.Get("state")), []byte(f.state)) != 1 {
		f.log.Warn().Msg("Rejected an OAuth redirect whose state does not match this login")
		writeLoginPage(w, http.StatusBadRequest, "Login rejected",
			"The state parameter of this request does not match the login that photosync started, "+
				"so the request may come from another site. photosync ignored it and is still waiting: "+
				"open the URL that photosync auth login printed.")
		return
	}

	callback := loginCallback{
		code:             query.Get("code"),
		errorCode:        query.Get("error"),
		errorDescription: truncateText(query.Get("error_description"), maxErrorDescription),
		outcome:          make(chan error, 1),
	}
	if callback.code == "" && callback.errorCode == "" {
		f.log.Warn().Msg("Rejected an OAuth redirect without a code or an error")
		writeLoginPage(w, http.StatusBadRequest, "Login incomplete",
			"The redirect has neither an authorization code nor an error. photosync is still waiting for the browser.")
		return
	}
	if !f.accepted.CompareAndSwap(false, true) {
		writeLoginPage(w, http.StatusConflict, "Login already finished",
			"photosync already received the answer for this login. Return to the terminal.")
		return
	}
	f.callbacks <- callback
	f.writeOutcome(w, r, callback)
}

// writeOutcome waits for the result of the login and shows it.
func (f *loginFlow) writeOutcome(w http.ResponseWriter, r *http.Request, callback loginCallback) {
	var err error
	select {
	case err = <-callback.outcome:
	case <-r.Context().Done():
		return
	case <-f.done:
		// run may have sent the outcome just before it returned.
		select {
		case err = <-callback.outcome:
		default:
			writeLoginPage(w, http.StatusServiceUnavailable, "Login ended",
				"photosync stopped waiting before the browser returned. Run photosync auth login again.")
			return
		}
	}
	if err != nil {
		writeLoginPage(w, http.StatusBadRequest, "Login failed", err.Error())
		return
	}
	writeLoginPage(w, http.StatusOK, "photosync is logged in",
		"You can close this tab and return to the terminal.")
}

// writeLoginPage sends a small HTML page with a title and one paragraph.
func writeLoginPage(w http.ResponseWriter, status int, title, message string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>%s</title></head>\n"+
		"<body><h1>%s</h1>\n<p>%s</p></body></html>\n",
		html.EscapeString(title), html.EscapeString(title), html.EscapeString(message))
}

// truncateText cuts s to at most limit bytes, at a rune boundary, and
// marks a cut with "...".
func truncateText(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	for limit > 0 && !utf8.RuneStart(s[limit]) {
		limit--
	}
	return s[:limit] + "..."
}
