// Package emulator is a local Google Photos Library API server. It serves,
// on one listener:
//
//   - the REST API under /v1/, with Google's paths, bodies, limits and
//     error bodies, and the byte uploads at /v1/uploads (raw and
//     resumable);
//   - Google's OAuth endpoints: POST /token (authorization_code with PKCE,
//     refresh_token), GET /o/oauth2/auth, which approves at once, and
//     POST /revoke;
//   - base URLs under /lh/ on the scheme and host the request came in on;
//   - the inspection and fault API under /emulator/v1/ (items, albums,
//     requests, faults, clock), which needs no token.
//
// Start runs it on loopback and New returns it as an http.Handler. The
// handler must run under net/http's server, because dropped-connection
// faults end the handler with http.ErrAbortHandler.
//
// # Behaviour
//
// By default the emulator follows Google's rules since 31 March 2025. Each
// OAuth client id sees only the albums and items it created, the sharing
// methods return 403 PERMISSION_DENIED, and a method accepts only the
// scopes Google now lists for it: appendonly, readonly.appcreateddata and
// edit.appcreateddata. Options.Legacy restores full-library reads, the
// removed scopes and working sharing, so that every method can be called.
//
// A refresh token the emulator has never seen is accepted at POST /token
// and bound to the client id that presents it, with the three current
// scopes (plus the sharing scope in Legacy mode), unless it was revoked.
// Access tokens last 3599 seconds of emulator clock.
//
// Items get their MIME type, size, capture time, camera and exposure from
// their bytes through internal/media. creationTime is the capture time, or
// the upload time when the bytes have none; items without a capture time
// never match a dateFilter. Videos report PROCESSING for
// Options.VideoProcessingTime and READY after.
//
// Each client has a daily request quota, reset at midnight in
// America/Los_Angeles on the emulator clock, an optional per-minute write
// limit, and a separate daily quota for base-URL fetches.
//
// # Inspection and faults
//
// The endpoints under /emulator/v1/ take and return JSON and need no token:
//
//   - GET items: {"items":[{"id","filename","sha256","size","mimeType",
//     "creatorClientId","albumIds":[]}]}, every item of every client.
//   - GET albums: {"albums":[{"id","title","creatorClientId",
//     "mediaItemIds":[]}]}.
//   - GET requests: {"total","byMethod":{"mediaItems.batchCreate":n,...},
//     "uploadBytes","inFlight","connections"}, counting requests by method
//     name (the discovery names, plus "uploads", "download" and "token")
//     and the request-body bytes received on /v1/uploads. inFlight is the
//     number of API requests still being handled, so a test can wait for a
//     killed client's requests to finish. connections is the number of TCP
//     connections accepted, when the emulator serves through Start. DELETE
//     requests resets the counts but not inFlight.
//   - POST faults: {"method","status","body","headers","delay",
//     "dropAfterBytes","bytesPerSecond","count","after","probability",
//     "seed","preset","itemStatus"} adds a fault and returns {"id"}. A
//     request takes the first fault that matches its method, before
//     authentication. count 0 means until cleared. after lets that many
//     matching requests pass first, so
//     {"method":"uploads","status":503,"count":1,"after":2} fails the
//     third upload request, such as the second chunk after a session
//     start. A status or preset fault on "uploads" reads the request body
//     before it responds, and counts it in uploadBytes. dropAfterBytes
//     closes the connection without a response, after reading that many
//     request-body bytes or, for "download", after writing that many
//     response-body bytes. bytesPerSecond, only for "download" and not
//     with status, preset or body, sends the download's body at that rate
//     in flushed chunks of a twentieth of it, and stops when the client
//     goes away. A rate of 0 or below is rejected. itemStatus fails the
//     next count items of batchCreate inside an HTTP 200. preset is
//     dailyQuota, perMinuteQuota, storageFull or unavailable, with
//     Google's bodies. {"revokeRefreshToken":"…"} revokes a refresh token
//     and its access tokens. GET faults lists the active faults and DELETE
//     faults clears them.
//   - POST clock {"advance":"25h"} moves the emulator clock forward and
//     returns {"now"} in RFC 3339. GET clock returns {"now"}.
//
// # Choices where Google's behaviour is not known
//
// Each choice below is the one least likely to let a client lose or
// duplicate a picture, or to hide a client bug.
//
//   - A request rejected for quota does not count toward any quota,
//     because Google does not document whether it does, and counting it
//     would keep a client that retries locked out for longer.
//   - Page sizes default to Google's 20 for albums and 25 for items.
//     Larger ones than the maximum (50 for albums, 100 for items) are
//     clamped, and negative ones are rejected. Library listings resume
//     after the last item returned, so items created while a client pages
//     are never returned twice. Page tokens only work with the arguments
//     they came from.
//   - mediaItems.list and search without orderBy return the newest
//     creationTime first; albums.list returns albums oldest first.
//   - Identical bytes are one item. batchCreate with bytes already in the
//     library returns the existing item, with its first file name and
//     owner, and with albumId also adds it to that album.
//   - An upload token can be used for any number of batchCreate calls
//     within its day, and each returns the same item, because clients
//     re-send creations after a crash.
//   - An upload token that was never issued fails the whole batchCreate
//     with "Request must contain a valid upload token.". An expired one
//     fails only its own item, with code 3, so the rest of the batch is
//     created. Bytes Google Photos does not accept, and photos over 200 MB
//     or videos over 20 GB, also fail per item.
//   - Request-level batchCreate errors (too many items, a bad file name or
//     description, an album that is full or not the client's) create
//     nothing.
//   - The text of the 403 for the sharing methods is Google's generic
//     PERMISSION_DENIED text, because the real one is not documented.
//   - orderBy without a dateFilter, albumId together with filters, more
//     than one media type, and the dateFilter and contentFilter limits are
//     rejected with INVALID_ARGUMENT and the emulator's own messages.
//   - Content categories never match and FAVORITES never matches, because
//     the emulator does not classify pictures and has no favourites. So an
//     included category returns nothing and an excluded one removes
//     nothing. NONE is ignored, in both filters, as Google ignores it.
//   - Request bodies take the JSON names (pageSize) and the proto names
//     (page_size), and integers as numbers or strings, as Google's proto3
//     JSON parser does. Any other name is rejected with Google's "Unknown
//     name" message.
//   - X-Goog-Upload-File-Name is the file name as sent, in UTF-8, and is
//     never percent-decoded, because Google documents no encoding for it
//     and decoding would turn a literal "%41" in a name into "A".
//   - Resumable session URLs work for seven days, the lifetime Google
//     documents for the same protocol in its Street View Publish API. A
//     query of a finished session returns the upload token again. A
//     connection dropped by a fault keeps only the whole granules that
//     arrived.
//   - The chunk granularity is 256 KiB unless configured.
//   - Base URLs are signed, need no Authorization header and expire after
//     60 minutes with 403. A bare base URL returns the image scaled into
//     512×512. Image parameters on a video, and on formats internal/media
//     cannot decode, return a grey placeholder of the right size. =dv on a
//     video that is still processing returns 404.
//   - POST /revoke accepts tokens the emulator has never seen and records
//     them as revoked.
//
// # Persistence
//
// With Options.DataDir the state is kept in a bbolt database, state.db,
// and uploaded bytes are kept as files under blobs/. Every write request
// commits the entries it changed, so items, albums, tokens, resumable
// sessions and clock advances survive a restart or a crash. Quota counters
// changed by reads are committed with the next write or by Close. Request
// counters and faults are not kept. A second emulator on the same
// directory fails to start, because bbolt locks the file.
package emulator
