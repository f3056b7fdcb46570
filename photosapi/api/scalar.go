package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Duration is a google.protobuf.Duration in its JSON form: decimal seconds
// with up to nine fractional digits and an "s" suffix, such as "0.0025s".
type Duration time.Duration

// maxDurationSeconds is the largest whole number of seconds a Duration
// holds: time.Duration counts nanoseconds in an int64.
const maxDurationSeconds = math.MaxInt64 / int64(time.Second)

// String returns d in the API's text form, for example "0.0025s".
func (d Duration) String() string {
	ns := int64(d)
	sign := ""
	if ns < 0 {
		sign = "-"
	}

	// Work on the magnitude as uint64 so that the minimum int64 survives.
	mag := uint64(ns)
	if ns < 0 {
		mag = -mag
	}
	secs := mag / uint64(time.Second)
	frac := mag % uint64(time.Second)
	if frac == 0 {
		return fmt.Sprintf("%s%ds", sign, secs)
	}
	digits := strings.TrimRight(fmt.Sprintf("%09d", frac), "0")
	return fmt.Sprintf("%s%d.%ss", sign, secs, digits)
}

// MarshalJSON encodes d as a JSON string such as "0.0025s".
func (d Duration) MarshalJSON() ([]byte, error) {
	return []byte(strconv.Quote(d.String())), nil
}

// UnmarshalJSON decodes a JSON string such as "0.0025s" or "-3s". A JSON
// null leaves d unchanged.
func (d *Duration) UnmarshalJSON(data []byte) error {
	if bytes.Equal(data, []byte("null")) {
		return nil
	}
	var text string
	if err := unquote(data, &text); err != nil {
		return fmt.Errorf("decode duration %s: %w", clip(string(data)), err)
	}
	v, err := ParseDuration(text)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// ParseDuration parses the API's duration text: an optional minus sign,
// whole seconds, an optional fraction of at most nine digits and the
// suffix "s".
func ParseDuration(text string) (Duration, error) {
	fail := func(why string) (Duration, error) {
		return 0, fmt.Errorf("parse duration %q: %s; want decimal seconds such as \"0.0025s\"", clip(text), why)
	}
	s, ok := strings.CutSuffix(text, "s")
	if !ok {
		return fail("missing the \"s\" suffix")
	}
	negative := false
	if rest, cut := strings.CutPrefix(s, "-"); cut {
		negative, s = true, rest
	}
	whole, frac, hasFrac := strings.Cut(s, ".")
	if whole == "" || !allDigits(whole) {
		return fail("seconds are not a decimal number")
	}
	if hasFrac && (frac == "" || len(frac) > 9 || !allDigits(frac)) {
		return fail("the fraction needs one to nine digits")
	}
	secs, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || secs > maxDurationSeconds {
		return fail("out of range")
	}
	var nanos int64
	if hasFrac {
		nanos, _ = strconv.ParseInt(frac+strings.Repeat("0", 9-len(frac)), 10, 64)
	}
	total := secs*int64(time.Second) + nanos
	if total < 0 {
		return fail("out of range")
	}
	if negative {
		total = -total
	}
	return Duration(total), nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func unquote(data []byte, out *string) error {
	if len(data) == 0 || data[0] != '"' {
		return errors.New("want a JSON string")
	}
	return json.Unmarshal(data, out)
}

// clip shortens text copied from the network into an error message to
// maxErrorText bytes, so a large or hostile body cannot flood logs.
func clip(text string) string {
	if len(text) <= maxErrorText {
		return text
	}
	cut := maxErrorText
	for cut > 0 && !isRuneStart(text[cut]) {
		cut--
	}
	return text[:cut] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
