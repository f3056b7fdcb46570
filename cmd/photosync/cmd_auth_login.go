package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/oauth2"

	"github.com/photosync/photosync/config"
	"github.com/photosync/photosync/photosapi"
)

const (
	// defaultLoginTimeout is how long a login waits for the browser to
	// return. It leaves time to sign in and read the consent screen.
	defaultLoginTimeout = 5 * time.Minute
	// callbackReadHeaderTimeout bounds how long the loopback server waits
	// for the headers of a request, so a stalled client cannot hold it.
	callbackReadHeaderTimeout = 10 * time.Second
	// callbackShutdownTimeout bounds how long the loopback server waits for
	// the last page to be sent before it closes.
	callbackShutdownTimeout = 5 * time.Second
	// maxErrorDescription caps the error_description of a redirect that is
	// copied into an error message.
	maxErrorDescription = 200
)

// loginOptions are the flags of the auth login command.
type loginOptions struct {
	noBrowser bool
	port      int
	timeout   time.Duration
}

func (o *loginOptions) addFlags(cmd *cobra.Command) {
	flags := cmd.Flags()
	flags.BoolVar(&o.noBrowser, "no-browser", false,
		"print the authorization URL and wait for the redirect, without opening a browser")
	flags.IntVar(&o.port, "port", 0,
		"TCP port on 127.0.0.1 for the OAuth redirect; 0 picks a free port")
	flags.DurationVar(&o.timeout, "timeout", defaultLoginTimeout,
		"how long to wait for the browser to return, such as 5m")
}

func (o *loginOptions) validate() error {
	if o.port < 0 || o.port > 65535 {
		return usageError(fmt.Errorf("invalid --port %d: use 0 for a free port, or 1 to 65535", o.port))
	}
	if o.timeout <= 0 {
		return usageError(fmt.Errorf("invalid --timeout %s: use a positive duration, such as 5m", o.timeout))
	}
	return nil
}

func newAuthLoginCommand(a *app) *cobra.Command {
	var opts loginOptions
	cmd := &cobra.Command{
		Use:   "login [--no-browser] [--port N] [--timeout D]",
		Short: "Allow photosync to use your Google Photos account",
		Long: "Log in with OAuth for installed apps: photosync opens Google's consent page\n" +
			"in a browser, receives the authorization code on a loopback address\n" +
			"(http://127.0.0.1:PORT/), exchanges it with PKCE, and saves the refresh token\n" +
			"to api.token_file with mode 0600.\n\n" +
			"The browser must run on this computer, because Google redirects it to\n" +
			"127.0.0.1. For a machine without a browser, connect to it over SSH from a\n" +
			"computer that has one, forwarding a fixed port, run the login in that SSH\n" +
			"session, and open the printed URL in the local browser:\n\n" +
			"  ssh -L 8085:127.0.0.1:8085 HOST\n" +
			"  photosync auth login --no-browser --port 8085\n\n" + exitCodeHelp,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := opts.validate(); err != nil {
				return err
			}
			return runAuthLogin(cmd.Context(), a, opts)
		},
	}
	opts.addFlags(cmd)
	return cmd
}

func runAuthLogin(ctx context.Context, a *app, opts loginOptions) error {
	cfg, err := a.loadConfigOrDefaults()
	if err != nil {
		return err
	}
	creds, err := readClientCredentials(cfg.API.CredentialsFile)
	if err != nil {
		return fatalError(err)
	}

	address := net.JoinHostPort("127.0.0.1", strconv.Itoa(opts.port))
	listener, err := net.Listen("tcp", address)
	if err != nil {
		return fatalError(fmt.Errorf("listen for the OAuth redirect on %s: %w; pass another --port, or 0 for a free one",
			address, err))
	}
	redirect := fmt.Sprintf("http://127.0.0.1:%d/", listener.Addr().(*net.TCPAddr).Port)

	oauth := photosapi.OAuthConfig(creds.ClientID, creds.ClientSecret, cfg.API.AuthURL, cfg.API.TokenURL, redirect)
	flow := newLoginFlow(oauth, a.log)
	server := &http.Server{Handler: flow, ReadHeaderTimeout: callbackReadHeaderTimeout}
	go server.Serve(listener)
	defer func() {
		flow.finish()
		shutdownContext, cancel := context.WithTimeout(context.WithoutCancel(ctx), callbackShutdownTimeout)
		defer cancel()
		server.Shutdown(shutdownContext)
	}()

	promptLogin(a.stdout, flow.authCodeURL(), redirect, opts)

	save := func(token *oauth2.Token) error { return saveLoginToken(cfg, token) }
	token, err := flow.run(ctx, opts.timeout, save)
	if err != nil {
		return fatalError(err)
	}
	fmt.Fprintf(a.stdout, "Logged in. Saved the token to %s (mode 0600).\n", cfg.API.TokenFile)
	if granted := grantedScopes(token); len(granted) > 0 {
		fmt.Fprintf(a.stdout, "Granted scopes: %s\n", shortScopes(granted))
	}
	return nil
}

// promptLogin prints the authorization URL and opens it in the browser,
// unless opts.noBrowser is set or no browser can be started.
func promptLogin(w io.Writer, authURL, redirect string, opts loginOptions) {
	if opts.noBrowser {
		fmt.Fprintf(w, "Open this URL in a browser on this computer, or on the computer that forwards\n"+
			"the redirect port over SSH, and allow access:\n\n    %s\n\n", authURL)
	} else if err := openBrowser(authURL); err != nil {
		fmt.Fprintf(w, "Could not open a browser (%v).\nOpen this URL in a browser on this computer and allow access:\n\n    %s\n\n",
			err, authURL)
	} else {
		fmt.Fprintf(w, "Opened your browser. If no page appeared, open this URL on this computer:\n\n    %s\n\n", authURL)
	}
	fmt.Fprintf(w, "Waiting up to %s for the browser to return to %s\n", opts.timeout, redirect)
}

// openBrowser starts the desktop's URL opener with url and does not wait
// for it.
func openBrowser(url string) error {
	var name string
	switch runtime.GOOS {
	case "darwin":
		name = "open"
	case "linux", "freebsd", "netbsd", "openbsd":
		name = "xdg-open"
	default:
		return fmt.Errorf("no URL opener known for %s", runtime.GOOS)
	}
	cmd := exec.Command(name, url)
	if err := cmd.Start(); err != nil {
		return err
	}
	// Wait reaps the opener, which exits once it has handed the URL on.
	go cmd.Wait()
	return nil
}

// saveLoginToken writes token to the configured token file, creating its
// directory with mode 0700 when it is missing.
func saveLoginToken(cfg *config.Config, token *oauth2.Token) error {
	if err := os.MkdirAll(filepath.Dir(cfg.API.TokenFile), 0o700); err != nil {
		return fmt.Errorf("create token directory: %w", err)
	}
	return writeToken(cfg.API.TokenFile, token)
}

// newState returns an unguessable value for the state parameter, which
// ties the redirect to this login (RFC 6749 section 10.12).
func newState() string {
	return rand.Text()
}

// errLoginTimeout is returned when the browser does not return in time.
var errLoginTimeout = errors.New("timed out waiting for the browser to return")
