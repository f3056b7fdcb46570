package emulator

import (
	"math"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/photosync/photosync/internal/jsonscan"
)

// The plain-JSON decoder is the fast path of decodeJSONBytes. It decodes a
// body straight into the request struct when the body is written the way
// JSON encoders write requests. Such a body is one object with known field
// names, each field at most once, strings without escapes, and numbers of
// the field's JSON type. The fast path declines every other body, and
// decodeJSONBytes then runs the full path, which reports Google's errors
// and accepts the rest of what Google accepts (escapes, integers as
// strings, 25.0 for an int32).
//
// The fast path must give exactly what the full path gives for every body
// it accepts. Each rule below keeps to that:
//
//   - Names match byte for byte against the same JSON and proto names as
//     jsonFields, never case-insensitively as encoding/json does.
//   - A repeated field is declined, because the full path rejects a name
//     given twice and a field given under both its spellings.
//   - null leaves the field at its zero value, as the full path's
//     re-encoded null does.
//   - [] gives an empty, non-nil slice, as encoding/json does.
//   - A string with a backslash, a control character or invalid UTF-8 is
//     declined, because the full path would unescape or repair it.
//   - Numbers are checked against JSON's grammar and parsed with the same
//     strconv calls as normalizeInt32 and normalizeFloat.
//
// FuzzDecodePlainJSON checks the fast path against the full path.

// plainType is the fast path's plan for one Go type: its kind, and for a
// struct its fields by name.
type plainType struct {
	// kind is String, Bool, Int32, Float64, Struct, Slice, or Pointer for a
	// pointer to a struct.
	kind reflect.Kind
	// typ is the Go type, which reflect needs to allocate a slice or a
	// pointed-to struct.
	typ reflect.Type
	// elem is the element of a slice or the struct a pointer points to.
	elem *plainType
	// fields are a struct's fields with a JSON name, and names maps each
	// JSON name and its proto (snake_case) spelling to an index in fields.
	fields []plainField
	names  map[string]int
}

type plainField struct {
	// index is the field's index in the Go struct.
	index int
	typ   *plainType
}

// plainTypes caches the plan of each request type: a *plainType, or nil
// when the type has a field the fast path does not decode.
var plainTypes sync.Map

// plainTypeOf returns the plan for a request struct type, or nil when the
// fast path cannot decode it.
func plainTypeOf(t reflect.Type) *plainType {
	if cached, ok := plainTypes.Load(t); ok {
		return cached.(*plainType)
	}
	plan := buildPlainType(t, map[reflect.Type]*plainType{})
	if plan != nil && plan.kind != reflect.Struct {
		plan = nil
	}
	plainTypes.Store(t, plan)
	return plan
}

// buildPlainType builds the plan for t. building holds the struct types
// whose plans are under construction, so that a recursive type ends.
func buildPlainType(t reflect.Type, building map[reflect.Type]*plainType) *plainType {
	switch t.Kind() {
	case reflect.String, reflect.Bool, reflect.Int32, reflect.Float64:
		return &plainType{kind: t.Kind(), typ: t}
	case reflect.Slice:
		elem := buildPlainType(t.Elem(), building)
		if elem == nil || elem.kind == reflect.Slice {
			return nil
		}
		return &plainType{kind: reflect.Slice, typ: t, elem: elem}
	case reflect.Pointer:
		if t.Elem().Kind() != reflect.Struct {
			return nil
		}
		elem := buildPlainType(t.Elem(), building)
		if elem == nil {
			return nil
		}
		return &plainType{kind: reflect.Pointer, typ: t, elem: elem}
	case reflect.Struct:
		return buildPlainStruct(t, building)
	}
	return nil
}

// buildPlainStruct builds the plan for a struct. It returns nil for a struct
// that encoding/json might decode differently from the names jsonFields
// lists. That is a struct with embedded or unexported fields, tag options
// such as ",string" or two fields sharing a name. It also returns nil for
// more than 64 fields, the size of the decoder's record of fields seen.
func buildPlainStruct(t reflect.Type, building map[reflect.Type]*plainType) *plainType {
	if plan, ok := building[t]; ok {
		return plan
	}
	if t.NumField() > 64 {
		return nil
	}
	plan := &plainType{kind: reflect.Struct, typ: t, names: map[string]int{}}
	building[t] = plan
	for i := range t.NumField() {
		f := t.Field(i)
		name, options, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		if f.Anonymous || !f.IsExported() || !plainName(name) {
			return nil
		}
		if options != "" && options != "omitempty" && options != "omitzero" {
			return nil
		}
		ft := buildPlainType(f.Type, building)
		if ft == nil {
			return nil
		}
		index := len(plan.fields)
		plan.fields = append(plan.fields, plainField{index: i, typ: ft})
		for _, n := range []string{name, snakeCase(name)} {
			if other, exists := plan.names[n]; exists && other != index {
				return nil
			}
			plan.names[n] = index
		}
	}
	return plan
}

