package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"reflect"
	"strings"
)

// maxJSONBody caps a JSON request body. The largest legal body, a
// batchCreate with 50 items of 1000-character descriptions, is far below it.
const maxJSONBody = 1 << 20

// standardParams are the system query parameters every Google REST method
// accepts. The emulator accepts and ignores them, except access_token.
var standardParams = map[string]bool{
	"$.xgafv": true, "access_token": true, "alt": true, "callback": true,
	"fields": true, "key": true, "oauth_token": true, "prettyPrint": true,
	"quotaUser": true, "uploadType": true, "upload_protocol": true,
}

// checkQuery rejects query parameters that are neither standard nor in
// allowed, with the message Google's front end sends.
func checkQuery(q url.Values, allowed ...string) *apiError {
	for name := range q {
		if standardParams[name] {
			continue
		}
		known := false
		for _, a := range allowed {
			if a == name {
				known = true
			}
		}
		if !known {
			return invalidArgument(fmt.Sprintf("Invalid JSON payload received. Unknown name %q: Cannot bind query parameter. Field %q could not be found in request message.", name, name))
		}
	}
	return nil
}

// decodeJSON reads the request body into dst, a pointer to a request struct.
// It rejects what Google's JSON parser rejects: malformed JSON, names the
// request message does not have, and values of the wrong JSON type. An
// empty body counts as {}.
func decodeJSON(r *http.Request, dst any) *apiError {
	data, err := io.ReadAll(io.LimitReader(r.Body, maxJSONBody+1))
	if err != nil {
		return invalidArgument("Invalid JSON payload received. Could not read the request body.")
	}
	if len(data) > maxJSONBody {
		return invalidArgument(fmt.Sprintf("Invalid JSON payload received. The request body is larger than %d bytes.", maxJSONBody))
	}
	return decodeJSONBytes(data, dst)
}

func decodeJSONBytes(data []byte, dst any) *apiError {
	if len(bytes.TrimSpace(data)) == 0 {
		data = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var generic any
	if err := dec.Decode(&generic); err != nil {
		return invalidArgument("Invalid JSON payload received. Unexpected token.")
	}
	if dec.More() {
		return invalidArgument("Invalid JSON payload received. Unexpected token after the JSON value.")
	}
	if _, ok := generic.(map[string]any); !ok {
		return invalidArgument("Invalid JSON payload received. The request body must be a JSON object.")
	}
	if e := checkValue(generic, reflect.TypeOf(dst).Elem(), ""); e != nil {
		return e
	}
	if err := json.Unmarshal(data, dst); err != nil {
		return invalidArgument("Invalid JSON payload received. " + err.Error())
	}
	return nil
}

// checkValue compares a decoded JSON value with the Go type it will be
// decoded into and reports the first mismatch in Google's wording. path is
// the dotted field path, empty at the top level.
func checkValue(v any, t reflect.Type, path string) *apiError {
	if v == nil {
		return nil
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			return invalidValue(path, "TYPE_MESSAGE", v)
		}
		fields := jsonFields(t)
		for name, value := range obj {
			ft, ok := fields[name]
			if !ok {
				return unknownName(name, path)
			}
			if e := checkValue(value, ft, joinPath(path, name)); e != nil {
				return e
			}
		}
	case reflect.Slice:
		list, ok := v.([]any)
		if !ok {
			return invalidValue(path, "TYPE_LIST", v)
		}
		for i, value := range list {
			if e := checkValue(value, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); e != nil {
				return e
			}
		}
	case reflect.String:
		if _, ok := v.(string); !ok {
			return invalidValue(path, "TYPE_STRING", v)
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			return invalidValue(path, "TYPE_BOOL", v)
		}
	case reflect.Int32, reflect.Int, reflect.Int64:
		n, ok := v.(json.Number)
		if !ok {
			return invalidValue(path, "TYPE_INT32", v)
		}
		i, err := n.Int64()
		if err != nil || i < math.MinInt32 || i > math.MaxInt32 {
			return invalidValue(path, "TYPE_INT32", v)
		}
	case reflect.Float64, reflect.Float32:
		if _, ok := v.(json.Number); !ok {
			return invalidValue(path, "TYPE_DOUBLE", v)
		}
	}
	return nil
}

// jsonFields maps the JSON names of t's fields to their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	fields := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		fields[name] = f.Type
	}
	return fields
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func unknownName(name, path string) *apiError {
	if path == "" {
		return invalidArgument(fmt.Sprintf("Invalid JSON payload received. Unknown name %q: Cannot find field.", name))
	}
	return invalidArgument(fmt.Sprintf("Invalid JSON payload received. Unknown name %q at '%s': Cannot find field.", name, path))
}

func invalidValue(path, protoType string, v any) *apiError {
	text, _ := json.Marshal(v)
	return invalidArgument(fmt.Sprintf("Invalid value at '%s' (%s), %s", path, protoType, text))
}
