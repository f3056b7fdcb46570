package api_test

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/photosync/photosync/photosapi/api"
)

// dailyQuotaBody is the 429 Google sends when the project's daily request
// quota is used up.
const dailyQuotaBody = `{"error":{"code":429,
  "message":"Quota exceeded for quota metric 'All requests' and limit 'All requests per day' of service 'photoslibrary.googleapis.com' for consumer 'project_number:123'.",
  "errors":[{"message":"Quota exceeded","domain":"global","reason":"rateLimitExceeded"}],
  "status":"RESOURCE_EXHAUSTED",
  "details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"RATE_LIMIT_EXCEEDED","domain":"googleapis.com",
              "metadata":{"quota_limit_value":"10000","quota_limit":"ApiCallsPerProjectPerDay",
                          "quota_metric":"photoslibrary.googleapis.com/all_requests"}},
             {"@type":"type.googleapis.com/google.rpc.Help","links":[{"description":"Request a higher quota limit.","url":"https://cloud.google.com/docs/quota"}]}]}}`

const perMinuteBody = `{"error":{"code":429,
  "message":"Quota exceeded for quota metric 'Write requests' and limit 'Write requests per minute per user' of service 'photoslibrary.googleapis.com'.",
  "status":"RESOURCE_EXHAUSTED"}}`

var epoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func parse(method string, status int, body string) *api.Error {
	return api.ParseError(method, status, http.Header{}, []byte(body), epoch)
}

func TestParseErrorDailyQuota(t *testing.T) {
	e := parse("mediaItems.batchCreate", 429, dailyQuotaBody)
	if e.Code != 8 {
		t.Errorf("Code = %d, want 8", e.Code)
	}
	if e.Status != "RESOURCE_EXHAUSTED" {
		t.Errorf("Status = %q, want RESOURCE_EXHAUSTED", e.Status)
	}
	if e.Reason != "rateLimitExceeded" {
		t.Errorf("Reason = %q, want rateLimitExceeded", e.Reason)
	}
	if got := e.Metadata["quota_limit"]; got != "ApiCallsPerProjectPerDay" {
		t.Errorf("Metadata[quota_limit] = %q", got)
	}
	if len(e.Details) != 2 {
		t.Errorf("len(Details) = %d, want 2", len(e.Details))
	}
	if !api.IsDailyQuota(e) {
		t.Error("IsDailyQuota = false, want true")
	}
	if api.IsRetryable(e) {
		t.Error("IsRetryable = true for the daily quota, want false")
	}
	if api.IsPermanent(e) {
		t.Error("IsPermanent = true for the daily quota, want false")
	}
}

func TestParseErrorPerMinuteQuota(t *testing.T) {
	e := parse("mediaItems.batchCreate", 429, perMinuteBody)
	if api.IsDailyQuota(e) {
		t.Error("IsDailyQuota = true for a per-minute limit")
	}
	if !api.IsRetryable(e) {
		t.Error("IsRetryable = false for a per-minute limit")
	}
}

func TestParseErrorDailyQuotaByMessageOnly(t *testing.T) {
	body := `{"error":{"code":400,"message":"Quota exceeded for quota metric 'Write requests' and limit 'Write requests per day per user'","status":"INVALID_ARGUMENT"}}`
	if e := parse("albums.create", 400, body); !api.IsDailyQuota(e) {
		t.Error("IsDailyQuota = false for a 400 naming a per-day limit")
	}
}

func TestParseErrorUploadsBareCode(t *testing.T) {
	e := parse(api.MethodUploads, 401, `{"code":16,"message":"Authentication session is not defined."}`)
	if e.Code != 16 || e.Status != "UNAUTHENTICATED" {
		t.Errorf("Code, Status = %d, %q; want 16, UNAUTHENTICATED", e.Code, e.Status)
	}
	if e.Message != "Authentication session is not defined." {
		t.Errorf("Message = %q", e.Message)
	}
	if !api.NeedsReauth(e) {
		t.Error("NeedsReauth = false for a 401")
	}
}

