package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/citadel-store/citadel/internal/evidence"
	"github.com/citadel-store/citadel/internal/order"
	"github.com/citadel-store/citadel/internal/payment"
	"github.com/citadel-store/citadel/internal/store"
)

// receiptKeyPath is the platform's receipt-signing key, apart from the
// CA, audit and backup keys: each key has one purpose.
func receiptKeyPath(data string) string { return filepath.Join(data, "receipt-signing.key") }

// loadReceiptKey reads the receipt key, creating it (0600) at first start.
func loadReceiptKey(data, name string) (*evidence.ReceiptKey, error) {
	path := receiptKeyPath(data)
	b, err := os.ReadFile(path)
	if err == nil {
		return evidence.ParseReceiptKey(strings.TrimSpace(string(b)))
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	k, err := evidence.NewReceiptKey(name)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, []byte(k.Marshal()+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("receipt key: %w", err)
	}
	if err := os.WriteFile(path+".pub", []byte(k.Public().String()+"\n"), 0o644); err != nil {
		return nil, fmt.Errorf("receipt key: %w", err)
	}
	return k, nil
}

// receipts signs a receipt for every paid checkout, inside the
// transaction that books the payment.
type receipts struct {
	key    *evidence.ReceiptKey
	orders *order.Service
	log    *slog.Logger
	now    func() time.Time
}

// onCaptured builds the order information and the payment instruction
// from what was booked, links them with the dual hash, and stores the
// platform-signed receipt. The buyer's consent is session-attested: the
// payment was confirmed by a signed-in session, and the receipt says so.
// A receipt that cannot be built is logged, never a reason to fail a
// payment the acquirer has already captured.
func (r *receipts) onCaptured(ctx context.Context, tx *store.Tx, b payment.Booked) error {
	rec, err := r.build(ctx, tx, b)
	if err == nil {
		_, err = tx.Exec(ctx, `INSERT INTO receipts (checkout_id, buyer_id, receipt, created_at) VALUES (?, ?, ?, ?)`,
			b.Payment.CheckoutID, b.Payment.BuyerID, rec, store.Micros(r.now()))
	}
	if err != nil {
		r.log.Error("receipt not issued", "checkout", b.Payment.CheckoutID, "err", err)
	}
	return nil
}

func (r *receipts) build(ctx context.Context, tx *store.Tx, b payment.Booked) ([]byte, error) {
	now := r.now().UTC()
	p := b.Payment
	oi := evidence.OrderInfo{CheckoutID: p.CheckoutID, BuyerID: p.BuyerID, Nonce: evidence.NewNonce(),
		Currency: string(p.Amount.Currency), Total: p.Amount.Minor, CreatedAt: now}
	for i, o := range b.Orders {
		full, err := r.orders.Get(ctx, tx, o.ID)
		if err != nil {
			return nil, err
		}
		oi.OrgID = full.OrgID
		var name string
		if err := tx.QueryRow(ctx, `SELECT name FROM merchants WHERE id = ?`, full.MerchantID).Scan(&name); err != nil {
			return nil, err
		}
		part := evidence.OrderPart{OrderID: full.ID, MerchantID: full.MerchantID, MerchantName: name,
			Subtotal: full.Subtotal.Minor, Shipping: full.Shipping.Minor, Tax: full.Tax.Minor, Total: full.Total.Minor}
		for _, l := range full.Lines {
			part.Lines = append(part.Lines, evidence.Line{SKU: l.SKU, Title: l.Title, Variant: l.VariantTitle,
				UnitPrice: l.UnitPrice.Minor, Quantity: int64(l.Quantity), Total: l.Total.Minor})
		}
		oi.Orders = append(oi.Orders, part)
		if i == 0 {
			addr, err := json.Marshal(full.Address)
			if err != nil {
				return nil, err
			}
			oi.Shipping = evidence.Shipping{Method: string(full.ShippingMethod), Country: full.Country, AddressHash: evidence.Sum(addr)}
		}
	}
	pi := evidence.PaymentInstruction{CheckoutID: p.CheckoutID, BuyerID: p.BuyerID, Nonce: evidence.NewNonce(),
		CardToken: string(b.Token), Brand: strings.ToLower(string(p.Card.Brand)), Last4: p.Card.Last4,
		Amount: p.Amount.Minor, Currency: string(p.Amount.Currency)}
	d, err := evidence.NewDual(oi, pi)
	if err != nil {
		return nil, err
	}
	consent, err := r.key.AttestSession(d.Hash, p.BuyerID, evidence.AuthPassword, now)
	if err != nil {
		return nil, err
	}
	return r.key.SignReceipt(d, consent, now)
}

// Receipt returns the signed receipt of a checkout, if the buyer owns it.
func receiptFor(ctx context.Context, db *store.DB, buyerID, checkoutID string) ([]byte, error) {
	var rec []byte
	err := db.QueryRow(ctx, `SELECT receipt FROM receipts WHERE checkout_id = ? AND buyer_id = ?`, checkoutID, buyerID).Scan(&rec)
	return rec, store.NotFound(err)
}

// receiptKey publishes the receipt key's public half, which
// `citadel verify receipt --key` pins.
func (s *Server) receiptKey(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	fmt.Fprintln(w, s.svc.receipts.key.Public().String())
}
