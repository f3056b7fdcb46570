package emulator

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestUnauthenticatedRequests(t *testing.T) {
	env := startEnv(t, Options{})
	for _, tc := range []struct{ name, token string }{
		{"missing", ""},
		{"unknown", "ya29.unknown"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, header, body := env.doAs(tc.token, "GET", "/v1/albums", nil)
			if status != http.StatusUnauthorized {
				t.Fatalf("status = %d, want 401", status)
			}
			if e := googleError(t, body); e.Status != "UNAUTHENTICATED" {
				t.Errorf("status = %q, want UNAUTHENTICATED", e.Status)
			}
			if header.Get("WWW-Authenticate") == "" {
				t.Error("no WWW-Authenticate header")
			}
		})
	}
	t.Run("expired", func(t *testing.T) {
		env.clock.Advance(accessTokenLifetime)
		status, _, _ := env.do("GET", "/v1/albums", nil)
		if status != http.StatusUnauthorized {
			t.Errorf("status after 3599 s = %d, want 401", status)
		}
	})
	t.Run("uploads", func(t *testing.T) {
		status, _, body := env.doAs("", "POST", "/v1/uploads", "bytes", "X-Goog-Upload-Protocol", "raw")
		if status != http.StatusUnauthorized || string(body) != `{"code":16,"message":"Authentication session is not defined."}` {
			t.Errorf("uploads without token = %d %s", status, body)
		}
	})
}

// authorize runs the browser step of the code flow and returns the code.
func authorize(t *testing.T, env *testEnv, clientID, redirect, challenge, scope string) string {
	t.Helper()
	q := url.Values{
		"client_id": {clientID}, "redirect_uri": {redirect}, "response_type": {"code"},
		"scope": {scope}, "state": {"xyz"}, "code_challenge": {challenge}, "code_challenge_method": {"S256"},
	}
	status, header, body := env.doAs("", "GET", "/o/oauth2/auth?"+q.Encode(), nil)
	if status != http.StatusFound {
		t.Fatalf("authorize: status %d: %s", status, body)
	}
	loc, err := url.Parse(header.Get("Location"))
	if err != nil || !strings.HasPrefix(loc.String(), redirect) || loc.Query().Get("state") != "xyz" {
		t.Fatalf("authorize redirected to %q", header.Get("Location"))
	}
	return loc.Query().Get("code")
}

