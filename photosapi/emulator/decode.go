package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode"
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

// decodeJSONBytes decodes a request body into dst, a pointer to a request
// struct with its zero value. A plain body takes the fast path of
// decodePlainJSON, and every other body the full path.
func decodeJSONBytes(data []byte, dst any) *apiError {
	if decodePlainJSON(data, dst) {
		return nil
	}
	return decodeJSONFull(data, dst)
}

// decodeJSONFull decodes data generically, checks it against dst's type
// with normalizeValue, and decodes the normalized value into dst.
func decodeJSONFull(data []byte, dst any) *apiError {
	if len(bytes.TrimSpace(data)) == 0 {
		data = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	generic, e := decodeGeneric(dec, "", 0)
	if e != nil {
		return e
	}
	if dec.More() {
		return invalidArgument("Invalid JSON payload received. Unexpected token after the JSON value.")
	}
	if _, ok := generic.(map[string]any); !ok {
		return invalidArgument("Invalid JSON payload received. The request body must be a JSON object.")
	}
	normalized, e := normalizeValue(generic, reflect.TypeOf(dst).Elem(), "")
	if e != nil {
		return e
	}
	canonical, err := json.Marshal(normalized)
	if err == nil {
		err = json.Unmarshal(canonical, dst)
	}
	if err != nil {
		return invalidArgument("Invalid JSON payload received. " + err.Error())
	}
	return nil
}

// maxJSONDepth is the deepest nesting of arrays and objects that
// decodeGeneric accepts. Request messages nest fewer than ten levels, and
// the limit keeps a body of a million brackets from recursing a million
// times.
const maxJSONDepth = 100

// decodeGeneric decodes the next JSON value of dec as encoding/json
// decodes into an any with UseNumber, with one difference: an object that
// has a name twice is an error. The C++ and Go parsers of protocol buffer
// JSON reject a field set twice, and the protobuf conformance tests expect
// that. path is the dotted path of the value, for errors, and depth its
// nesting.
func decodeGeneric(dec *json.Decoder, path string, depth int) (any, *apiError) {
	tok, err := dec.Token()
	if err != nil {
		return nil, invalidArgument("Invalid JSON payload received. Unexpected token.")
	}
	delim, ok := tok.(json.Delim)
	if !ok {
		return tok, nil
	}
	if delim != '{' && delim != '[' {
		return nil, invalidArgument("Invalid JSON payload received. Unexpected token.")
	}
	if depth >= maxJSONDepth {
		return nil, invalidArgument(fmt.Sprintf("Invalid JSON payload received. The value nests more than %d levels deep.", maxJSONDepth))
	}
	if delim == '[' {
		list := []any{}
		for dec.More() {
			v, e := decodeGeneric(dec, fmt.Sprintf("%s[%d]", path, len(list)), depth+1)
			if e != nil {
				return nil, e
			}
			list = append(list, v)
		}
		_, err := dec.Token()
		if err != nil {
			return nil, invalidArgument("Invalid JSON payload received. Unexpected token.")
		}
		return list, nil
	}
	obj := map[string]any{}
	for dec.More() {
		tok, err := dec.Token()
		name, ok := tok.(string)
		if err != nil || !ok {
			return nil, invalidArgument("Invalid JSON payload received. Unexpected token.")
		}
		if _, dup := obj[name]; dup {
			return nil, duplicateName(name, name, path)
		}
		v, e := decodeGeneric(dec, joinPath(path, name), depth+1)
		if e != nil {
			return nil, e
		}
		obj[name] = v
	}
	if _, err := dec.Token(); err != nil {
		return nil, invalidArgument("Invalid JSON payload received. Unexpected token.")
	}
	return obj, nil
}

// normalizeValue compares a decoded JSON value with the Go type it will be
// decoded into, reports the first mismatch in Google's wording, and returns
// the value in the form encoding/json decodes. Like Google's proto3 JSON
// parser it accepts proto field names (page_size) beside the JSON names
// (pageSize), and integers written as strings ("25"). path is the dotted
// field path, empty at the top level.
func normalizeValue(v any, t reflect.Type, path string) (any, *apiError) {
	if v == nil {
		return nil, nil
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		return normalizeObject(v, t, path)
	case reflect.Slice:
		list, ok := v.([]any)
		if !ok {
			return nil, invalidValue(path, "TYPE_LIST", v)
		}
		out := make([]any, len(list))
		for i, value := range list {
			n, e := normalizeValue(value, t.Elem(), fmt.Sprintf("%s[%d]", path, i))
			if e != nil {
				return nil, e
			}
			out[i] = n
		}
		return out, nil
	case reflect.String:
		if _, ok := v.(string); !ok {
			return nil, invalidValue(path, "TYPE_STRING", v)
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			return nil, invalidValue(path, "TYPE_BOOL", v)
		}
	case reflect.Int32, reflect.Int, reflect.Int64:
		return normalizeInt32(v, path)
	case reflect.Float64, reflect.Float32:
		return normalizeFloat(v, path)
	}
	return v, nil
}

func normalizeObject(v any, t reflect.Type, path string) (any, *apiError) {
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, invalidValue(path, "TYPE_MESSAGE", v)
	}
	fields := jsonFields(t)
	out := make(map[string]any, len(obj))
	// spelled maps each field set so far to the name that set it, so that
	// a field set under both its JSON name and its proto name is found.
	spelled := make(map[string]string, len(obj))
	for _, name := range slices.Sorted(maps.Keys(obj)) {
		value := obj[name]
		field, ok := fields[name]
		if !ok {
			return nil, unknownName(name, path)
		}
		if first, dup := spelled[field.name]; dup {
			return nil, duplicateName(first, name, path)
		}
		spelled[field.name] = name
		n, e := normalizeValue(value, field.typ, joinPath(path, field.name))
		if e != nil {
			return nil, e
		}
		out[field.name] = n
	}
	return out, nil
}

