// Package catalog holds what a shop sells: merchants, a tree of
// categories, products with their priced variants and images, and the
// full-text search over them.
//
// Every change a merchant makes names the merchant, and the queries
// themselves check that the product belongs to it (WHERE id = ? AND
// merchant_id = ?): another merchant's product is simply not found. Bad
// input is refused with an *InvalidError naming the form field, before
// anything is written.
//
// The public reads (Product, Search and the listings) show only active
// products of active merchants. Search turns whatever a visitor typed
// into a query built from plain words only, so no search string can reach
// the database engine as query syntax; matches are highlighted here, as
// text spans, and rendered by the HTML layer.
//
// The catalog keeps products.min_price in step with the active variants.
// Inventory keeps variants.available and products.in_stock; the catalog
// recomputes in_stock too when a variant is added, changed or archived.
package catalog

import (
	"errors"
	"fmt"
	"time"

	"github.com/citadel-store/citadel/internal/store"
)

// ErrNotFound means no such object, or one the caller may not see or
// change (another merchant's product, an archived product on a public
// page): answer 404 either way. It wraps store.ErrNotFound.
var ErrNotFound = fmt.Errorf("catalog: %w", store.ErrNotFound)

// ErrConflict is wrapped by an *InvalidError whose value collides with an
// existing one (a taken slug or SKU): re-show the form with its message.
var ErrConflict = fmt.Errorf("catalog: %w", store.ErrConflict)

// InvalidError refuses bad input. Field names the form field ("title",
// "variants[1].price", "image"); Msg is safe to show to the person who
// filled it in. Nothing was changed.
type InvalidError struct {
	Field string
	Msg   string
	err   error
}

func (e *InvalidError) Error() string { return "catalog: " + e.Field + ": " + e.Msg }

// Unwrap returns ErrConflict for a collision, nil otherwise.
func (e *InvalidError) Unwrap() error { return e.err }

func invalid(field, msg string) error { return &InvalidError{Field: field, Msg: msg} }

func conflict(field, msg string) error {
	return &InvalidError{Field: field, Msg: msg, err: ErrConflict}
}

// IsInvalid reports whether err refuses input, and returns the details.
func IsInvalid(err error) (*InvalidError, bool) {
	var ie *InvalidError
	ok := errors.As(err, &ie)
	return ie, ok
}

// Statuses of merchants, products and variants.
const (
	StatusActive    = "active"
	StatusSuspended = "suspended" // merchants only
	StatusArchived  = "archived"  // products and variants
)

// Service is the catalog domain service. It is safe for concurrent use.
type Service struct {
	db      *store.DB
	now     func() time.Time
	window  int // see defaultWindow
	sortAll int // see sortAllUpTo
}

// Option changes a Service built by New.
type Option func(*Service)

// WithClock replaces the clock, for tests that need distinct or fixed
// creation times.
func WithClock(now func() time.Time) Option {
	return func(s *Service) { s.now = now }
}

// New builds the service over db.
func New(db *store.DB, opts ...Option) *Service {
	s := &Service{db: db, now: time.Now, window: defaultWindow, sortAll: sortAllUpTo}
	for _, o := range opts {
		o(s)
	}
	return s
}

func (s *Service) micros() int64 { return store.Micros(s.now()) }
