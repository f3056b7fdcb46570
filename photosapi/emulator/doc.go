// Package emulator is a local Google Photos Library API server. It serves
// the REST API under /v1/ (uploads included), Google's OAuth endpoints
// (POST /token, GET /o/oauth2/auth, POST /revoke), base URLs under /lh/ on
// the host the request came in on, and an inspection and fault API under
// /emulator/v1/, all on one listener. Start runs it on loopback; New gives
// an http.Handler.
//
// It follows Google's post-2025 behaviour unless Options.Legacy is set:
// every OAuth client id sees only the albums and media items it created,
// the sharing methods answer 403 PERMISSION_DENIED, and each method takes
// only the scopes Google lists for it now.
package emulator