func TestParseErrorPlainTextIsClipped(t *testing.T) {
	body := "<html>" + strings.Repeat("é", 300) + "</html>"
	e := parse("albums.list", 502, body)
	if len(e.Message) > 210 {
		t.Errorf("len(Message) = %d, want at most about 200", len(e.Message))
	}
	if !strings.HasPrefix(e.Message, "<html>") {
		t.Errorf("Message = %q, want the start of the body", e.Message)
	}
	if !strings.HasSuffix(e.Message, "…") {
		t.Errorf("Message = %q, want a trailing ellipsis", e.Message)
	}
	if strings.ContainsRune(e.Message, '\uFFFD') {
		t.Errorf("Message = %q cuts a rune in half", e.Message)
	}
	if e.Code != 2 || e.Status != "UNKNOWN" {
		t.Errorf("Code, Status = %d, %q; want 2, UNKNOWN", e.Code, e.Status)
	}
	if !api.IsRetryable(e) {
		t.Error("IsRetryable = false for a 502")
	}
}

func TestParseErrorOAuthInvalidGrant(t *testing.T) {
	e := parse(api.MethodToken, 400, `{"error":"invalid_grant","error_description":"Token has been expired or revoked."}`)
	if e.Reason != "invalid_grant" {
		t.Errorf("Reason = %q, want invalid_grant", e.Reason)
	}
	if e.Message != "Token has been expired or revoked." {
		t.Errorf("Message = %q", e.Message)
	}
	if !api.NeedsReauth(e) {
		t.Error("NeedsReauth = false for invalid_grant")
	}
	if api.IsRetryable(e) || api.IsPermanent(e) {
		t.Error("invalid_grant classified as retryable or permanent")
	}
}

func TestParseErrorErrorInfoReasonOnly(t *testing.T) {
	body := `{"error":{"code":403,"message":"Request had insufficient authentication scopes.","status":"PERMISSION_DENIED",
	  "details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"ACCESS_TOKEN_SCOPE_INSUFFICIENT","domain":"googleapis.com"}]}}`
	e := parse("mediaItems.list", 403, body)
	if e.Reason != "ACCESS_TOKEN_SCOPE_INSUFFICIENT" {
		t.Errorf("Reason = %q", e.Reason)
	}
	if !api.NeedsReauth(e) {
		t.Error("NeedsReauth = false for missing scopes")
	}
	if api.IsPermanent(e) {
		t.Error("IsPermanent = true for missing scopes")
	}
}

func TestParseErrorRetryInfo(t *testing.T) {
	body := `{"error":{"code":503,"status":"UNAVAILABLE","message":"busy",
	  "details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"7.5s"}]}}`
	if e := parse("albums.get", 503, body); e.RetryAfter != 7500*time.Millisecond {
		t.Errorf("RetryAfter = %s, want 7.5s", e.RetryAfter)
	}
}

func TestParseErrorRetryAfterHeader(t *testing.T) {
	for _, tc := range []struct {
		name, value string
		want        time.Duration
	}{
		{"seconds", "120", 2 * time.Minute},
		{"date", epoch.Add(45 * time.Second).Format(http.TimeFormat), 45 * time.Second},
		{"past date", epoch.Add(-time.Hour).Format(http.TimeFormat), 0},
		{"garbage", "soon", 0},
		{"negative", "-5", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{"Retry-After": {tc.value}}
			e := api.ParseError("albums.get", 429, h, nil, epoch)
			if e.RetryAfter != tc.want {
				t.Errorf("RetryAfter = %s, want %s", e.RetryAfter, tc.want)
			}
		})
	}
}

