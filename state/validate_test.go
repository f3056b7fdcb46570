package state

import (
	"encoding/hex"
	"strings"
	"testing"
)

// parseSHA256 accepts exactly 64 digits from 0-9 and a-f, the lowercase
// hex SHA-256 that validateSHA256 requires.
func TestParseSHA256EveryByte(t *testing.T) {
	for c := range 256 {
		for _, pos := range []int{0, 1, 62, 63} {
			b := []byte(strings.Repeat("0", sha256HexLen))
			b[pos] = byte(c)
			_, ok := parseSHA256(string(b))
			want := ('0' <= c && c <= '9') || ('a' <= c && c <= 'f')
			if ok != want {
				t.Errorf("parseSHA256 with byte %#x at %d: ok = %v, want %v", c, pos, ok, want)
			}
		}
	}
}

func FuzzParseSHA256(f *testing.F) {
	f.Add(strings.Repeat("0123456789abcdef", 4))
	f.Add(strings.Repeat("A", sha256HexLen))
	f.Add("abc")
	f.Fuzz(func(t *testing.T, s string) {
		raw, ok := parseSHA256(s)
		want := len(s) == sha256HexLen && strings.ToLower(s) == s
		decoded, err := hex.DecodeString(s)
		want = want && err == nil
		if ok != want {
			t.Fatalf("parseSHA256(%q) ok = %v, want %v", s, ok, want)
		}
		if ok && string(raw[:]) != string(decoded) {
			t.Fatalf("parseSHA256(%q) = %x, want %x", s, raw, decoded)
		}
		if gotErr := validateSHA256(s, false); (gotErr == nil) != ok {
			t.Fatalf("validateSHA256(%q) = %v, but parseSHA256 ok = %v", s, gotErr, ok)
		}
	})
}
