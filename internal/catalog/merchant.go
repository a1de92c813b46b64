package catalog

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/citadel-store/citadel/internal/ids"
	"github.com/citadel-store/citadel/internal/store"
)

// Merchant is a seller with its own storefront.
type Merchant struct {
	ID        string
	Slug      string
	Name      string
	Status    string // StatusActive or StatusSuspended
	CreatedAt time.Time
}

// CreateMerchant adds an active merchant. A taken slug is an
// *InvalidError on "slug" wrapping ErrConflict.
func (s *Service) CreateMerchant(ctx context.Context, name, slugText string) (Merchant, error) {
	name, err := line("name", name, MaxName, true)
	if err != nil {
		return Merchant{}, err
	}
	sl, err := slug("slug", slugText)
	if err != nil {
		return Merchant{}, err
	}
	m := Merchant{ID: ids.New("mer"), Slug: sl, Name: name, Status: StatusActive, CreatedAt: store.FromMicros(s.micros())}
	_, err = s.db.Exec(ctx, `INSERT INTO merchants (id, slug, name, status, created_at) VALUES (?, ?, ?, ?, ?)`,
		m.ID, m.Slug, m.Name, m.Status, store.Micros(m.CreatedAt))
	if store.IsUniqueViolation(err) {
		return Merchant{}, conflict("slug", "this address is taken; choose another")
	}
	if err != nil {
		return Merchant{}, err
	}
	return m, nil
}

// SetMerchantStatus suspends (StatusSuspended) or reinstates
// (StatusActive) a merchant. A suspended merchant's products vanish from
// every public read at once; nothing else changes.
func (s *Service) SetMerchantStatus(ctx context.Context, id, status string) error {
	if status != StatusActive && status != StatusSuspended {
		return invalid("status", "must be active or suspended")
	}
	if !validID("mer", id) {
		return ErrNotFound
	}
	return oneRow(s.db.Exec(ctx, `UPDATE merchants SET status = ? WHERE id = ?`, status, id))
}

// oneRow turns a statement that changed no row into ErrNotFound.
func oneRow(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

const merchantCols = `id, slug, name, status, created_at`

// Merchant returns a merchant by ID, whatever its status.
func (s *Service) Merchant(ctx context.Context, id string) (Merchant, error) {
	if !validID("mer", id) {
		return Merchant{}, ErrNotFound
	}
	return scanMerchant(s.db.QueryRow(ctx, `SELECT `+merchantCols+` FROM merchants WHERE id = ?`, id))
}

// MerchantBySlug returns a merchant by its storefront slug, whatever its
// status: public pages check Status.
func (s *Service) MerchantBySlug(ctx context.Context, slugText string) (Merchant, error) {
	if _, err := slug("slug", slugText); err != nil {
		return Merchant{}, ErrNotFound
	}
	return scanMerchant(s.db.QueryRow(ctx, `SELECT `+merchantCols+` FROM merchants WHERE slug = ?`, slugText))
}

// Merchants lists every merchant by name.
func (s *Service) Merchants(ctx context.Context) ([]Merchant, error) {
	rows, err := s.db.Query(ctx, `SELECT `+merchantCols+` FROM merchants ORDER BY name, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Merchant
	for rows.Next() {
		m, err := scanMerchant(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

type scanner interface{ Scan(dest ...any) error }

func scanMerchant(r scanner) (Merchant, error) {
	var m Merchant
	var created int64
	err := r.Scan(&m.ID, &m.Slug, &m.Name, &m.Status, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return Merchant{}, ErrNotFound
	}
	if err != nil {
		return Merchant{}, err
	}
	m.CreatedAt = store.FromMicros(created)
	return m, nil
}
