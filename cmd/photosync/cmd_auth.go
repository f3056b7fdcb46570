package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/oauth2"

	"github.com/photosync/photosync/photosapi"
)

func init() { registerCommand(newAuthCommand) }

// scopePrefix is the common prefix of Google's OAuth scope URLs. Output
// leaves it out, so that "photoslibrary.appendonly" fits on a line.
const scopePrefix = "https://www.googleapis.com/auth/"

// permissionsPage is the Google Account page where a user sees and removes
// the apps that have access to the account.
const permissionsPage = "https://myaccount.google.com/permissions"

func newAuthCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "auth",
		Short: "Log in to Google Photos, check the login, or log out",
		Long: "Manage the OAuth token that photosync uses to reach Google Photos.\n\n" +
			"The token file (api.token_file) holds a refresh token; photosync writes it\n" +
			"with mode 0600 and rejects it when group or others may read it. The OAuth\n" +
			"client comes from api.credentials_file, the client_secret.json of a desktop\n" +
			"app downloaded from the Google Cloud console. The endpoints come from\n" +
			"api.auth_url, api.token_url and api.revoke_url, so a config file can point\n" +
			"them at `photosync emulator`.",
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newAuthLoginCommand(a), newAuthStatusCommand(a), newAuthLogoutCommand(a))
	return cmd
}

// oauthContext returns ctx carrying the HTTP client that x/oauth2 uses for
// token requests, with each request bounded by tokenRefreshTimeout.
func oauthContext(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, &http.Client{Timeout: tokenRefreshTimeout})
}

// grantedScopes returns the scopes listed in the "scope" field of the
// token endpoint's response, or nil when the response had none.
func grantedScopes(token *oauth2.Token) []string {
	scope, _ := token.Extra("scope").(string)
	return strings.Fields(scope)
}

// missingScopes returns the scopes photosync needs that granted lacks.
// Google's consent screen lets the user untick single scopes, so a login
// can succeed with only some of them.
func missingScopes(granted []string) []string {
	var missing []string
	for _, scope := range photosapi.Scopes {
		if !slices.Contains(granted, scope) {
			missing = append(missing, scope)
		}
	}
	return missing
}

// shortScopes returns scopes without the common URL prefix, joined by
// commas.
func shortScopes(scopes []string) string {
	short := make([]string, len(scopes))
	for i, scope := range scopes {
		short[i] = strings.TrimPrefix(scope, scopePrefix)
	}
	return strings.Join(short, ", ")
}

// explainTokenError adds the remedy to an error from the token endpoint.
// An invalid_grant error means that the refresh token or the authorization
// code is no longer valid, so only a new login helps.
func explainTokenError(err error) error {
	var retrieve *oauth2.RetrieveError
	if errors.As(err, &retrieve) && retrieve.ErrorCode == "invalid_grant" {
		return fmt.Errorf("%w; the token was revoked or has expired: run `photosync auth login` again", err)
	}
	return err
}
