package emulator

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"strings"
	"testing"
	"time"
)

func TestBaseURLTokenLayout(t *testing.T) {
	srv, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	expiry := time.Unix(1_700_000_000, 0)
	// Two calls check that a reused signer starts clean.
	for _, itemID := range []string{"A" + strings.Repeat("x", 75), "short"} {
		url := srv.appendBaseURLToken("http://host/lh/", itemID, "client-1", expiry)
		token, ok := strings.CutPrefix(url, "http://host/lh/")
		if !ok {
			t.Fatalf("base URL %q does not start with its prefix", url)
		}
		raw, err := base64.RawURLEncoding.DecodeString(token)
		if err != nil {
			t.Fatalf("token %q is not base64url: %v", token, err)
		}
		payload := binary.BigEndian.AppendUint64(nil, uint64(expiry.Unix()))
		payload = append(payload, byte(len(itemID)))
		payload = append(payload, itemID+"client-1"...)
		mac := hmac.New(sha256.New, srv.st.Secret)
		mac.Write(payload)
		want := append(mac.Sum(nil)[:16], payload...)
		if string(raw) != string(want) {
			t.Errorf("token for %q = %x, want %x", itemID, raw, want)
		}
		ref, err := srv.parseBaseURLToken(token)
		if err != nil {
			t.Fatalf("parse own token: %v", err)
		}
		if ref.itemID != itemID || ref.clientID != "client-1" || !ref.expiry.Equal(expiry) {
			t.Errorf("parsed token = %+v, want item %q, client-1, %v", ref, itemID, expiry)
		}
	}
}
