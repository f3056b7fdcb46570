package api

import (
	"context"
	"errors"
	"io"
	"net"
	"net/url"
	"strings"
	"syscall"
)

// IsRetryable reports whether sending the same request again later may
// succeed. That holds for a 408, a 429 that is not the daily quota, a 5xx
// other than 501, and a per-item status of INTERNAL, UNAVAILABLE,
// DEADLINE_EXCEEDED or ABORTED. It also holds for transport errors
// (connection refused or reset, unexpected EOF, network timeout) and an
// expired per-request deadline. A cancelled context, a request the client
// rejected and every other response are not retryable.
func IsRetryable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, ErrInvalidRequest) {
		return false
	}
	var e *Error
	if errors.As(err, &e) {
		return e.retryable()
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	return isTransportError(err)
}

func (e *Error) retryable() bool {
	if e.Method == MethodToken {
		// The token endpoint returns 5xx when it is down. A bad grant is
		// a 400 or 401 and needs a new login.
		return e.HTTPStatus >= 500 && e.HTTPStatus != 501
	}
	if e.Item {
		switch e.Code {
		case 4, 10, 13, 14: // DEADLINE_EXCEEDED, ABORTED, INTERNAL, UNAVAILABLE
			return true
		}
		return false
	}
	switch {
	case e.HTTPStatus == 408:
		return true
	case e.HTTPStatus == 429:
		return !e.isDailyQuota()
	case e.HTTPStatus == 501:
		return false
	case e.HTTPStatus >= 500 && e.HTTPStatus <= 599:
		return true
	}
	return false
}

// isTransportError reports whether err comes from the network below HTTP.
func isTransportError(err error) bool {
	// url.Error satisfies net.Error itself, so look at what it wraps:
	// certificate and redirect errors inside it are not transient.
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.ECONNABORTED), errors.Is(err, syscall.EPIPE),
		errors.Is(err, net.ErrClosed):
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	return false
}

// IsDailyQuota reports whether err is the per-project daily request quota
// running out: a 429, 403 or 400 whose body names a per-day limit, such as
// quota_limit "ApiCallsPerProjectPerDay" or the message "... limit 'All
// requests per day' ...". The quota resets at midnight Pacific time, so
// retrying earlier only burns requests.
func IsDailyQuota(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.isDailyQuota()
}

func (e *Error) isDailyQuota() bool {
	switch e.HTTPStatus {
	case 400, 403, 429:
	default:
		return false
	}
	if strings.Contains(e.Metadata["quota_limit"], "PerDay") {
		return true
	}
	if e.Reason == "dailyLimitExceeded" {
		return true
	}
	msg := strings.ToLower(e.Message)
	return strings.Contains(msg, "per day") || strings.Contains(msg, "perday")
}

// IsPermanent reports whether the request will fail the same way however
// often it is sent, so the caller should give up on this item until its
// input changes: a request the client rejected, a 400 (other than the
// daily quota and full storage), 403 (other than missing scopes, the
// daily quota and a disabled API), 404, 409, 410, 413, 415 or 422, and per-item statuses
// INVALID_ARGUMENT, NOT_FOUND, PERMISSION_DENIED, FAILED_PRECONDITION and
// OUT_OF_RANGE.
func IsPermanent(err error) bool {
	if errors.Is(err, ErrInvalidRequest) {
		return true
	}
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	if e.Method == MethodToken || e.isDailyQuota() || e.isStorageFull() || e.needsReauth() || e.isAPIDisabled() {
		return false
	}
	if e.Item {
		switch e.Code {
		case 3, 5, 7, 9, 11:
			return true
		}
		return false
	}
	switch e.HTTPStatus {
	case 400, 403, 404, 409, 410, 413, 415, 422:
		return true
	}
	return false
}

// NeedsReauth reports whether the user must sign in again: an HTTP 401
// that survived a token refresh, a token refresh rejected with
// invalid_grant, or a 403 for missing OAuth scopes.
func NeedsReauth(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.needsReauth()
}

func (e *Error) needsReauth() bool {
	if e.Item {
		return false
	}
	if e.Method == MethodToken {
		return e.HTTPStatus == 400 || e.HTTPStatus == 401 || e.Reason == "invalid_grant"
	}
	if e.HTTPStatus == 401 {
		return true
	}
	if e.HTTPStatus != 403 {
		return false
	}
	switch e.Reason {
	case "ACCESS_TOKEN_SCOPE_INSUFFICIENT", "insufficientPermissions":
		return true
	}
	return strings.Contains(strings.ToLower(e.Message), "insufficient authentication scopes")
}

// IsStorageFull reports whether err reports that the user's Google storage
// has no room left. Every upload fails until the user frees or buys space.
func IsStorageFull(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.isStorageFull()
}

func (e *Error) isStorageFull() bool {
	if e.Reason == "STORAGE_QUOTA_EXCEEDED" || e.Reason == "storageQuotaExceeded" {
		return true
	}
	msg := strings.ToLower(e.Message)
	return strings.Contains(msg, "remaining storage") && strings.Contains(msg, "not enough")
}

// IsExpiredURL reports whether a base URL download failed with 403, 404 or
// 410, which is how an expired base URL responds. Fetch the item again with
// mediaItems.get or batchGet for a fresh URL.
func IsExpiredURL(err error) bool {
	var e *Error
	if !errors.As(err, &e) || e.Method != MethodDownload {
		return false
	}
	switch e.HTTPStatus {
	case 403, 404, 410:
		return true
	}
	return false
}

// IsAPIDisabled reports whether the Google Cloud project behind the OAuth
// client has the Photos Library API turned off, a 403 whose reason is
// SERVICE_DISABLED or accessNotConfigured. No call works until the
// project owner enables the API.
func IsAPIDisabled(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.isAPIDisabled()
}

func (e *Error) isAPIDisabled() bool {
	if e.Item || e.HTTPStatus != 403 {
		return false
	}
	switch e.Reason {
	case "SERVICE_DISABLED", "accessNotConfigured":
		return true
	}
	return strings.Contains(e.Message, "has not been used in project") || strings.Contains(e.Message, "it is disabled")
}
