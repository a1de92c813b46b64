package pki

import (
	"encoding/hex"
	"fmt"
	"math/big"
	"strings"
)

// maxSerialOctets is RFC 5280's limit on a serial number's length.
const maxSerialOctets = 20

// ParseSerial parses a serial number typed by an operator:
//
//   - hex with colons, as openssl and browsers print it: "0a:1b:ff";
//   - hex with a 0x prefix: "0x0a1bff";
//   - hex without separators when it has a letter a-f: "0a1bff";
//   - decimal otherwise: "660991".
//
// A string of digits alone is read as decimal; write 0x to mean hex.
// Case and surrounding space do not matter. The result must be positive
// and fit in 20 octets; anything else wraps ErrInvalidSerial.
func ParseSerial(s string) (*big.Int, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	if t == "" || len(t) > 3*maxSerialOctets+2 {
		return nil, fmt.Errorf("%w: %q", ErrInvalidSerial, truncate(s))
	}
	var n *big.Int
	switch {
	case strings.Contains(t, ":"):
		n = parseColonHex(t)
	case strings.HasPrefix(t, "0x"):
		n = parseHex(t[2:])
	case strings.ContainsAny(t, "abcdef"):
		n = parseHex(t)
	default:
		n = parseDecimal(t)
	}
	if n == nil || n.Sign() <= 0 || len(n.Bytes()) > maxSerialOctets {
		return nil, fmt.Errorf("%w: %q", ErrInvalidSerial, truncate(s))
	}
	return n, nil
}

// FormatSerial prints a serial as lowercase colon-separated hex octets,
// as openssl prints it, which ParseSerial reads back. A serial of one
// octet is printed with a 0x prefix instead, since "11" alone would be
// read back as decimal.
func FormatSerial(n *big.Int) string {
	b := n.Bytes()
	switch len(b) {
	case 0:
		return "0x00"
	case 1:
		return "0x" + hex.EncodeToString(b)
	}
	parts := make([]string, len(b))
	for i, o := range b {
		parts[i] = hex.EncodeToString([]byte{o})
	}
	return strings.Join(parts, ":")
}

// parseColonHex reads groups of one or two hex digits between colons.
func parseColonHex(t string) *big.Int {
	var b []byte
	for _, g := range strings.Split(t, ":") {
		if len(g) == 1 {
			g = "0" + g
		}
		if len(g) != 2 {
			return nil
		}
		o, err := hex.DecodeString(g)
		if err != nil {
			return nil
		}
		b = append(b, o...)
	}
	return new(big.Int).SetBytes(b)
}

func parseHex(t string) *big.Int {
	if len(t)%2 == 1 {
		t = "0" + t
	}
	b, err := hex.DecodeString(t)
	if err != nil || len(b) == 0 {
		return nil
	}
	return new(big.Int).SetBytes(b)
}

func parseDecimal(t string) *big.Int {
	for i := 0; i < len(t); i++ {
		if t[i] < '0' || t[i] > '9' {
			return nil
		}
	}
	n, ok := new(big.Int).SetString(t, 10)
	if !ok {
		return nil
	}
	return n
}

// truncate keeps error messages short whatever an operator pasted.
func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
