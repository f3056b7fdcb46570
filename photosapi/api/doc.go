// Package api holds the wire types of the Google Photos Library API v1 and
// the API's error type.
//
// The structs carry the JSON field names of Google's discovery document
// (revision 20240626) and its encodings: int64 fields such as
// mediaItemsCount, width and height travel as JSON strings, timestamps are
// RFC 3339, durations are decimal seconds with an "s" suffix ("0.0025s"),
// and enums are strings, listed here as typed constants.
//
// Every error the client returns for an HTTP response other than success is
// an *Error. The helpers IsRetryable, IsDailyQuota, IsPermanent,
// NeedsReauth, IsStorageFull, IsAPIDisabled and IsExpiredURL classify any
// error, including transport errors, by what the caller should do next. The package imports
// only the standard library.
package api