// plainName reports whether a JSON name has only ASCII letters, digits and
// underscores, which encoding/json takes as the field's name unchanged.
func plainName(name string) bool {
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// decodePlainJSON decodes data into dst, a pointer to a request struct with
// its zero value, and reports whether it did. When it returns false, dst
// is left at its zero value and the caller must run the full path.
func decodePlainJSON(data []byte, dst any) bool {
	v := reflect.ValueOf(dst)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return false
	}
	plan := plainTypeOf(v.Type().Elem())
	v = v.Elem()
	if plan == nil || !v.IsZero() {
		return false
	}
	d := plainDecoder{Cursor: jsonscan.Cursor{Data: data}}
	d.SkipSpace()
	if d.Pos == len(d.Data) {
		// An empty body counts as {}.
		return true
	}
	ok := d.object(plan, v)
	d.SkipSpace()
	if !ok || d.Pos != len(d.Data) {
		v.SetZero()
		return false
	}
	return true
}

// plainDecoder reads one JSON value at a time from data, starting at pos.
// Each method returns false when the input is not plain, and then the
// position is of no further use.
type plainDecoder struct {
	jsonscan.Cursor
}

func (d *plainDecoder) object(t *plainType, v reflect.Value) bool {
	if !d.Consume('{') {
		return false
	}
	d.SkipSpace()
	if d.Consume('}') {
		return true
	}
	var seen uint64
	for {
		d.SkipSpace()
		key, ok := d.plainString()
		if !ok {
			return false
		}
		i, ok := t.names[string(key)]
		if !ok || seen&(1<<i) != 0 {
			return false
		}
		seen |= 1 << i
		d.SkipSpace()
		if !d.Consume(':') {
			return false
		}
		d.SkipSpace()
		f := t.fields[i]
		if !d.value(f.typ, v.Field(f.index)) {
			return false
		}
		d.SkipSpace()
		if !d.Consume(',') {
			return d.Consume('}')
		}
	}
}

func (d *plainDecoder) array(t *plainType, v reflect.Value) bool {
	if !d.Consume('[') {
		return false
	}
	d.SkipSpace()
	if d.Consume(']') {
		v.Set(reflect.MakeSlice(t.typ, 0, 0))
		return true
	}
	for n := 0; ; n++ {
		d.SkipSpace()
		if n == v.Cap() {
			v.Grow(1)
		}
		v.SetLen(n + 1)
		if !d.value(t.elem, v.Index(n)) {
			return false
		}
		d.SkipSpace()
		if !d.Consume(',') {
			return d.Consume(']')
		}
	}
}

// value decodes one value of type t into v, which holds its zero value.
func (d *plainDecoder) value(t *plainType, v reflect.Value) bool {
	if d.Literal("null") {
		return true
	}
	switch t.kind {
	case reflect.Struct:
		return d.object(t, v)
	case reflect.Pointer:
		p := reflect.New(t.elem.typ)
		if !d.object(t.elem, p.Elem()) {
			return false
		}
		v.Set(p)
		return true
	case reflect.Slice:
		return d.array(t, v)
	case reflect.String:
		s, ok := d.plainString()
		if ok {
			v.SetString(string(s))
		}
		return ok
	case reflect.Bool:
		if d.Literal("true") {
			v.SetBool(true)
			return true
		}
		return d.Literal("false")
	case reflect.Int32:
		text, ok := d.number(false)
		if !ok {
			return false
		}
		n, err := strconv.ParseInt(string(text), 10, 32)
		if err != nil {
			return false
		}
		v.SetInt(n)
		return true
	case reflect.Float64:
		text, ok := d.number(true)
		if !ok {
			return false
		}
		f, err := strconv.ParseFloat(string(text), 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return false
		}
		v.SetFloat(f)
		return true
	}
	return false
}

// plainString returns the bytes of the JSON string at the position, without
// its quotes, when it has no escapes, no control characters and valid
// UTF-8, so that the bytes are the decoded string.
func (d *plainDecoder) plainString() ([]byte, bool) {
	if !d.Consume('"') {
		return nil, false
	}
	start := d.Pos
	ascii := true
	for ; d.Pos < len(d.Data); d.Pos++ {
		c := d.Data[d.Pos]
		switch {
		case c == '"':
			s := d.Data[start:d.Pos]
			d.Pos++
			if !ascii && !utf8.Valid(s) {
				return nil, false
			}
			return s, true
		case c == '\\' || c < 0x20:
			return nil, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return nil, false
}

// number returns the JSON number at the position. Without fraction it
// accepts only integers: -?(0|[1-9][0-9]*). With fraction it accepts the
// whole JSON number grammar, with fraction and exponent.
func (d *plainDecoder) number(fraction bool) ([]byte, bool) {
	start := d.Pos
	d.Consume('-')
	switch {
	case d.Consume('0'):
	case d.Digits() == 0:
		return nil, false
	}
	if fraction {
		if d.Consume('.') && d.Digits() == 0 {
			return nil, false
		}
		if d.Consume('e') || d.Consume('E') {
			if !d.Consume('+') {
				d.Consume('-')
			}
			if d.Digits() == 0 {
				return nil, false
			}
		}
	}
	return d.Data[start:d.Pos], true
}
