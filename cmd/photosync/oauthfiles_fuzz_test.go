package main

import (
	"testing"

	"golang.org/x/oauth2"
)

// FuzzParseOAuthFiles checks that damaged credential and token files give
// errors, never a panic or a client without id and secret, and that every
// token that parses survives a save and a reload.
func FuzzParseOAuthFiles(f *testing.F) {
	for _, seed := range []string{
		`{"installed":{"client_id":"id","client_secret":"s","redirect_uris":["http://localhost"]}}`,
		`{"web":{"client_id":"id","client_secret":"s"}}`,
		`{"installed":null}`,
		`{"access_token":"a","token_type":"Bearer","refresh_token":"r","expiry":"2026-01-02T03:04:05Z"}`,
		`{"refresh_token":"r","expiry":"not a time"}`,
		`[]`,
		``,
	} {
		f.Add([]byte(seed))
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		if creds, err := parseClientCredentials("client_secret.json", data); err == nil {
			if creds.ClientID == "" || creds.ClientSecret == "" {
				t.Errorf("parsed credentials %+v without id or secret", creds)
			}
		}

		token, err := parseToken("token.json", data)
		if err != nil {
			return
		}
		if token.RefreshToken == "" {
			t.Fatalf("parsed token %+v without refresh token", token)
		}
		path := t.TempDir() + "/token.json"
		if err := writeToken(path, token); err != nil {
			t.Fatalf("writeToken: %v", err)
		}
		again, err := readToken(path)
		if err != nil {
			t.Fatalf("reload saved token: %v", err)
		}
		if !sameToken(token, again) {
			t.Errorf("token changed in a save and reload: %+v, then %+v", token, again)
		}
	})
}

func sameToken(a, b *oauth2.Token) bool {
	return a.AccessToken == b.AccessToken && a.TokenType == b.TokenType &&
		a.RefreshToken == b.RefreshToken && a.Expiry.Equal(b.Expiry)
}
