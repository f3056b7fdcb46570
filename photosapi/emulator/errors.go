package emulator

import (
	"encoding/json"
	"net/http"
)

// apiError is an error in Google's JSON error shape: google.rpc.Status with
// the legacy "errors" array that Google's REST front end adds.
type apiError struct {
	Code    int
	Status  string
	Message string
	Reason  string
	// Details, when set, becomes the "details" array.
	Details []any
}

func (e *apiError) Error() string { return e.Status + ": " + e.Message }

type errorItemJSON struct {
	Message string `json:"message"`
	Domain  string `json:"domain"`
	Reason  string `json:"reason"`
}

type errorBodyJSON struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Errors  []errorItemJSON `json:"errors,omitempty"`
	Status  string          `json:"status"`
	Details []any           `json:"details,omitempty"`
}

type errorJSON struct {
	Error errorBodyJSON `json:"error"`
}

func (e *apiError) body() []byte {
	b, _ := json.Marshal(errorJSON{Error: errorBodyJSON{
		Code:    e.Code,
		Message: e.Message,
		Errors:  []errorItemJSON{{Message: e.Message, Domain: "global", Reason: e.Reason}},
		Status:  e.Status,
		Details: e.Details,
	}})
	return b
}

func writeAPIError(w http.ResponseWriter, e *apiError) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(e.Code)
	w.Write(e.body())
}

func invalidArgument(msg string) *apiError {
	return &apiError{Code: http.StatusBadRequest, Status: "INVALID_ARGUMENT", Message: msg, Reason: "badRequest"}
}

func failedPrecondition(msg string) *apiError {
	return &apiError{Code: http.StatusBadRequest, Status: "FAILED_PRECONDITION", Message: msg, Reason: "failedPrecondition"}
}

func permissionDenied(msg string) *apiError {
	return &apiError{Code: http.StatusForbidden, Status: "PERMISSION_DENIED", Message: msg, Reason: "forbidden"}
}

func notFound(msg string) *apiError {
	return &apiError{Code: http.StatusNotFound, Status: "NOT_FOUND", Message: msg, Reason: "notFound"}
}

// Messages the real service sends, reproduced byte for byte.
const (
	msgInvalidMediaItemID  = "Invalid media item ID."
	msgInvalidAlbumID      = "Invalid album ID."
	msgBatchInvalidID      = "Request contains an invalid media item id."
	msgTooManyItems        = "Request must have less than 50 items."
	msgInvalidUploadToken  = "Request must contain a valid upload token."
	msgNoAlbumPermission   = "No permission to add media items to this album."
	msgInsufficientScopes  = "Request had insufficient authentication scopes."
	msgStorageFull         = "The remaining storage in the user's account is not enough to perform this operation."
	msgCreateFailed        = "Failed: There was an error while trying to create this media item."
	msgUnauthenticated     = "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project."
	msgSharingGone         = "The caller does not have permission"
	msgUnavailable         = "The service is currently unavailable."
	msgUploadsNoSession    = "Authentication session is not defined."
	msgDailyQuotaExceeded  = "Quota exceeded for quota metric 'All requests' and limit 'All requests per day' of service 'photoslibrary.googleapis.com' for consumer 'project_number:%s'."
	msgMinuteQuotaExceeded = "Quota exceeded for quota metric 'Write requests' and limit 'Write requests per minute per user' of service 'photoslibrary.googleapis.com' for consumer 'project_number:%s'."
	msgMediaQuotaExceeded  = "Quota exceeded for quota metric 'Media bytes requests' and limit 'Media bytes requests per day' of service 'photoslibrary.googleapis.com' for consumer 'project_number:%s'."
)

func unauthenticated() *apiError {
	return &apiError{Code: http.StatusUnauthorized, Status: "UNAUTHENTICATED", Message: msgUnauthenticated, Reason: "authError"}
}

func unavailable() *apiError {
	return &apiError{Code: http.StatusServiceUnavailable, Status: "UNAVAILABLE", Message: msgUnavailable, Reason: "backendError"}
}

func internalError(msg string) *apiError {
	return &apiError{Code: http.StatusInternalServerError, Status: "INTERNAL", Message: msg, Reason: "backendError"}
}
