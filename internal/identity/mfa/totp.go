// Package mfa holds the pure logic of second factors: TOTP authenticator
// apps (RFC 6238), single-use recovery codes, and short one-time codes sent
// by email or SMS. It keeps no state and knows nothing of storage or HTTP:
// callers store the TOTP secret (encrypted), the last accepted time step,
// and the hashes returned here, and rate-limit failed attempts themselves.
package mfa

import (
	"bytes"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/url"
	"strings"

	"github.com/boombuler/barcode/qr"
)

// Parameters of every key we issue. They are the only ones all common
// authenticator apps honour, so they are fixed rather than configurable.
const (
	secretSize = 20 // bytes: 160 bits, the HMAC-SHA1 block output size (RFC 4226 §4)
	codeDigits = 6
	stepPeriod = 30 // seconds
)

// QR image bounds, in pixels: below 128 phone cameras struggle, above 512
// is waste.
const (
	minQRSize = 128
	maxQRSize = 512
	// quietZone is the blank margin the QR specification asks for, in
	// modules; without it some scanners fail next to a dark page element.
	quietZone = 4
)

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// TOTPKey is the shared secret of one enrolled authenticator. Store it
// encrypted: anyone who reads it can produce valid codes.
type TOTPKey struct {
	Secret []byte
}

// NewTOTPKey returns a key with a fresh 20-byte random secret.
func NewTOTPKey() TOTPKey {
	s := make([]byte, secretSize)
	rand.Read(s) // never fails since Go 1.24; it crashes the program instead
	return TOTPKey{Secret: s}
}

// URI returns the otpauth:// URI (Google Authenticator key URI format)
// that enrolls the key in an app. Issuer and account are percent-encoded,
// colons included, since a colon separates them in the label.
func (k TOTPKey) URI(issuer, account string) string {
	q := url.Values{}
	q.Set("secret", b32.EncodeToString(k.Secret))
	q.Set("issuer", issuer)
	q.Set("algorithm", "SHA1")
	q.Set("digits", fmt.Sprint(codeDigits))
	q.Set("period", fmt.Sprint(stepPeriod))
	return "otpauth://totp/" + escapeLabel(issuer) + ":" + escapeLabel(account) + "?" + q.Encode()
}

func escapeLabel(s string) string {
	return strings.ReplaceAll(url.PathEscape(s), ":", "%3A")
}

// Base32 returns the secret for manual entry, in groups of four (see
// FormatSecret). Authenticator apps ignore the spaces.
func (k TOTPKey) Base32() string {
	return FormatSecret(b32.EncodeToString(k.Secret))
}

// FormatSecret groups a base32 secret in blocks of four characters
// separated by spaces, so a person can copy it without losing their place.
// Spaces already present are dropped first, so it is idempotent.
func FormatSecret(s string) string {
	s = strings.ReplaceAll(s, " ", "")
	var b strings.Builder
	for i := 0; i < len(s); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s[i:min(i+4, len(s))])
	}
	return b.String()
}

// QRPNG renders the enrollment URI as a PNG QR code of size×size pixels,
// size clamped to 128..512. It is drawn on the server so the secret never
// goes to a third-party QR service.
func (k TOTPKey) QRPNG(issuer, account string, size int) ([]byte, error) {
	size = min(max(size, minQRSize), maxQRSize)
	code, err := qr.Encode(k.URI(issuer, account), qr.M, qr.Auto)
	if err != nil {
		return nil, fmt.Errorf("mfa: encoding QR code: %w", err)
	}
	n := code.Bounds().Dx()
	scale := size / (n + 2*quietZone)
	if scale < 1 {
		return nil, fmt.Errorf("mfa: QR code of %d modules does not fit in %d pixels", n, size)
	}
	img := image.NewGray(image.Rect(0, 0, size, size))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	off := (size - n*scale) / 2 // at least quietZone*scale
	for y := range n {
		for x := range n {
			if !isDark(code.At(x, y)) {
				continue
			}
			for dy := range scale {
				for dx := range scale {
					img.SetGray(off+x*scale+dx, off+y*scale+dy, color.Gray{})
				}
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("mfa: encoding PNG: %w", err)
	}
	return buf.Bytes(), nil
}

func isDark(c color.Color) bool {
	return color.GrayModel.Convert(c).(color.Gray).Y < 0x80
}
