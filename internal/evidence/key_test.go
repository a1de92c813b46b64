package evidence

import (
	"crypto/rand"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
)

func TestReceiptKey(t *testing.T) {
	k := testKey(t)
	again, err := ParseReceiptKey(k.Marshal())
	if err != nil || again.Public().String() != k.Public().String() || again.Marshal() != k.Marshal() {
		t.Fatalf("ParseReceiptKey(Marshal()) = %v, %v", again, err)
	}
	pub, err := ParsePublicKey(k.Public().String() + "\n")
	if err != nil || pub.String() != k.Public().String() {
		t.Fatalf("ParsePublicKey(String()) = %v, %v", pub, err)
	}
	if !strings.HasPrefix(pub.ID(), "receipts.shop.example+") || len(pub.ID()) != len("receipts.shop.example+")+8 {
		t.Fatalf("key ID %q", pub.ID())
	}
	// The private key never shows in formatted output.
	for _, s := range []string{fmt.Sprint(k), fmt.Sprintf("%v %+v %#v %s", k, k, k, k)} {
		if strings.Contains(s, "PRIVATE") || strings.Contains(s, k.Marshal()[30:]) {
			t.Fatalf("formatting a key shows it: %s", s)
		}
	}
	// A key made by the note package (as the audit log's are) is accepted.
	skey, vkey, err := note.GenerateKey(rand.Reader, "receipts.other")
	if err != nil {
		t.Fatal(err)
	}
	nk, err := ParseReceiptKey(skey)
	if err != nil || nk.Public().String() != vkey {
		t.Fatalf("note key: %v, %v", nk, err)
	}
}

func TestParseKeyRefuses(t *testing.T) {
	k := testKey(t)
	pub, priv := k.Public().String(), k.Marshal()
	name, rest, _ := strings.Cut(pub, "+")
	hash, key, _ := strings.Cut(rest, "+")
	for _, tc := range []struct{ name, text string }{
		{"fail/empty", ""},
		{"fail/private-as-public", priv},
		{"fail/other-hash", name + "+00000000+" + key},
		{"fail/other-name", "other+" + hash + "+" + key},
		{"fail/short-key", name + "+" + hash + "+AQID"},
		{"fail/not-base64", name + "+" + hash + "+%%%"},
		{"fail/no-key", name + "+" + hash},
	} {
		if _, err := ParsePublicKey(tc.text); err == nil {
			t.Errorf("%s: ParsePublicKey(%q) succeeded", tc.name, tc.text)
		}
	}
	for _, tc := range []struct{ name, text string }{
		{"fail/public-as-private", pub},
		{"fail/hash-changed", strings.Replace(priv, "+"+hash+"+", "+00000000+", 1)},
		{"fail/truncated", priv[:len(priv)-4]},
	} {
		if _, err := ParseReceiptKey(tc.text); err == nil {
			t.Errorf("%s: ParseReceiptKey succeeded", tc.name)
		}
	}
}
