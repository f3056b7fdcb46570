// Package photosapi is a client for the Google Photos Library API v1: every
// REST method, raw and resumable byte uploads, base URL downloads,
// retries, and a hook that reports each HTTP attempt for quota counting.
//
// # Errors
//
// A call returns an error wrapping one of these, each prefixed with the
// method name ("albums.get: ..."):
//
//   - *api.Error for an HTTP response other than 2xx, with the status,
//     the google.rpc code and name, the message and the reason.
//   - api.ErrInvalidRequest when the client rejected the request before
//     sending it because the API documents it as invalid (more than 50
//     ids, a repeated id, an empty title, filters together with an album
//     id, and so on). The message names the value and the rule.
//   - a transport error from net/http, or the context's error.
//
// Classify errors with api.IsRetryable, api.IsDailyQuota, api.IsPermanent,
// api.NeedsReauth, api.IsStorageFull, api.IsAPIDisabled and
// api.IsExpiredURL rather than by their text. Batch responses carry
// per-item statuses, so check each result's Err: the call itself succeeds
// when single items fail.
//
// # Retries
//
// Each attempt has a deadline (Options.RequestTimeout for JSON calls,
// Options.TransferTimeout for uploads and downloads). A failed attempt is
// retried up to Options.MaxRetries times when api.IsRetryable holds: 408,
// 429 other than the daily quota, 5xx other than 501, transport errors and
// attempt timeouts. The wait grows from 1 s by a factor of 1.3 up to 10 s,
// spread by 20% jitter, and after a 429 it is at least 30 s. A
// Retry-After header or RetryInfo detail sets the wait instead, up to
// Options.MaxRetryAfter. A longer one returns the error with
// api.Error.RetryAfter set. The daily quota is never retried.
//
// Reads, patches, album membership changes, sharing calls and byte uploads
// retry on every retryable error. albums.create, mediaItems.batchCreate
// and albums.addEnrichment create something on each processed request,
// so they retry only when the server did not process it. That is when the
// request body never fully reached the connection, or when the server
// responded with 429 or 503, which Google uses for rate limits and
// overload.
//
// After an HTTP 401 the client invalidates its access token (when
// Options.TokenSource has an Invalidate method, as *TokenSource does) and
// sends the request once more.
//
// # Bodies and iterators
//
// The client reads and closes every response body itself; callers never
// see an *http.Response. Download streams into the caller's io.Writer.
// The List and Search methods return iterators that fetch pages lazily,
// ask for the largest page the method allows, drop an item the server
// repeats at the top of the next page, and stop after yielding an error.
//
// # Uploads
//
// UploadRaw sends a file in one request. StartResumable opens a session
// and returns its URL before any byte is sent, so the caller can save it;
// ResumableUpload.Upload sends chunks and, after an interrupted or failed
// chunk, queries the server for the bytes it received and continues from there.
// ResumeUpload continues a saved session after a restart.
package photosapi
