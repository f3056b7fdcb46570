package emulator

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// OAuth lifetimes, as Google's token endpoint uses them.
const (
	// accessTokenLifetime is the expires_in Google sends: one hour less a
	// second.
	accessTokenLifetime = 3599 * time.Second
	// authCodeLifetime bounds how long an authorization code can be
	// exchanged. Google does not publish it, and ten minutes is what RFC 6749
	// recommends as the maximum.
	authCodeLifetime = 10 * time.Minute
)

// defaultScopes are granted to a refresh token that reaches the token
// endpoint for the first time: every scope that still exists. In Legacy mode the
// sharing scope is added, so that every method can be called.
var (
	defaultScopes = []string{scopeAppendOnly, scopeReadAppCreated, scopeEditAppCreated}
	legacyScopes  = []string{scopeAppendOnly, scopeReadAppCreated, scopeEditAppCreated, scopeSharing}
)

// authenticate finds the client and scopes behind the request's bearer
// token, taken from the Authorization header or the access_token parameter.
func (s *Server) authenticate(r *http.Request) (string, []string, *apiError) {
	token := ""
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, value, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return "", nil, unauthenticated()
		}
		token = strings.TrimSpace(value)
	} else {
		token = r.URL.Query().Get("access_token")
	}
	if token == "" {
		return "", nil, unauthenticated()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	at, ok := s.st.AccessTokens[token]
	if !ok || !s.nowLocked().Before(at.Expiry) {
		return "", nil, unauthenticated()
	}
	if rt, ok := s.st.RefreshTokens[at.RefreshToken]; ok && rt.Revoked {
		return "", nil, unauthenticated()
	}
	return at.ClientID, at.Scopes, nil
}

// writeUploadsUnauthenticated sends the uploads endpoint's own 401 body,
// which unlike the rest of the API has no "error" wrapper.
func writeUploadsUnauthenticated(w http.ResponseWriter) {
	writeJSON(w, http.StatusUnauthorized, map[string]any{"code": 16, "message": msgUploadsNoSession})
}

// tokenResponse is the token endpoint's success body.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	ExpiresIn    int    `json:"expires_in"`
	RefreshToken string `json:"refresh_token,omitempty"`
	Scope        string `json:"scope"`
	TokenType    string `json:"token_type"`
}

// oauthError is the token endpoint's error body (RFC 6749 section 5.2).
type oauthError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

func writeOAuthError(w http.ResponseWriter, status int, code, description string) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, oauthError{Error: code, Description: description})
}

// serveToken implements POST /token for the authorization_code and
// refresh_token grants.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	s.counters.record(methodToken)
	if handled, _ := s.faults.apply(w, r, methodToken); handled {
		return
	}
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "The request body is not form-encoded.")
		return
	}
	clientID := r.PostForm.Get("client_id")
	if user, _, ok := r.BasicAuth(); ok {
		// x/oauth2 sends the client id either way. The header is
		// URL-encoded as RFC 6749 section 2.3.1 requires.
		if decoded, err := url.QueryUnescape(user); err == nil {
			user = decoded
		}
		clientID = user
	}
	if clientID == "" {
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "The OAuth client was not found.")
		return
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	var (
		resp tokenResponse
		ok   bool
	)
	switch grant := r.PostForm.Get("grant_type"); grant {
	case "authorization_code":
		resp, ok = s.exchangeCodeLocked(w, r.PostForm, clientID)
	case "refresh_token":
		resp, ok = s.refreshLocked(w, r.PostForm, clientID)
	case "":
		writeOAuthError(w, http.StatusBadRequest, "unsupported_grant_type", "Missing grant_type.")
		return
	default:
		writeOAuthError(w, http.StatusBadRequest, "unsupported_grant_type", "Invalid grant_type: "+grant)
		return
	}
	if !ok {
		return
	}

	s.saveOrLogLocked()
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) exchangeCodeLocked(w http.ResponseWriter, form url.Values, clientID string) (tokenResponse, bool) {
	code := form.Get("code")
	ac, ok := s.st.AuthCodes[code]
	if !ok || !s.nowLocked().Before(ac.Expiry) {
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "Malformed auth code.")
		return tokenResponse{}, false
	}
	// A code is good for one exchange, even a failed one, as at Google.
	delete(s.st.AuthCodes, code)
	s.st.mark(bucketAuthCodes, code)
	if ac.ClientID != clientID {
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "The auth code was issued to another client.")
		return tokenResponse{}, false
	}
	if form.Get("redirect_uri") != ac.RedirectURI {
		writeOAuthError(w, http.StatusBadRequest, "redirect_uri_mismatch", "Bad Request")
		return tokenResponse{}, false
	}
	if ac.Challenge != "" && !verifierMatches(form.Get("code_verifier"), ac.Challenge, ac.ChallengeMode) {
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "Invalid code verifier.")
		return tokenResponse{}, false
	}
	refresh := newSecret("1//", 48)
	s.st.RefreshTokens[refresh] = &refreshToken{ClientID: clientID, Scopes: ac.Scopes}
	s.st.mark(bucketRefreshTokens, refresh)
	resp := s.issueAccessTokenLocked(refresh, clientID, ac.Scopes)
	resp.RefreshToken = refresh
	return resp, true
}

