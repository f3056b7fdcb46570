package emulator

import (
	"bytes"
	"encoding/json"
	"math"
	"net/http/httptest"
	"reflect"
	"testing"
)

// filler sets every field of a response value from a few fuzz inputs, so
// that a field added to a response type without an encoder change makes
// the comparison with json.Marshal fail.
type filler struct {
	text   string
	number float64
	count  int32
	// zero has one bit per field visited: a set bit leaves the field zero
	// or nil, or gives a slice no elements.
	zero  uint64
	field int
}

func (f *filler) leaveZero() bool {
	bit := f.zero&(1<<(f.field%64)) != 0
	f.field++
	return bit
}

func (f *filler) fill(v reflect.Value) {
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			f.fill(v.Field(i))
		}
	case reflect.Pointer:
		if f.leaveZero() {
			return
		}
		v.Set(reflect.New(v.Type().Elem()))
		f.fill(v.Elem())
	case reflect.Slice:
		n := 2
		if f.leaveZero() {
			n = 0
		}
		v.Set(reflect.MakeSlice(v.Type(), n, n))
		for i := range n {
			f.fill(v.Index(i))
		}
	case reflect.String:
		if !f.leaveZero() {
			v.SetString(f.text)
		}
	case reflect.Float64:
		if !f.leaveZero() {
			v.SetFloat(f.number)
		}
	case reflect.Int32:
		if !f.leaveZero() {
			v.SetInt(int64(f.count))
		}
	default:
		panic("filler: no rule for " + v.Type().String())
	}
}

// appendTargets are the responses that encode themselves.
var appendTargets = []func() jsonAppender{
	func() jsonAppender { return batchCreateResponse{} },
	func() jsonAppender { return batchGetResponse{} },
	func() jsonAppender { return mediaItemsPage{} },
}

// checkAppendMatchesMarshal fills each response type and compares its
// appendJSON with json.Marshal.
func checkAppendMatchesMarshal(t *testing.T, f filler) {
	t.Helper()
	for _, newTarget := range appendTargets {
		v := reflect.New(reflect.TypeOf(newTarget())).Elem()
		fill := f
		fill.fill(v)
		target := v.Interface().(jsonAppender)
		want, err := json.Marshal(target)
		got, ok := target.appendJSON([]byte("prefix"))
		if ok != (err == nil) {
			t.Fatalf("%T: appendJSON ok = %v, json.Marshal error = %v", target, ok, err)
		}
		if ok && !bytes.Equal(got, append([]byte("prefix"), want...)) {
			t.Fatalf("%T:\nappendJSON   %s\njson.Marshal prefix%s", target, got, want)
		}
	}
}

func TestAppendJSONMatchesMarshal(t *testing.T) {
	texts := []string{"", "a", "IMG_0001.jpg", "<", ">", "&", "a\"b", `\`, `"\`, "tab\there\n", "\x7f", "é 日本", "\u2028\u2029", "\xff\xfe", "\x00"}
	numbers := []float64{0, math.Copysign(0, -1), 1.8, 4.25, 1e20, 1e21, 1e-6, 1e-7, -123456789.125, math.NaN(), math.Inf(1)}
	counts := []int32{0, 1, -1, math.MaxInt32, math.MinInt32}
	zeros := []uint64{0, ^uint64(0), 0x5555555555555555, 0xaaaaaaaaaaaaaaaa, 0x0f0f0f0f0f0f0f0f}
	for i, text := range texts {
		for j, number := range numbers {
			f := filler{text: text, number: number, count: counts[(i+j)%len(counts)], zero: zeros[(i+j)%len(zeros)]}
			checkAppendMatchesMarshal(t, f)
		}
	}
}

func FuzzAppendJSON(f *testing.F) {
	f.Add("IMG_0001.jpg", 4.25, int32(100), uint64(0))
	f.Add("<a&b>", 1e21, int32(-1), uint64(0x5555555555555555))
	f.Add("\xff\u2028", math.Inf(-1), int32(0), uint64(3))
	f.Fuzz(func(t *testing.T, text string, number float64, count int32, zero uint64) {
		checkAppendMatchesMarshal(t, filler{text: text, number: number, count: count, zero: zero})
	})
}

func TestWriteJSONFallsBackForInfiniteFloat(t *testing.T) {
	resp := mediaItemsPage{MediaItems: []mediaItemJSON{{ID: "a", MediaMetadata: &mediaMetadataJSON{
		Video: &videoJSON{Fps: math.Inf(1)}}}}}
	rec := httptest.NewRecorder()
	writeJSON(rec, 200, resp)
	if rec.Code != 500 {
		t.Errorf("writeJSON of an infinite float: status %d, want 500 as json.Marshal fails: %s", rec.Code, rec.Body.Bytes())
	}
}
