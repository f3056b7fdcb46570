package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
)

// maxRevokeResponse caps how much of the revoke endpoint's response is
// read. Its JSON error fits in far less.
const maxRevokeResponse = 64 << 10

func newAuthLogoutCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "logout",
		Short: "Revoke the refresh token and delete the token file",
		Long: "Revoke the refresh token at api.revoke_url, which also ends its access\n" +
			"tokens, then delete the token file. When the revoke fails, the file is still\n" +
			"deleted, the command says so and exits with code 3; remove photosync's access\n" +
			"at " + permissionsPage + " in that case.\n\n" + exitCodeHelp,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runAuthLogout(cmd.Context(), a)
		},
	}
}

func runAuthLogout(ctx context.Context, a *app) error {
	cfg, err := a.loadConfigOrDefaults()
	if err != nil {
		return err
	}
	path := cfg.API.TokenFile

	// The file is read without the mode check of readToken, because a
	// token that others could read is one more reason to revoke it.
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(a.stdout, "Not logged in: no token file at %s.\n", path)
		return nil
	}
	if err != nil {
		return fatalError(fmt.Errorf("read token file: %w", err))
	}

	revokeErr := revokeStoredToken(ctx, a, cfg.API.RevokeURL, path, data)
	if err := deleteTokenFile(path); err != nil {
		return fatalError(errors.Join(revokeErr, err))
	}
	fmt.Fprintf(a.stdout, "Deleted %s.\n", path)
	if revokeErr != nil {
		return fatalError(fmt.Errorf("%w; the token file is deleted, but Google may still list photosync "+
			"as allowed: remove its access at %s", revokeErr, permissionsPage))
	}
	return nil
}

// revokeStoredToken revokes the refresh token in the token file contents
// data, and prints what happened.
func revokeStoredToken(ctx context.Context, a *app, revokeURL, path string, data []byte) error {
	token, err := parseToken(path, data)
	if err != nil {
		fmt.Fprintln(a.stdout, "Not revoked: the token file has no usable refresh token.")
		return fmt.Errorf("revoke token: %w", err)
	}
	invalid, err := revokeToken(ctx, revokeURL, token.RefreshToken)
	switch {
	case err != nil:
		fmt.Fprintf(a.stdout, "Revoke failed at %s.\n", revokeURL)
		return err
	case invalid:
		fmt.Fprintf(a.stdout, "The refresh token was already revoked or expired (%s).\n", revokeURL)
	default:
		fmt.Fprintf(a.stdout, "Revoked the refresh token at %s.\n", revokeURL)
	}
	return nil
}

// revokeToken sends token to the OAuth revocation endpoint (RFC 7009). It
// reports whether the endpoint rejected the token as already invalid,
// which Google signals with status 400 and error "invalid_token". The
// token goes in the form body, so it never appears in a URL or an error.
func revokeToken(ctx context.Context, revokeURL, token string) (alreadyInvalid bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, tokenRefreshTimeout)
	defer cancel()
	body := strings.NewReader(url.Values{"token": {token}}.Encode())
	request, err := http.NewRequestWithContext(ctx, http.MethodPost, revokeURL, body)
	if err != nil {
		return false, fmt.Errorf("revoke token at %s: %w", revokeURL, err)
	}
	request.Header.Set("Content-Type", "application/x-www-form-urlencoded")

	response, err := http.DefaultClient.Do(request)
	if err != nil {
		return false, fmt.Errorf("revoke token: %w", err)
	}
	defer response.Body.Close()
	data, err := io.ReadAll(io.LimitReader(response.Body, maxRevokeResponse))
	if err != nil {
		return false, fmt.Errorf("revoke token at %s: read response: %w", revokeURL, err)
	}
	alreadyInvalid, err = parseRevokeResponse(response.StatusCode, data)
	if err != nil {
		return false, fmt.Errorf("revoke token at %s: %w", revokeURL, err)
	}
	return alreadyInvalid, nil
}

// parseRevokeResponse classifies the status and body of a response from
// the revocation endpoint. It reports whether the token was already
// invalid, and returns an error for any other failure. The error quotes
// only the OAuth error code and a capped description, never the body.
func parseRevokeResponse(status int, body []byte) (alreadyInvalid bool, err error) {
	if status == http.StatusOK {
		return false, nil
	}
	statusText := fmt.Sprintf("%d %s", status, http.StatusText(status))
	var oauthErr struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if json.Unmarshal(body, &oauthErr) != nil || oauthErr.Error == "" {
		return false, errors.New(statusText)
	}
	if status == http.StatusBadRequest && oauthErr.Error == "invalid_token" {
		return true, nil
	}
	return false, fmt.Errorf("%s, error %q (%s)", statusText,
		truncateText(oauthErr.Error, maxErrorDescription), truncateText(oauthErr.Description, maxErrorDescription))
}

// deleteTokenFile removes the token file and syncs its directory, so the
// removal survives a crash.
func deleteTokenFile(path string) error {
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("delete token file: %w", err)
	}
	return syncDir(filepath.Dir(path))
}