// verifierMatches checks a PKCE code_verifier against the challenge
// (RFC 7636 section 4.6).
func verifierMatches(verifier, challenge, method string) bool {
	if verifier == "" {
		return false
	}
	want := verifier
	if method != "plain" {
		sum := sha256.Sum256([]byte(verifier))
		want = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	return subtle.ConstantTimeCompare([]byte(want), []byte(challenge)) == 1
}

func (s *Server) refreshLocked(w http.ResponseWriter, form url.Values, clientID string) (tokenResponse, bool) {
	refresh := form.Get("refresh_token")
	if refresh == "" {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "Missing required parameter: refresh_token")
		return tokenResponse{}, false
	}
	rt, ok := s.st.RefreshTokens[refresh]
	if !ok {
		// A refresh token never seen before is accepted and bound to the
		// client presenting it, so that tests need no browser login.
		rt = &refreshToken{ClientID: clientID, Scopes: defaultScopes}
		if s.opts.Legacy {
			rt.Scopes = legacyScopes
		}
		s.st.RefreshTokens[refresh] = rt
		s.st.mark(bucketRefreshTokens, refresh)
	}
	if rt.Revoked {
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "Token has been expired or revoked.")
		return tokenResponse{}, false
	}
	if rt.ClientID != clientID {
		writeOAuthError(w, http.StatusBadRequest, "unauthorized_client", "Unauthorized")
		return tokenResponse{}, false
	}
	scopes := rt.Scopes
	if requested := strings.Fields(form.Get("scope")); len(requested) > 0 {
		for _, sc := range requested {
			if !contains(rt.Scopes, sc) {
				writeOAuthError(w, http.StatusBadRequest, "invalid_scope", "Some requested scopes were invalid: "+sc)
				return tokenResponse{}, false
			}
		}
		scopes = requested
	}
	return s.issueAccessTokenLocked(refresh, clientID, scopes), true
}

func (s *Server) issueAccessTokenLocked(refresh, clientID string, scopes []string) tokenResponse {
	access := newSecret("ya29.", 96)
	s.st.mark(bucketAccessTokens, access)
	s.st.AccessTokens[access] = &accessToken{
		ClientID:     clientID,
		Scopes:       scopes,
		Expiry:       s.nowLocked().Add(accessTokenLifetime),
		RefreshToken: refresh,
	}
	s.pruneAccessTokensLocked()
	return tokenResponse{
		AccessToken: access,
		ExpiresIn:   int(accessTokenLifetime / time.Second),
		Scope:       strings.Join(scopes, " "),
		TokenType:   "Bearer",
	}
}

// pruneAccessTokensLocked deletes expired access tokens, so that a
// long-running emulator does not grow without bound.
func (s *Server) pruneAccessTokensLocked() {
	now := s.nowLocked()
	for token, at := range s.st.AccessTokens {
		if !now.Before(at.Expiry) {
			delete(s.st.AccessTokens, token)
			s.st.mark(bucketAccessTokens, token)
		}
	}
}

