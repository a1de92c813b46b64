package payment

import (
	"context"
	"errors"
	"time"

	"github.com/citadel-store/citadel/internal/ids"
	"github.com/citadel-store/citadel/internal/keyring"
	"github.com/citadel-store/citadel/internal/store"
)

// SealedColumns are the vault's keyring columns, for the application to
// register (keyring.RegisterColumn) so rotation re-encrypts them.
var SealedColumns = []keyring.Column{
	{Table: "card_vault", Column: "pan_ct", IDColumn: "token", FieldColumn: "pan", Class: keyring.Restricted},
	{Table: "card_vault", Column: "holder_ct", IDColumn: "token", FieldColumn: "holder", Class: keyring.Confidential},
}

// Token names a card in the vault. It is not card data: it opens nothing
// outside this package, and only for the buyer who stored the card.
type Token string

// CardInfo is all that is ever shown of a card.
type CardInfo struct {
	Brand    Brand
	Last4    string
	ExpMonth int
	ExpYear  int
}

// CardInput is a card as the payment form gives it. The security code is
// not part of it: it goes to authorisation only (PayRequest.CVV).
type CardInput struct {
	Number   string
	ExpMonth int
	ExpYear  int
	Holder   string
}

// Vault keeps card numbers sealed under the keyring's restricted class,
// each bound to its token (Field{card_vault, pan, token}), so a sealed
// number copied to another row does not open.
type Vault struct {
	db   *store.DB
	keys *keyring.Keyring
	now  func() time.Time
}

// NewVault builds the vault; now nil is time.Now.
func NewVault(db *store.DB, keys *keyring.Keyring, now func() time.Time) *Vault {
	if now == nil {
		now = time.Now
	}
	return &Vault{db: db, keys: keys, now: now}
}

func panField(t Token) keyring.Field {
	return keyring.Field{Table: "card_vault", Column: "pan", Row: string(t)}
}
func holderField(t Token) keyring.Field {
	return keyring.Field{Table: "card_vault", Column: "holder", Row: string(t)}
}

// Tokenize checks a card (number, expiry, holder) and stores it for
// buyerID, returning its token and what may be shown of it. The same card
// with the same expiry, stored again by the same buyer, keeps its token.
func (v *Vault) Tokenize(ctx context.Context, buyerID string, c CardInput) (Token, CardInfo, error) {
	pan, year, err := v.check(c)
	if err != nil {
		return "", CardInfo{}, err
	}
	var tok Token
	var info CardInfo
	err = v.db.Tx(ctx, func(tx *store.Tx) (err error) {
		tok, info, err = v.store(ctx, tx, buyerID, pan, c.ExpMonth, year, c.Holder)
		return err
	})
	return tok, info, err
}

func (v *Vault) check(c CardInput) (PAN, int, error) {
	pan, err := ParsePAN(c.Number)
	if err != nil {
		return PAN{}, 0, err
	}
	year, err := checkExpiry(c.ExpMonth, c.ExpYear, v.now())
	if err != nil {
		return PAN{}, 0, err
	}
	return pan, year, checkHolder(c.Holder)
}

// store writes a checked card inside tx.
func (v *Vault) store(ctx context.Context, tx *store.Tx, buyerID string, pan PAN, month, year int, holder string) (Token, CardInfo, error) {
	info := CardInfo{Brand: pan.Brand(), Last4: pan.Last4(), ExpMonth: month, ExpYear: year}
	fp := v.keys.BlindIndex("card-pan", pan.Reveal())
	var have string
	err := tx.QueryRow(ctx, `SELECT token FROM card_vault WHERE buyer_id = ? AND fingerprint = ? AND exp_month = ? AND exp_year = ?`,
		buyerID, fp, month, year).Scan(&have)
	if err == nil {
		return Token(have), info, nil
	}
	if !errors.Is(store.NotFound(err), store.ErrNotFound) {
		return "", CardInfo{}, err
	}
	tok := Token(ids.New("tok"))
	panCT, err := v.keys.Seal(ctx, keyring.Restricted, panField(tok), []byte(pan.Reveal()))
	if err != nil {
		return "", CardInfo{}, err
	}
	holderCT, err := v.keys.SealString(ctx, keyring.Confidential, holderField(tok), holder)
	if err != nil {
		return "", CardInfo{}, err
	}
	_, err = tx.Exec(ctx, `INSERT INTO card_vault (token, buyer_id, pan_ct, holder_ct, fingerprint, brand, last4, exp_month, exp_year, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, string(tok), buyerID, []byte(panCT), []byte(holderCT), fp,
		string(info.Brand), info.Last4, month, year, store.Micros(v.now()))
	return tok, info, err
}

// Info is what may be shown of one of buyerID's cards. Another buyer's
// token, or none, is store.ErrNotFound.
func (v *Vault) Info(ctx context.Context, q store.Querier, buyerID string, t Token) (CardInfo, error) {
	var info CardInfo
	var brand string
	err := q.QueryRow(ctx, `SELECT brand, last4, exp_month, exp_year FROM card_vault WHERE token = ? AND buyer_id = ?`,
		string(t), buyerID).Scan(&brand, &info.Last4, &info.ExpMonth, &info.ExpYear)
	info.Brand = Brand(brand)
	return info, store.NotFound(err)
}

// card opens a stored number for authorisation.
func (v *Vault) card(ctx context.Context, t Token) (PAN, CardInfo, error) {
	var info CardInfo
	var brand string
	var ct []byte
	err := v.db.QueryRow(ctx, `SELECT pan_ct, brand, last4, exp_month, exp_year FROM card_vault WHERE token = ?`, string(t)).
		Scan(&ct, &brand, &info.Last4, &info.ExpMonth, &info.ExpYear)
	if err != nil {
		return PAN{}, CardInfo{}, store.NotFound(err)
	}
	info.Brand = Brand(brand)
	pt, err := v.keys.Open(ctx, panField(t), keyring.Ciphertext(ct))
	if err != nil {
		return PAN{}, CardInfo{}, err
	}
	pan, err := ParsePAN(string(pt))
	if err != nil {
		return PAN{}, CardInfo{}, err
	}
	return pan, info, nil
}
