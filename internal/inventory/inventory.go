// Package inventory keeps stock per variant and warehouse, and reserves it
// for orders.
//
// A stock row holds on_hand (units in the warehouse) and reserved (units
// promised to orders not yet shipped); on_hand - reserved is what can
// still be sold. Every change here also sets the catalog's denormalised
// variants.available (the sum of on_hand - reserved over warehouses) and
// products.in_stock (1 when some active variant has available > 0), in
// the same transaction, so search and listings never disagree with what
// checkout will accept.
//
// Concurrency: every function that changes stock first locks the rows of
// the products whose variants it touches, in ID order (SELECT ... FOR
// UPDATE on PostgreSQL; on SQLite the transaction already holds the
// database's single write lock). The product row is the mutex for all of
// its variants' stock: reads after the lock see every committed change,
// so plans and recomputed sums are exact, and locking in ID order means
// two checkouts never wait on each other in a cycle. The updates
// themselves are conditional (reserved + qty <= on_hand) and the schema's
// CHECK constraints back them, so stock cannot go below zero even if a
// caller forgot the lock.
package inventory

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/citadel-store/citadel/internal/store"
)

// Errors callers must tell apart.
var (
	// ErrNotFound covers an unknown variant or warehouse and one that
	// belongs to another merchant alike: answer 404.
	ErrNotFound = store.ErrNotFound
	// ErrOutOfStock means a reservation asked for more than is available;
	// nothing was reserved. Answer 409. The error is an *OutOfStockError
	// naming the variant.
	ErrOutOfStock = errors.New("inventory: not enough stock")
	// ErrBelowReserved refuses setting on_hand below the units already
	// reserved for orders (or below zero): answer 409 and show the
	// reserved count.
	ErrBelowReserved = errors.New("inventory: stock on hand cannot go below what is reserved for orders")
)

// OutOfStockError names the variant that could not be reserved.
type OutOfStockError struct {
	VariantID string
	Requested int
	Available int
}

func (e *OutOfStockError) Error() string {
	return fmt.Sprintf("inventory: variant %s: %d requested, %d available", e.VariantID, e.Requested, e.Available)
}

// Is makes errors.Is(err, ErrOutOfStock) true.
func (e *OutOfStockError) Is(target error) bool { return target == ErrOutOfStock }

// ValidationError is bad input, named by field: answer 422 with Msg next
// to Field. Msg is safe to show.
type ValidationError struct {
	Field, Msg string
}

func (e *ValidationError) Error() string { return "inventory: " + e.Field + ": " + e.Msg }

// MaxOnHand bounds one stock row, far above any real warehouse and far
// below integer overflow in sums.
const MaxOnHand = 1_000_000_000

// Service manages warehouses and stock.
type Service struct {
	db  *store.DB
	now func() time.Time
}

// New returns the service. now replaces the clock for timestamps; nil is
// time.Now.
func New(db *store.DB, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: db, now: now}
}

// Allocation is a quantity of one variant reserved in one warehouse.
type Allocation struct {
	VariantID   string
	WarehouseID string
	Quantity    int
}

// Request asks for a quantity of a variant, from whichever warehouses.
type Request struct {
	VariantID string
	Quantity  int
}

// placeholders returns "?, ?, ..." for n arguments.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
