package payment

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	it "github.com/citadel-store/citadel/internal/inventory/inventorytest"
	"github.com/citadel-store/citadel/internal/keyring"
	"github.com/citadel-store/citadel/internal/store"
	"github.com/citadel-store/citadel/internal/storetest"
)

// A sealed card number opens only for its own token: copied into another
// row of the vault it does not decrypt.
func TestVaultBindsNumberToToken(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		m, err := keyring.CreateMasterFile(filepath.Join(t.TempDir(), "master.key"))
		if err != nil {
			t.Fatal(err)
		}
		keys, err := keyring.Open(ctx, db, m)
		if err != nil {
			t.Fatal(err)
		}
		v := NewVault(db, keys, func() time.Time { return time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC) })
		a, _, err := v.Tokenize(ctx, it.Buyer(t, db), CardInput{Number: CardApprove, ExpMonth: 1, ExpYear: 2030, Holder: "A B"})
		if err != nil {
			t.Fatal(err)
		}
		b, _, err := v.Tokenize(ctx, it.Buyer(t, db), CardInput{Number: CardApproveMC, ExpMonth: 1, ExpYear: 2030, Holder: "C D"})
		if err != nil {
			t.Fatal(err)
		}
		if p, _, err := v.card(ctx, a); err != nil || p.Reveal() != digitsOf(CardApprove) {
			t.Fatalf("own token: %v", err)
		}
		it.Exec(t, db, `UPDATE card_vault SET pan_ct = (SELECT pan_ct FROM card_vault WHERE token = ?) WHERE token = ?`, string(a), string(b))
		if _, _, err := v.card(ctx, b); !errors.Is(err, keyring.ErrDecrypt) {
			t.Fatalf("moved ciphertext: %v, want ErrDecrypt", err)
		}
		c, _, err := keyring.ClassOf(keyring.Ciphertext(scanBytes(t, db, `SELECT pan_ct FROM card_vault WHERE token = ?`, string(a))))
		if err != nil || c != keyring.Restricted {
			t.Fatalf("sealed under %v, %v", c, err)
		}
	})
}

func scanBytes(t *testing.T, db *store.DB, q string, args ...any) []byte {
	t.Helper()
	var b []byte
	if err := db.QueryRow(context.Background(), q, args...).Scan(&b); err != nil {
		t.Fatal(err)
	}
	return b
}
