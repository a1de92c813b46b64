// Package cart keeps shopping carts: one per owner, where the owner is a
// signed-in account (acc_...) or a guest (gst_..., an ID held by the
// guest's cookie). A cart lists variants and quantities, and for each the
// unit price the buyer was shown when adding it; checkout (internal/order)
// refuses to charge more than that until the buyer accepts the new price.
//
// Carts store no prices for display: Get prices every line from the
// catalog as it is now and warns about lines that are no longer for sale,
// exceed the stock available, or changed price.
package cart

import (
	"context"
	"errors"
	"time"

	"github.com/citadel-store/citadel/internal/ids"
	"github.com/citadel-store/citadel/internal/money"
	"github.com/citadel-store/citadel/internal/store"
)

// Limits of one cart.
const (
	MaxQuantity = 10_000 // units of one variant
	MaxLines    = 100    // distinct variants
)

// Errors callers must tell apart. Messages are safe to show.
var (
	// ErrNotFound: the variant does not exist, or the line is not in the
	// cart. Answer 404.
	ErrNotFound = store.ErrNotFound
	// ErrUnavailable: the variant, its product or its merchant is not
	// active, so it cannot be added. Answer 409 (or 422 on a form).
	ErrUnavailable = errors.New("this item is no longer for sale")
	// ErrCartFull: the cart already holds MaxLines different items.
	// Answer 409.
	ErrCartFull = errors.New("your cart is full: remove an item first")
	// ErrBadOwner: the owner is neither an account ID nor a guest ID. It
	// is a programming error in the caller (the session supplies owners):
	// answer 500.
	ErrBadOwner = errors.New("cart: owner is not an account or guest ID")
)

// ValidationError is bad input, named by field: answer 422 with Msg next
// to Field. Msg is safe to show.
type ValidationError struct {
	Field, Msg string
}

func (e *ValidationError) Error() string { return "cart: " + e.Field + ": " + e.Msg }

// Service manages carts.
type Service struct {
	db  *store.DB
	now func() time.Time
}

// New returns the service; now replaces the clock (nil: time.Now).
func New(db *store.DB, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: db, now: now}
}

// IsGuest reports whether owner is a guest ID.
func IsGuest(owner string) bool { return ids.Valid("gst", owner) }

func validOwner(owner string) error {
	if ids.Valid("acc", owner) || ids.Valid("gst", owner) {
		return nil
	}
	return ErrBadOwner
}

func validQuantity(q int) error {
	if q < 1 || q > MaxQuantity {
		return &ValidationError{"quantity", "enter a quantity from 1 to 10,000"}
	}
	return nil
}

// forUpdate is the row-lock suffix for the engine: on SQLite a write
// transaction already excludes every other writer.
func forUpdate(q store.Querier) string {
	if q.Engine() == store.Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// lockCart returns the owner's cart ID, locked for this transaction, or
// ErrNotFound when the owner has none.
func lockCart(ctx context.Context, tx *store.Tx, owner string) (string, error) {
	var id string
	err := tx.QueryRow(ctx, `SELECT id FROM carts WHERE owner_id = ?`+forUpdate(tx), owner).Scan(&id)
	return id, store.NotFound(err)
}

// ensureCart returns the owner's cart ID, locked, creating the cart first
// if need be.
func (s *Service) ensureCart(ctx context.Context, tx *store.Tx, owner string) (string, error) {
	now := store.Micros(s.now())
	if _, err := tx.Exec(ctx, `INSERT INTO carts (id, owner_id, created_at, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (owner_id) DO NOTHING`, ids.New("crt"), owner, now, now); err != nil {
		return "", err
	}
	return lockCart(ctx, tx, owner)
}

// Item is a cart line as checkout reads it.
type Item struct {
	VariantID string
	Quantity  int
	SeenPrice money.Amount // unit price shown to the buyer
	AddedAt   time.Time
}

// Lock reads the owner's cart inside tx and locks it, so a second
// checkout of the same cart waits and then finds it empty. An owner
// without a cart has no items.
func (s *Service) Lock(ctx context.Context, tx *store.Tx, owner string) (cartID string, items []Item, err error) {
	cartID, err = lockCart(ctx, tx, owner)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil, nil
	}
	if err != nil {
		return "", nil, err
	}
	items, err = readItems(ctx, tx, cartID)
	return cartID, items, err
}

func readItems(ctx context.Context, q store.Querier, cartID string) ([]Item, error) {
	rows, err := q.Query(ctx, `SELECT variant_id, quantity, seen_price, seen_currency, added_at FROM cart_items
		WHERE cart_id = ? ORDER BY added_at, variant_id`, cartID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Item
	for rows.Next() {
		var it Item
		var cur string
		var at int64
		if err := rows.Scan(&it.VariantID, &it.Quantity, &it.SeenPrice.Minor, &cur, &at); err != nil {
			return nil, err
		}
		it.SeenPrice.Currency, it.AddedAt = money.Currency(cur), store.FromMicros(at)
		out = append(out, it)
	}
	return out, rows.Err()
}

// Clear empties a cart inside tx (after checkout).
func (s *Service) Clear(ctx context.Context, tx *store.Tx, cartID string) error {
	if _, err := tx.Exec(ctx, `DELETE FROM cart_items WHERE cart_id = ?`, cartID); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `UPDATE carts SET updated_at = ? WHERE id = ?`, store.Micros(s.now()), cartID)
	return err
}