func TestAuthorizationCodeWithPKCE(t *testing.T) {
	env := startEnv(t, Options{})
	verifier := strings.Repeat("v", 43)
	sum := sha256.Sum256([]byte(verifier))
	challenge := base64.RawURLEncoding.EncodeToString(sum[:])
	redirect := "http://127.0.0.1:9999/callback"
	exchange := func(code, verifier, redirect string) (int, []byte) {
		return env.postForm("/token", url.Values{
			"grant_type": {"authorization_code"}, "code": {code}, "client_id": {"desktop"},
			"client_secret": {"s"}, "redirect_uri": {redirect}, "code_verifier": {verifier},
		})
	}

	code := authorize(t, env, "desktop", redirect, challenge, scopeAppendOnly)
	status, body := exchange(code, "wrong-verifier-wrong-verifier-wrong-verifier", redirect)
	if status != 400 || !strings.Contains(string(body), `"invalid_grant"`) {
		t.Errorf("wrong verifier = %d %s, want 400 invalid_grant", status, body)
	}

	code = authorize(t, env, "desktop", redirect, challenge, scopeAppendOnly)
	status, body = exchange(code, verifier, "http://127.0.0.1:1/other")
	if status != 400 {
		t.Errorf("wrong redirect_uri = %d %s, want 400", status, body)
	}

	code = authorize(t, env, "desktop", redirect, challenge, scopeAppendOnly)
	status, body = exchange(code, verifier, redirect)
	if status != 200 {
		t.Fatalf("exchange = %d %s", status, body)
	}
	var tok tokenResponse
	json.Unmarshal(body, &tok)
	if tok.RefreshToken == "" || tok.ExpiresIn != 3599 || tok.TokenType != "Bearer" || tok.Scope != scopeAppendOnly {
		t.Errorf("token response = %+v", tok)
	}
	status, _ = exchange(code, verifier, redirect)
	if status != 400 {
		t.Errorf("second use of a code: status %d, want 400", status)
	}

	// An appendonly token can upload but not read.
	status, _, body = env.doAs(tok.AccessToken, "GET", "/v1/albums", nil)
	if e := googleError(t, body); status != 403 || e.Message != msgInsufficientScopes || e.Status != "PERMISSION_DENIED" {
		t.Errorf("read with appendonly = %d %q", status, e.Message)
	}
	env.uploadRawAs(tok.AccessToken, []byte("x"), "x.bin")

	// Refreshing with basic auth works like the form field.
	req, _ := http.NewRequest("POST", env.run.URL+"/token", strings.NewReader(url.Values{
		"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("desktop", "s")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("refresh with basic auth: status %d", resp.StatusCode)
	}
}

func TestRevokedRefreshTokenFails(t *testing.T) {
	env := startEnv(t, Options{})
	env.inspect("POST", "faults", map[string]any{"revokeRefreshToken": "refresh-a"}, nil)
	status, _, _ := env.do("GET", "/v1/albums", nil)
	if status != 401 {
		t.Errorf("access token of a revoked refresh token: status %d, want 401", status)
	}
	status, body := env.postForm("/token", url.Values{
		"grant_type": {"refresh_token"}, "refresh_token": {"refresh-a"}, "client_id": {"client-a"}})
	if status != 400 || !strings.Contains(string(body), `"error":"invalid_grant"`) {
		t.Errorf("refresh after revoke = %d %s, want 400 invalid_grant", status, body)
	}
	status, body = env.postForm("/token", url.Values{
		"grant_type": {"refresh_token"}, "refresh_token": {"refresh-a"}, "client_id": {"client-b"}})
	if status != 400 {
		t.Errorf("refresh from another client = %d %s, want 400", status, body)
	}
}

func TestSharingMethodsForbiddenSince2025(t *testing.T) {
	env := startEnv(t, Options{})
	albumID := env.createAlbum("Trips")
	for _, tc := range []struct{ name, method, path string }{
		{"share", "POST", "/v1/albums/" + albumID + ":share"},
		{"unshare", "POST", "/v1/albums/" + albumID + ":unshare"},
		{"get", "GET", "/v1/sharedAlbums/token"},
		{"join", "POST", "/v1/sharedAlbums:join"},
		{"leave", "POST", "/v1/sharedAlbums:leave"},
		{"list", "GET", "/v1/sharedAlbums"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, _, body := env.do(tc.method, tc.path, map[string]any{})
			if e := googleError(t, body); status != 403 || e.Status != "PERMISSION_DENIED" {
				t.Errorf("status = %d %q, want 403 PERMISSION_DENIED", status, e.Status)
			}
		})
	}
}

func TestClientsSeeOnlyTheirOwnItems(t *testing.T) {
	env := startEnv(t, Options{})
	mine := env.create(sample(t, "Camera Roll/IMG_1811.JPG"), "a.jpg")
	albumID := env.createAlbum("Mine")
	other := env.accessToken("client-b", "refresh-b")
	status, _, body := env.doAs(other, "GET", "/v1/mediaItems/"+mine.ID, nil)
	if status != 400 {
		t.Errorf("other client get = %d %s, want 400", status, body)
	}
	status, _, body = env.doAs(other, "GET", "/v1/mediaItems", nil)
	if status != 200 || string(body) != "{}" {
		t.Errorf("other client list = %d %s, want {}", status, body)
	}
	status, _, body = env.doAs(other, "GET", "/v1/albums/"+albumID, nil)
	if e := googleError(t, body); status != 400 || e.Message != msgInvalidAlbumID {
		t.Errorf("other client album get = %d %q", status, e.Message)
	}
}

func TestLegacySharingAndFullLibrary(t *testing.T) {
	env := startEnv(t, Options{Legacy: true})
	mine := env.create(sample(t, "Camera Roll/IMG_1811.JPG"), "a.jpg")
	albumID := env.createAlbum("Shared")
	other := env.accessToken("client-b", "refresh-b")
	status, _, body := env.doAs(other, "GET", "/v1/mediaItems/"+mine.ID, nil)
	if status != 200 {
		t.Fatalf("legacy read of another client's item = %d %s", status, body)
	}
	var share shareAlbumResponse
	env.mustJSON("POST", "/v1/albums/"+albumID+":share", map[string]any{"sharedAlbumOptions": map[string]any{"isCollaborative": true}}, &share)
	if share.ShareInfo == nil || share.ShareInfo.ShareToken == "" || !share.ShareInfo.IsOwned {
		t.Fatalf("share info = %+v", share.ShareInfo)
	}
	status, _, body = env.doAs(other, "POST", "/v1/sharedAlbums:join", map[string]any{"shareToken": share.ShareInfo.ShareToken})
	if status != 200 {
		t.Fatalf("join = %d %s", status, body)
	}
	status, _, body = env.doAs(other, "GET", "/v1/sharedAlbums", nil)
	var list listSharedAlbumsResponse
	json.Unmarshal(body, &list)
	if status != 200 || len(list.SharedAlbums) != 1 || !list.SharedAlbums[0].ShareInfo.IsJoined {
		t.Errorf("shared albums of the joiner = %d %s", status, body)
	}
	status, _, body = env.doAs(other, "POST", "/v1/sharedAlbums:leave", map[string]any{"shareToken": share.ShareInfo.ShareToken})
	if status != 200 {
		t.Errorf("leave = %d %s", status, body)
	}
	env.mustJSON("POST", "/v1/albums/"+albumID+":unshare", map[string]any{}, nil)
	status, _, _ = env.do("GET", "/v1/sharedAlbums/"+share.ShareInfo.ShareToken, nil)
	if status != 404 {
		t.Errorf("get after unshare: status %d, want 404", status)
	}
}
