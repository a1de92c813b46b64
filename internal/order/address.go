package order

import (
	"context"
	"encoding/json"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/citadel-store/citadel/internal/keyring"
)

// Address is where an order goes. Every field is personal: it is stored
// only sealed (see sealAddress). The country is kept apart, in clear, on
// the order, because tax and shipping depend on it.
type Address struct {
	Name     string   `json:"name"`
	Lines    []string `json:"lines"` // 1 to 3 street lines
	City     string   `json:"city"`
	Postcode string   `json:"postcode"`
	Phone    string   `json:"phone,omitempty"` // for the carrier; optional
}

// Validate checks lengths and characters: printable text, no control
// characters, a postcode of letters, digits, spaces and hyphens, a phone
// number of digits, spaces and + ( ) -.
func (a Address) Validate() error {
	if err := text("address.name", a.Name, 1, 100); err != nil {
		return err
	}
	if len(a.Lines) < 1 || len(a.Lines) > 3 {
		return &ValidationError{"address.lines", "enter 1 to 3 address lines"}
	}
	for _, l := range a.Lines {
		if err := text("address.lines", l, 1, 100); err != nil {
			return err
		}
	}
	if err := text("address.city", a.City, 1, 100); err != nil {
		return err
	}
	if !only(a.Postcode, 2, 16, func(r rune) bool {
		return r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == ' ' || r == '-')
	}) {
		return &ValidationError{"address.postcode", "enter a postcode of letters, digits, spaces and hyphens"}
	}
	if a.Phone != "" && !only(a.Phone, 4, 24, func(r rune) bool {
		return (r >= '0' && r <= '9') || strings.ContainsRune("+ ()-", r)
	}) {
		return &ValidationError{"address.phone", "enter a phone number of digits, spaces and + ( ) -"}
	}
	return nil
}

func text(field, s string, minLen, maxLen int) error {
	n := utf8.RuneCountInString(s)
	if strings.TrimSpace(s) == "" || n < minLen || n > maxLen || !utf8.ValidString(s) ||
		strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
		return &ValidationError{field, "enter 1 to 100 printable characters"}
	}
	return nil
}

func only(s string, minLen, maxLen int, ok func(rune) bool) bool {
	if len(s) < minLen || len(s) > maxLen || strings.TrimSpace(s) != s {
		return false
	}
	return strings.IndexFunc(s, func(r rune) bool { return !ok(r) }) < 0
}

func addressField(orderID string) keyring.Field {
	return keyring.Field{Table: "orders", Column: "address", Row: orderID}
}

func (s *Service) sealAddress(ctx context.Context, orderID string, a Address) (keyring.Ciphertext, error) {
	b, err := json.Marshal(a)
	if err != nil {
		return nil, err
	}
	return s.keys.Seal(ctx, keyring.Confidential, addressField(orderID), b)
}

func (s *Service) openAddress(ctx context.Context, orderID string, ct []byte) (*Address, error) {
	b, err := s.keys.Open(ctx, addressField(orderID), ct)
	if err != nil {
		return nil, err
	}
	var a Address
	if err := json.Unmarshal(b, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// SealedColumn describes orders.address_ct for the keyring, so key
// rotation re-encrypts it: the application registers it at start.
var SealedColumn = keyring.Column{Table: "orders", Column: "address_ct", IDColumn: "id", FieldColumn: "address",
	Class: keyring.Confidential}