// serveAuthorize implements the consent screen by approving at once: it
// redirects to redirect_uri with a fresh code and the caller's state.
func (s *Server) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	clientID := q.Get("client_id")
	redirect := q.Get("redirect_uri")
	target, err := url.Parse(redirect)
	switch {
	case clientID == "":
		http.Error(w, "Error 400: invalid_request. Missing required parameter: client_id", http.StatusBadRequest)
		return
	case redirect == "" || err != nil || !target.IsAbs():
		http.Error(w, "Error 400: invalid_request. Missing or invalid parameter: redirect_uri "+redirect, http.StatusBadRequest)
		return
	case q.Get("response_type") != "code":
		http.Error(w, "Error 400: unsupported_response_type. Use response_type=code", http.StatusBadRequest)
		return
	}
	method := q.Get("code_challenge_method")
	if q.Get("code_challenge") != "" && method != "S256" && method != "plain" && method != "" {
		http.Error(w, "Error 400: invalid_request. Invalid code_challenge_method: "+method, http.StatusBadRequest)
		return
	}
	if method == "" {
		method = "plain"
	}

	scopes := strings.Fields(q.Get("scope"))
	if len(scopes) == 0 {
		http.Error(w, "Error 400: invalid_request. Missing required parameter: scope", http.StatusBadRequest)
		return
	}

	code := newSecret("4/", 48)
	s.mu.Lock()
	s.pruneAuthCodesLocked()
	s.st.mark(bucketAuthCodes, code)
	s.st.AuthCodes[code] = &authCode{
		ClientID:      clientID,
		RedirectURI:   redirect,
		Challenge:     q.Get("code_challenge"),
		ChallengeMode: method,
		Scopes:        scopes,
		Expiry:        s.nowLocked().Add(authCodeLifetime),
	}
	s.saveOrLogLocked()
	s.mu.Unlock()

	params := target.Query()
	params.Set("code", code)
	params.Set("scope", strings.Join(scopes, " "))
	if state := q.Get("state"); state != "" {
		params.Set("state", state)
	}
	target.RawQuery = params.Encode()
	http.Redirect(w, r, target.String(), http.StatusFound)
}

// pruneAuthCodesLocked deletes expired authorization codes that were never
// exchanged.
func (s *Server) pruneAuthCodesLocked() {
	now := s.nowLocked()
	for code, ac := range s.st.AuthCodes {
		if !now.Before(ac.Expiry) {
			delete(s.st.AuthCodes, code)
			s.st.mark(bucketAuthCodes, code)
		}
	}
}

// serveRevoke implements POST /revoke?token=, which takes an access or a
// refresh token. Revoking a refresh token also ends its access tokens.
func (s *Server) serveRevoke(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	if token == "" {
		if err := r.ParseForm(); err == nil {
			token = r.PostForm.Get("token")
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.revokeLocked(token) {
		writeOAuthError(w, http.StatusBadRequest, "invalid_token", "Token expired or revoked")
		return
	}
	s.saveOrLogLocked()
	writeJSON(w, http.StatusOK, struct{}{})
}

// revokeLocked revokes an access or refresh token and reports whether it
// existed. A refresh token the emulator has never seen is recorded as
// revoked, so that it cannot be bound to a client later.
func (s *Server) revokeLocked(token string) bool {
	if token == "" {
		return false
	}
	if at, ok := s.st.AccessTokens[token]; ok {
		token = at.RefreshToken
	}
	rt, ok := s.st.RefreshTokens[token]
	if !ok {
		rt = &refreshToken{}
		s.st.RefreshTokens[token] = rt
	}
	rt.Revoked = true
	s.st.mark(bucketRefreshTokens, token)
	for access, at := range s.st.AccessTokens {
		if at.RefreshToken == token {
			delete(s.st.AccessTokens, access)
			s.st.mark(bucketAccessTokens, access)
		}
	}
	return true
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
