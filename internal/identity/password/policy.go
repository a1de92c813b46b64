package password

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// Length bounds, in characters (runes). NIST SP 800-63B: at least 8, we
// ask 12; the upper bound keeps hashing cost and input size bounded.
const (
	MinLength = 12
	MaxLength = 128
)

//go:embed common.txt.gz
var commonGz []byte

// Policy decides whether a new password is acceptable. It has no
// composition rules and no expiry: only length, the common list, and the
// account's own email.
type Policy struct {
	common []string // sorted, lowercase
}

// Reasons a password is refused; the message is safe to show the user.
var (
	ErrTooShort  = fmt.Errorf("use at least %d characters", MinLength)
	ErrTooLong   = fmt.Errorf("use at most %d characters", MaxLength)
	ErrCommon    = errors.New("this password is too common: it appears in lists of breached passwords")
	ErrHasEmail  = errors.New("do not use your email address in your password")
	ErrNotUTF8   = errors.New("the password is not valid text")
	ErrControlCh = errors.New("the password contains control characters")
)

// LoadPolicy decompresses the embedded list of common passwords.
func LoadPolicy() (*Policy, error) {
	zr, err := gzip.NewReader(bytes.NewReader(commonGz))
	if err != nil {
		return nil, err
	}
	p := &Policy{common: make([]string, 0, 90000)}
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		if w := sc.Text(); w != "" {
			p.common = append(p.common, w)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if !sort.StringsAreSorted(p.common) {
		sort.Strings(p.common)
	}
	return p, nil
}

// CommonCount is the size of the common-password list.
func (p *Policy) CommonCount() int { return len(p.common) }

// IsCommon reports whether pw (case-insensitively) is on the list.
func (p *Policy) IsCommon(pw string) bool {
	pw = strings.ToLower(pw)
	i := sort.SearchStrings(p.common, pw)
	return i < len(p.common) && p.common[i] == pw
}

// Check returns nil when pw may be set for the account with this email.
func (p *Policy) Check(pw, email string) error {
	if !utf8.ValidString(pw) {
		return ErrNotUTF8
	}
	for _, r := range pw {
		if r < 0x20 || r == 0x7f {
			return ErrControlCh
		}
	}
	n := utf8.RuneCountInString(pw)
	if n < MinLength {
		return ErrTooShort
	}
	if n > MaxLength {
		return ErrTooLong
	}
	if p.IsCommon(pw) {
		return ErrCommon
	}
	local, _, _ := strings.Cut(strings.ToLower(email), "@")
	if len(local) >= 3 && strings.Contains(strings.ToLower(pw), local) {
		return ErrHasEmail
	}
	return nil
}
