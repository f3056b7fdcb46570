package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/oauth2"
)

func newAuthStatusCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Check the saved login without printing any token",
		Long: "Check the login: whether the token file exists, its mode, whether one refresh\n" +
			"at api.token_url succeeds, the scopes granted, and when the new access token\n" +
			"expires. The refreshed token is saved. No token is printed. Exits with code 3\n" +
			"when the daemon could not use the login.\n\n" + exitCodeHelp,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runAuthStatus(cmd.Context(), a)
		},
	}
}

func runAuthStatus(ctx context.Context, a *app) error {
	cfg, err := a.loadConfigOrDefaults()
	if err != nil {
		return err
	}
	out := a.stdout
	path := cfg.API.TokenFile
	fmt.Fprintf(out, "Token file:    %s\n", path)

	info, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintln(out, "Logged in:     no")
		return fatalError(fmt.Errorf("not logged in: token file %s not found; run `photosync auth login`", path))
	}
	if err != nil {
		return fatalError(fmt.Errorf("check token file: %w", err))
	}
	perm := info.Mode().Perm()
	if perm&0o077 != 0 {
		fmt.Fprintf(out, "Mode:          %04o, too open: other users can read it; run `chmod 600 %s`\n", perm, path)
		return fatalError(fmt.Errorf("token file %s has mode %04o, so other users can read it and photosync rejects it; run `chmod 600 %s`",
			path, perm, path))
	}
	fmt.Fprintf(out, "Mode:          %04o\n", perm)

	token, err := readToken(path)
	if err != nil {
		return fatalError(err)
	}
	creds, err := readClientCredentials(cfg.API.CredentialsFile)
	if err != nil {
		fmt.Fprintln(out, "Refresh:       not tried, because the OAuth client file is unusable")
		return fatalError(err)
	}
	// The client id is no secret, and since March 2025 it decides which
	// items the API shows.
	fmt.Fprintf(out, "OAuth client:  %s (from %s)\n", creds.ClientID, cfg.API.CredentialsFile)

	// A token without an access token makes the source refresh at once.
	// The source saves the new token, so a rotated refresh token is kept.
	endpoint := oauth2.Endpoint{AuthURL: cfg.API.AuthURL, TokenURL: cfg.API.TokenURL}
	stale := &oauth2.Token{RefreshToken: token.RefreshToken}
	fresh, err := newTokenSource(ctx, creds, endpoint, stale, path, a.log).Token()
	if err != nil {
		fmt.Fprintf(out, "Refresh:       failed at %s\n", cfg.API.TokenURL)
		return fatalError(fmt.Errorf("refresh token: %w", explainTokenError(err)))
	}
	fmt.Fprintf(out, "Refresh:       ok at %s\n", cfg.API.TokenURL)
	writeExpiry(a, fresh.Expiry)
	return checkStatusScopes(a, grantedScopes(fresh))
}

func writeExpiry(a *app, expiry time.Time) {
	if expiry.IsZero() {
		fmt.Fprintln(a.stdout, "Access token:  no expiry given by the token endpoint")
		return
	}
	fmt.Fprintf(a.stdout, "Access token:  valid until %s (in %s)\n",
		expiry.Local().Format(time.RFC3339), time.Until(expiry).Round(time.Second))
}

// checkStatusScopes prints the granted scopes and fails when one that
// photosync needs is missing.
func checkStatusScopes(a *app, granted []string) error {
	if len(granted) == 0 {
		fmt.Fprintln(a.stdout, "Scopes:        not listed by the token endpoint")
		return nil
	}
	fmt.Fprintf(a.stdout, "Scopes:        %s\n", shortScopes(granted))
	if missing := missingScopes(granted); len(missing) > 0 {
		fmt.Fprintf(a.stdout, "Missing:       %s\n", shortScopes(missing))
		return fatalError(fmt.Errorf("the login lacks %s; run `photosync auth login` again and tick every permission",
			shortScopes(missing)))
	}
	return nil
}