func TestErrorString(t *testing.T) {
	e := parse("albums.get", 400, `{"error":{"code":400,"message":"Invalid album ID.","status":"INVALID_ARGUMENT","errors":[{"reason":"badRequest"}]}}`)
	want := "HTTP 400 INVALID_ARGUMENT: Invalid album ID. (badRequest)"
	if got := e.Error(); got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestClassifyHTTPStatuses(t *testing.T) {
	for _, tc := range []struct {
		status               int
		body                 string
		retryable, permanent bool
	}{
		{400, `{"error":{"code":400,"message":"Request contains an invalid media item id.","status":"INVALID_ARGUMENT"}}`, false, true},
		{404, "Not Found", false, true},
		{403, `{"error":{"code":403,"message":"The caller does not have permission","status":"PERMISSION_DENIED"}}`, false, true},
		{408, "", true, false},
		{500, "", true, false},
		{501, "", false, false},
		{503, "", true, false},
		{504, "", true, false},
	} {
		t.Run(fmt.Sprint(tc.status), func(t *testing.T) {
			e := parse("albums.get", tc.status, tc.body)
			if got := api.IsRetryable(e); got != tc.retryable {
				t.Errorf("IsRetryable = %v, want %v", got, tc.retryable)
			}
			if got := api.IsPermanent(e); got != tc.permanent {
				t.Errorf("IsPermanent = %v, want %v", got, tc.permanent)
			}
		})
	}
}

func TestIsStorageFull(t *testing.T) {
	e := parse("mediaItems.batchCreate", 400, `{"error":{"code":400,"message":"The remaining storage in the user's account is not enough to perform this operation.","status":"INVALID_ARGUMENT"}}`)
	if !api.IsStorageFull(e) {
		t.Error("IsStorageFull = false")
	}
	if api.IsPermanent(e) {
		t.Error("IsPermanent = true for full storage, which is not the item's fault")
	}
}

func TestIsExpiredURL(t *testing.T) {
	if !api.IsExpiredURL(parse(api.MethodDownload, 403, "Forbidden")) {
		t.Error("IsExpiredURL = false for a download 403")
	}
	if !api.IsExpiredURL(fmt.Errorf("download x: %w", parse(api.MethodDownload, 404, ""))) {
		t.Error("IsExpiredURL = false for a wrapped download 404")
	}
	if api.IsExpiredURL(parse("mediaItems.get", 404, "")) {
		t.Error("IsExpiredURL = true for an API 404")
	}
}

func TestIsRetryableTransportErrors(t *testing.T) {
	refused := &url.Error{Op: "Post", URL: "http://127.0.0.1:1/v1/albums",
		Err: &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}}
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"connection refused", refused, true},
		{"unexpected EOF", &url.Error{Op: "Get", URL: "u", Err: io.ErrUnexpectedEOF}, true},
		{"reset", fmt.Errorf("read: %w", syscall.ECONNRESET), true},
		{"deadline", fmt.Errorf("attempt timed out: %w", context.DeadlineExceeded), true},
		{"cancelled", fmt.Errorf("x: %w", context.Canceled), false},
		{"certificate", &url.Error{Op: "Get", URL: "u", Err: x509.UnknownAuthorityError{}}, false},
		{"invalid request", fmt.Errorf("albums.create: %w: title is empty", api.ErrInvalidRequest), false},
		{"nil", nil, false},
		{"plain", errors.New("something else"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := api.IsRetryable(tc.err); got != tc.want {
				t.Errorf("IsRetryable(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}

func TestStatusOK(t *testing.T) {
	var missing *api.Status
	if !missing.OK() {
		t.Error("nil Status is not OK")
	}
	if !(&api.Status{Message: "Success"}).OK() {
		t.Error(`{"message":"Success"} is not OK`)
	}
	failed := &api.Status{Code: 3, Message: "Invalid media item ID."}
	if failed.OK() {
		t.Error("code 3 is OK")
	}
	err := failed.Err("mediaItems.batchGet")
	if !api.IsPermanent(err) {
		t.Errorf("IsPermanent(%v) = false", err)
	}
	internal := (&api.Status{Code: 13, Message: "Failed: There was an error while trying to create this media item."}).Err("mediaItems.batchCreate")
	if !api.IsRetryable(internal) {
		t.Errorf("IsRetryable(%v) = false", internal)
	}
	if got, want := internal.Error(), "item status 13 INTERNAL: Failed: There was an error while trying to create this media item."; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestNewMediaItemResultErr(t *testing.T) {
	ok := api.NewMediaItemResult{Status: &api.Status{Message: "Success"}, MediaItem: &api.MediaItem{ID: "m1"}}
	if err := ok.Err(); err != nil {
		t.Errorf("Err() = %v for a created item", err)
	}
	empty := api.NewMediaItemResult{Status: &api.Status{Message: "Success"}}
	if err := empty.Err(); err == nil {
		t.Error("Err() = nil for success without an item")
	}
}

func TestIsAPIDisabled(t *testing.T) {
	body := `{"error":{"code":403,"message":"Photos Library API has not been used in project 123 before or it is disabled. Enable it by visiting the console.","status":"PERMISSION_DENIED",
	  "errors":[{"message":"x","domain":"usageLimits","reason":"accessNotConfigured"}]}}`
	e := parse("albums.list", 403, body)
	if !api.IsAPIDisabled(e) {
		t.Error("IsAPIDisabled = false")
	}
	if api.IsPermanent(e) {
		t.Error("IsPermanent = true for a disabled API, which no single item causes")
	}
	if api.IsAPIDisabled(parse("albums.share", 403, `{"error":{"code":403,"message":"The caller does not have permission","status":"PERMISSION_DENIED"}}`)) {
		t.Error("IsAPIDisabled = true for a plain permission error")
	}
}
