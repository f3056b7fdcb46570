package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxErrorText caps text copied from a server response into an error.
const maxErrorText = 200

// Names of the calls that are not Library API methods, as used in
// Error.Method and in request hooks.
const (
	MethodUploads  = "uploads"      // byte uploads, raw and resumable
	MethodDownload = "download"     // base URL fetches
	MethodToken    = "oauth2.token" // access token refreshes
)

// ErrInvalidRequest marks a request the client rejected before sending it
// because the API would reject it too. Check it with errors.Is.
var ErrInvalidRequest = errors.New("invalid request")

// Error is an error response of the Library API, of the uploads endpoint,
// of a base URL or of the OAuth token endpoint.
type Error struct {
	// HTTPStatus is the response status, such as 429. For a per-item
	// status of a batch call it is the status Google maps Code to.
	HTTPStatus int
	// Code is the google.rpc.Code, such as 8 for RESOURCE_EXHAUSTED.
	Code int
	// Status is the name of Code, such as "RESOURCE_EXHAUSTED".
	Status string
	// Message is the server's message, cut to 200 bytes.
	Message string
	// Reason is errors[0].reason ("rateLimitExceeded"), else the ErrorInfo
	// reason ("RATE_LIMIT_EXCEEDED"), else the OAuth error code
	// ("invalid_grant").
	Reason string
	// Metadata is the ErrorInfo metadata, such as quota_limit.
	Metadata map[string]string
	// Details are the raw google.rpc detail messages.
	Details []json.RawMessage
	// RetryAfter is the wait the server asked for with a Retry-After
	// header or a RetryInfo detail, or zero.
	RetryAfter time.Duration
	// Method is the API method, such as "mediaItems.batchCreate", or one
	// of MethodUploads, MethodDownload and MethodToken.
	Method string
	// Item reports whether the error is the status of one item in a batch
	// response rather than of the whole request.
	Item bool
}

// Error formats e as "HTTP 400 INVALID_ARGUMENT: message (reason)", or
// "item status 3 INVALID_ARGUMENT: message" for a per-item status. The
// client prefixes the method when it returns the error.
func (e *Error) Error() string {
	var b strings.Builder
	if e.Item {
		fmt.Fprintf(&b, "item status %d %s", e.Code, e.Status)
	} else {
		fmt.Fprintf(&b, "HTTP %d", e.HTTPStatus)
		if e.Status != "" {
			b.WriteString(" " + e.Status)
		}
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.Reason != "" {
		b.WriteString(" (" + e.Reason + ")")
	}
	return b.String()
}

// googleError is the body of a Google REST error.
type googleError struct {
	Error json.RawMessage `json:"error"`
	// ErrorDescription comes with OAuth errors, whose "error" is a string.
	ErrorDescription string `json:"error_description"`
	// Code and Message come bare, without the "error" wrapper, from the
	// uploads endpoint: {"code":16,"message":"..."}.
	Code    *int   `json:"code"`
	Message string `json:"message"`
}

type googleErrorBody struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Status  string `json:"status"`
	Errors  []struct {
		Reason string `json:"reason"`
	} `json:"errors"`
	Details []json.RawMessage `json:"details"`
}

type errorDetail struct {
	Type       string            `json:"@type"`
	Reason     string            `json:"reason"`
	Metadata   map[string]string `json:"metadata"`
	RetryDelay Duration          `json:"retryDelay"`
}

// ParseError builds the *Error for an HTTP response of method with the given
// status, header and body. It reads Google's {"error":{...}} body, the
// OAuth {"error":"invalid_grant"} body, the uploads endpoint's bare
// {"code":16,"message":...} body and plain text. now resolves a
// Retry-After header given as an HTTP date.
func ParseError(method string, status int, header http.Header, body []byte, now time.Time) *Error {
	e := &Error{HTTPStatus: status, Method: method}
	if !parseJSONError(e, body) {
		e.Message = clip(strings.TrimSpace(strings.ToValidUTF8(string(body), "?")))
	}
	if e.Code == 0 {
		e.Code = codeForHTTPStatus(status)
	}
	if e.Status == "" {
		e.Status = CodeName(e.Code)
	}
	if d, ok := ParseRetryAfter(header.Get("Retry-After"), now); ok {
		e.RetryAfter = d
	}
	return e
}

// parseJSONError fills e from a JSON error body and reports whether the
// body was one.
func parseJSONError(e *Error, body []byte) bool {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return false
	}
	var top googleError
	if json.Unmarshal(body, &top) != nil {
		return false
	}
	switch {
	case len(top.Error) > 0 && top.Error[0] == '{':
		var inner googleErrorBody
		if json.Unmarshal(top.Error, &inner) != nil {
			return false
		}
		fillFromGoogle(e, &inner)
		return true
	case len(top.Error) > 0 && top.Error[0] == '"':
		var code string
		if json.Unmarshal(top.Error, &code) != nil {
			return false
		}
		e.Reason = clip(code)
		e.Message = clip(top.ErrorDescription)
		return true
	case top.Code != nil:
		e.Code = *top.Code
		e.Message = clip(top.Message)
		return true
	}
	return false
}

func fillFromGoogle(e *Error, b *googleErrorBody) {
	e.Message = clip(b.Message)
	e.Status = clip(b.Status)
	if b.Status != "" {
		if code, ok := codeByName(b.Status); ok {
			e.Code = code
		}
	}
	if len(b.Errors) > 0 {
		e.Reason = clip(b.Errors[0].Reason)
	}
	e.Details = b.Details
	for _, raw := range b.Details {
		var d errorDetail
		if json.Unmarshal(raw, &d) != nil {
			continue
		}
		switch {
		case strings.HasSuffix(d.Type, "google.rpc.ErrorInfo"):
			if e.Reason == "" {
				e.Reason = clip(d.Reason)
			}
			if e.Metadata == nil {
				e.Metadata = d.Metadata
			}
		case strings.HasSuffix(d.Type, "google.rpc.RetryInfo"):
			if d.RetryDelay > 0 {
				e.RetryAfter = time.Duration(d.RetryDelay)
			}
		}
	}
}

func codeByName(name string) (int, bool) {
	for code, c := range codes {
		if c.name == name {
			return code, true
		}
	}
	return 0, false
}

// ParseRetryAfter parses a Retry-After header value given as seconds or as
// an HTTP date. It reports false for an empty or malformed value. A date
// in the past yields zero.
func ParseRetryAfter(value string, now time.Time) (time.Duration, bool) {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(value, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		// A day is far beyond any wait a caller honours; capping here
		// keeps the multiplication from overflowing.
		if secs > 86400 {
			secs = 86400
		}
		return time.Duration(secs) * time.Second, true
	}
	when, err := http.ParseTime(value)
	if err != nil {
		return 0, false
	}
	return max(when.Sub(now), 0), true
}
