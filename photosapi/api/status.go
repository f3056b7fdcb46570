package api

import (
	"encoding/json"
	"strconv"
)

// Status is a google.rpc.Status: the outcome of one item in a batch call.
type Status struct {
	// Code is a google.rpc.Code; 0 means success.
	Code int32 `json:"code,omitempty"`
	// Message is "Success" or "OK" for a created item and the reason
	// otherwise, such as "Invalid media item ID.".
	Message string            `json:"message,omitempty"`
	Details []json.RawMessage `json:"details,omitempty"`
}

// OK reports whether s records success. A missing status counts as
// success, because the server leaves it out when an item succeeded.
func (s *Status) OK() bool {
	return s == nil || s.Code == 0
}

// Err returns nil when s is OK and otherwise an *Error for method carrying
// the code, its name, the HTTP status Google maps the code to, and the
// message.
func (s *Status) Err(method string) error {
	if s.OK() {
		return nil
	}
	return &Error{
		HTTPStatus: HTTPStatusForCode(int(s.Code)),
		Code:       int(s.Code),
		Status:     CodeName(int(s.Code)),
		Message:    clip(s.Message),
		Details:    s.Details,
		Method:     method,
		Item:       true,
	}
}

// Err returns the error of this created item: the status error, or an
// error when the server reported success without returning the item.
func (r *NewMediaItemResult) Err() error {
	if err := r.Status.Err("mediaItems.batchCreate"); err != nil {
		return err
	}
	if r.MediaItem == nil || r.MediaItem.ID == "" {
		return &Error{
			HTTPStatus: 500,
			Code:       13,
			Status:     "INTERNAL",
			Message:    "the result reports success but carries no media item",
			Method:     "mediaItems.batchCreate",
			Item:       true,
		}
	}
	return nil
}

// Err returns the error of this fetched item, like NewMediaItemResult.Err.
func (r *MediaItemResult) Err() error {
	if err := r.Status.Err("mediaItems.batchGet"); err != nil {
		return err
	}
	if r.MediaItem == nil || r.MediaItem.ID == "" {
		return &Error{
			HTTPStatus: 500,
			Code:       13,
			Status:     "INTERNAL",
			Message:    "the result reports success but carries no media item",
			Method:     "mediaItems.batchGet",
			Item:       true,
		}
	}
	return nil
}

// codes lists the google.rpc.Code values with their names and the HTTP
// status Google's REST front end responds with.
var codes = []struct {
	name string
	http int
}{
	0:  {"OK", 200},
	1:  {"CANCELLED", 499},
	2:  {"UNKNOWN", 500},
	3:  {"INVALID_ARGUMENT", 400},
	4:  {"DEADLINE_EXCEEDED", 504},
	5:  {"NOT_FOUND", 404},
	6:  {"ALREADY_EXISTS", 409},
	7:  {"PERMISSION_DENIED", 403},
	8:  {"RESOURCE_EXHAUSTED", 429},
	9:  {"FAILED_PRECONDITION", 400},
	10: {"ABORTED", 409},
	11: {"OUT_OF_RANGE", 400},
	12: {"UNIMPLEMENTED", 501},
	13: {"INTERNAL", 500},
	14: {"UNAVAILABLE", 503},
	15: {"DATA_LOSS", 500},
	16: {"UNAUTHENTICATED", 401},
}

// CodeName returns the name of a google.rpc.Code, such as
// "INVALID_ARGUMENT" for 3, or the number for an unknown code.
func CodeName(code int) string {
	if code >= 0 && code < len(codes) {
		return codes[code].name
	}
	return strconv.Itoa(code)
}

// HTTPStatusForCode returns the HTTP status that Google's REST front end
// sends for a google.rpc.Code, and 500 for an unknown code.
func HTTPStatusForCode(code int) int {
	if code >= 0 && code < len(codes) {
		return codes[code].http
	}
	return 500
}

// codeForHTTPStatus is the google.rpc.Code for an HTTP status, used when
// a body carries no code of its own.
func codeForHTTPStatus(status int) int {
	switch status {
	case 400:
		return 3
	case 401:
		return 16
	case 403:
		return 7
	case 404:
		return 5
	case 409:
		return 10
	case 429:
		return 8
	case 499:
		return 1
	case 501:
		return 12
	case 503:
		return 14
	case 504:
		return 4
	}
	return 2
}
