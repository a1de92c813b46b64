package inventory

import (
	"context"
	"strings"
	"time"
	"unicode"

	"github.com/citadel-store/citadel/internal/ids"
	"github.com/citadel-store/citadel/internal/store"
)

// Warehouse is a place a merchant ships from.
type Warehouse struct {
	ID         string
	MerchantID string
	Name       string
	Country    string // ISO 3166-1 alpha-2
	CreatedAt  time.Time
}

// CreateWarehouse adds a warehouse to a merchant. An unknown merchant is
// ErrNotFound.
func (s *Service) CreateWarehouse(ctx context.Context, merchantID, name, country string) (Warehouse, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 || strings.IndexFunc(name, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
		return Warehouse{}, &ValidationError{"name", "enter a name of 1 to 100 printable characters"}
	}
	if len(country) != 2 || strings.IndexFunc(country, func(r rune) bool { return r < 'A' || r > 'Z' }) >= 0 {
		return Warehouse{}, &ValidationError{"country", "enter a two-letter country code such as DE"}
	}
	w := Warehouse{ID: ids.New("whs"), MerchantID: merchantID, Name: name, Country: country, CreatedAt: s.now().UTC()}
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		var one int
		if err := tx.QueryRow(ctx, `SELECT 1 FROM merchants WHERE id = ?`, merchantID).Scan(&one); err != nil {
			return store.NotFound(err)
		}
		_, err := tx.Exec(ctx, `INSERT INTO warehouses (id, merchant_id, name, country, created_at) VALUES (?, ?, ?, ?, ?)`,
			w.ID, w.MerchantID, w.Name, w.Country, store.Micros(w.CreatedAt))
		return err
	})
	if err != nil {
		return Warehouse{}, err
	}
	w.CreatedAt = store.FromMicros(store.Micros(w.CreatedAt))
	return w, nil
}

// Warehouses lists a merchant's warehouses, oldest first.
func (s *Service) Warehouses(ctx context.Context, merchantID string) ([]Warehouse, error) {
	rows, err := s.db.Query(ctx, `SELECT id, merchant_id, name, country, created_at FROM warehouses
		WHERE merchant_id = ? ORDER BY created_at, id`, merchantID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Warehouse
	for rows.Next() {
		var w Warehouse
		var at int64
		if err := rows.Scan(&w.ID, &w.MerchantID, &w.Name, &w.Country, &at); err != nil {
			return nil, err
		}
		w.CreatedAt = store.FromMicros(at)
		out = append(out, w)
	}
	return out, rows.Err()
}