func normalizeInt32(v any, path string) (any, *apiError) {
	var text string
	switch n := v.(type) {
	case json.Number:
		text = n.String()
	case string:
		text = n
	default:
		return nil, invalidValue(path, "TYPE_INT32", v)
	}
	i, err := strconv.ParseInt(text, 10, 32)
	if err != nil {
		// 25.0 is an integer too.
		f, ferr := strconv.ParseFloat(text, 64)
		if ferr != nil || f != math.Trunc(f) || f < math.MinInt32 || f > math.MaxInt32 {
			return nil, invalidValue(path, "TYPE_INT32", v)
		}
		i = int64(f)
	}
	return json.Number(strconv.FormatInt(i, 10)), nil
}

func normalizeFloat(v any, path string) (any, *apiError) {
	var text string
	switch n := v.(type) {
	case json.Number:
		text = n.String()
	case string:
		text = n
	default:
		return nil, invalidValue(path, "TYPE_DOUBLE", v)
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, invalidValue(path, "TYPE_DOUBLE", v)
	}
	return json.Number(strconv.FormatFloat(f, 'g', -1, 64)), nil
}

// structField is a request field as encoding/json names it.
type structField struct {
	name string
	typ  reflect.Type
}

// jsonFields maps the JSON names of t's fields, and their proto
// (snake_case) spellings, to the fields.
func jsonFields(t reflect.Type) map[string]structField {
	fields := map[string]structField{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		field := structField{name: name, typ: f.Type}
		fields[name] = field
		fields[snakeCase(name)] = field
	}
	return fields
}

// snakeCase turns a JSON name such as mediaItemIds into its proto name
// media_item_ids.
func snakeCase(name string) string {
	var b strings.Builder
	for _, r := range name {
		if unicode.IsUpper(r) {
			b.WriteByte('_')
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
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

// duplicateName reports a field set twice in one object: by the same name,
// or by first and then by name, its other spelling. Google does not
// document its wording for this case, so the message follows the form of
// its other JSON errors.
func duplicateName(first, name, path string) *apiError {
	problem := fmt.Sprintf("%q is set more than once", name)
	if first != name {
		problem = fmt.Sprintf("%q and %q set the same field", first, name)
	}
	if path == "" {
		return invalidArgument(fmt.Sprintf("Invalid JSON payload received. Duplicate name: %s.", problem))
	}
	return invalidArgument(fmt.Sprintf("Invalid JSON payload received. Duplicate name at '%s': %s.", path, problem))
}

func invalidValue(path, protoType string, v any) *apiError {
	text, _ := json.Marshal(v)
	return invalidArgument(fmt.Sprintf("Invalid value at '%s' (%s), %s", path, protoType, text))
}
