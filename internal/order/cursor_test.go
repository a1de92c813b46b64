package order

import (
	"strconv"
	"testing"

	"github.com/citadel-store/citadel/internal/ids"
)

// A cursor comes back from the client: whatever it sends, parseCursor
// either refuses it or returns values that format back to the same text.
func FuzzParseCursor(f *testing.F) {
	f.Add("1772366400000000." + ids.New("ord"))
	f.Add("0.ord_aaaaaaaaaaaaaaaaaaaaaaaaaa")
	f.Add("-1.ord_aaaaaaaaaaaaaaaaaaaaaaaaaa")
	f.Add("1 OR 1=1.ord_aaaaaaaaaaaaaaaaaaaaaaaaaa")
	f.Add("99999999999999999999.ord_aaaaaaaaaaaaaaaaaaaaaaaaaa")
	f.Add("")
	f.Add("00000000.ord_22222222222222222222222222") // leading zeros: refused, so cursors have one spelling
	f.Fuzz(func(t *testing.T, c string) {
		at, id, err := parseCursor(c)
		if err != nil {
			return
		}
		if at < 0 || !ids.Valid("ord", id) || strconv.FormatInt(at, 10)+"."+id != c {
			t.Fatalf("parseCursor(%q) = %d, %q", c, at, id)
		}
	})
}
