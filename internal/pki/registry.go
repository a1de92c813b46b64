package pki

import (
	"context"
	"crypto/x509"
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"sync"
	"time"

	"github.com/citadel-store/citadel/internal/store"
)

// Registry records what the CA issued and revoked in the database, so
// every node and the CLI see the same revocations at once, and builds the
// CRL and OCSP answers from it.
type Registry struct {
	db *store.DB
	ca *CA

	// Audit, when set, records certificate operations in the same
	// transaction as the change (internal/audit's outbox).
	Audit func(ctx context.Context, tx *store.Tx, action, serial string, detail map[string]string) error

	mu        sync.Mutex
	crl       []byte
	crlNumber int64
	crlAt     time.Time
}

// ErrUnknownSerial means the CA has no record of that serial.
var ErrUnknownSerial = errors.New("unknown serial: this CA issued no such certificate")

// ErrAlreadyRevoked means the certificate was revoked before; nothing changed.
var ErrAlreadyRevoked = errors.New("certificate already revoked")

// crlMaxAge is how long a node reuses its CRL when nothing was revoked.
const crlMaxAge = time.Hour

// Record is what the registry knows of one certificate.
type Record struct {
	Serial    string // as FormatSerial prints it
	Kind      string // server | client
	Subject   string
	UserID    string
	NotBefore time.Time
	NotAfter  time.Time
	IssuedAt  time.Time
	RevokedAt *time.Time
	Reason    int
}

// NewRegistry ties the CA to its records.
func NewRegistry(db *store.DB, ca *CA) *Registry { return &Registry{db: db, ca: ca} }

// IssueServer issues a server certificate and records it.
func (r *Registry) IssueServer(ctx context.Context, names []string, validity time.Duration) (*Issued, error) {
	iss, err := r.ca.IssueServer(names, validity)
	if err != nil {
		return nil, err
	}
	return iss, r.record(ctx, iss, "server", "")
}

// IssueClient issues a client certificate with a new key, bound to userID.
func (r *Registry) IssueClient(ctx context.Context, userID, subject string, validity time.Duration) (*Issued, error) {
	iss, err := r.ca.IssueClient(userID, subject, validity)
	if err != nil {
		return nil, err
	}
	return iss, r.record(ctx, iss, "client", userID)
}

// IssueClientFromCSR issues a client certificate for the requester's key.
func (r *Registry) IssueClientFromCSR(ctx context.Context, csrPEM []byte, userID, subject string, validity time.Duration) (*Issued, error) {
	iss, err := r.ca.IssueClientFromCSR(csrPEM, userID, subject, validity)
	if err != nil {
		return nil, err
	}
	return iss, r.record(ctx, iss, "client", userID)
}

func (r *Registry) record(ctx context.Context, iss *Issued, kind, userID string) error {
	c := iss.Cert
	var uid any
	if userID != "" {
		uid = userID
	}
	err := r.db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO pki_certificates (serial, kind, subject, user_id, not_before, not_after, issued_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, c.SerialNumber.Text(16), kind, c.Subject.CommonName, uid,
			store.Micros(c.NotBefore), store.Micros(c.NotAfter), store.Micros(time.Now())); err != nil {
			return err
		}
		return r.audit(ctx, tx, "cert.issue", c.SerialNumber, map[string]string{"kind": kind, "account": userID})
	})
	if err != nil {
		return fmt.Errorf("pki: record certificate: %w", err)
	}
	return nil
}

func (r *Registry) audit(ctx context.Context, tx *store.Tx, action string, serial *big.Int, detail map[string]string) error {
	if r.Audit == nil {
		return nil
	}
	return r.Audit(ctx, tx, action, FormatSerial(serial), detail)
}

// Revoke marks a certificate revoked with a CRL reason code. The next CRL
// or OCSP answer from any node reflects it.
func (r *Registry) Revoke(ctx context.Context, serial *big.Int, reason int) error {
	return r.db.Tx(ctx, func(tx *store.Tx) error {
		var revoked sql.NullInt64
		err := tx.QueryRow(ctx, `SELECT revoked_at FROM pki_certificates WHERE serial = ?`, serial.Text(16)).Scan(&revoked)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrUnknownSerial
		}
		if err != nil {
			return err
		}
		if revoked.Valid {
			return ErrAlreadyRevoked
		}
		if _, err := tx.Exec(ctx, `UPDATE pki_certificates SET revoked_at = ?, revocation_reason = ? WHERE serial = ?`,
			store.Micros(time.Now()), reason, serial.Text(16)); err != nil {
			return err
		}
		if _, err = tx.Exec(ctx, `UPDATE pki_crl_number SET number = number + 1 WHERE id = 1`); err != nil {
			return err
		}
		return r.audit(ctx, tx, "cert.revoke", serial, map[string]string{"reason": fmt.Sprint(reason)})
	})
}

// Lookup returns the record of one serial.
func (r *Registry) Lookup(ctx context.Context, serial *big.Int) (Record, error) {
	rows, err := r.db.Query(ctx, recordQuery+` WHERE serial = ?`, serial.Text(16))
	if err != nil {
		return Record{}, err
	}
	recs, err := scanRecords(rows)
	if err != nil {
		return Record{}, err
	}
	if len(recs) == 0 {
		return Record{}, ErrUnknownSerial
	}
	return recs[0], nil
}

// List returns every certificate, newest first.
func (r *Registry) List(ctx context.Context) ([]Record, error) {
	rows, err := r.db.Query(ctx, recordQuery+` ORDER BY issued_at DESC`)
	if err != nil {
		return nil, err
	}
	return scanRecords(rows)
}

const recordQuery = `SELECT serial, kind, subject, COALESCE(user_id, ''), not_before, not_after, issued_at, revoked_at, COALESCE(revocation_reason, 0) FROM pki_certificates`

func scanRecords(rows *sql.Rows) ([]Record, error) {
	defer rows.Close()
	var out []Record
	for rows.Next() {
		var rec Record
		var nb, na, ia int64
		var rv sql.NullInt64
		if err := rows.Scan(&rec.Serial, &rec.Kind, &rec.Subject, &rec.UserID, &nb, &na, &ia, &rv, &rec.Reason); err != nil {
			return nil, err
		}
		if n, ok := new(big.Int).SetString(rec.Serial, 16); ok {
			rec.Serial = FormatSerial(n)
		}
		rec.NotBefore, rec.NotAfter, rec.IssuedAt = store.FromMicros(nb), store.FromMicros(na), store.FromMicros(ia)
		if rv.Valid {
			t := store.FromMicros(rv.Int64)
			rec.RevokedAt = &t
		}
		out = append(out, rec)
	}
	return out, rows.Err()
}

// CRL returns the intermediate's current CRL (DER). A node reuses its CRL
// until a revocation bumps the CRL number or an hour passes; each CRL it
// signs takes a new number, so numbers only grow across nodes.
func (r *Registry) CRL(ctx context.Context) ([]byte, error) {
	var number int64
	if err := r.db.QueryRow(ctx, `SELECT number FROM pki_crl_number WHERE id = 1`).Scan(&number); err != nil {
		return nil, fmt.Errorf("pki: CRL number: %w", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.crl != nil && r.crlNumber == number && time.Since(r.crlAt) < crlMaxAge {
		return r.crl, nil
	}
	var entries []x509.RevocationListEntry
	err := r.db.Tx(ctx, func(tx *store.Tx) error {
		entries = nil
		if _, err := tx.Exec(ctx, `UPDATE pki_crl_number SET number = number + 1 WHERE id = 1`); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT number FROM pki_crl_number WHERE id = 1`).Scan(&number); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT serial, revoked_at, COALESCE(revocation_reason, 0) FROM pki_certificates
			WHERE revoked_at IS NOT NULL AND not_after > ?`, store.Micros(time.Now()))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var hex string
			var at int64
			var reason int
			if err := rows.Scan(&hex, &at, &reason); err != nil {
				return err
			}
			n, ok := new(big.Int).SetString(hex, 16)
			if !ok {
				return fmt.Errorf("pki: stored serial %q is not hex", hex)
			}
			entries = append(entries, x509.RevocationListEntry{SerialNumber: n, RevocationTime: store.FromMicros(at), ReasonCode: reason})
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("pki: CRL: %w", err)
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].SerialNumber.Cmp(entries[j].SerialNumber) < 0 })
	der, err := r.ca.CRL(entries, big.NewInt(number))
	if err != nil {
		return nil, err
	}
	r.crl, r.crlNumber, r.crlAt = der, number, time.Now()
	return der, nil
}

// OCSP answers a DER OCSP request from the records.
func (r *Registry) OCSP(ctx context.Context, reqDER []byte) ([]byte, error) {
	// A failed lookup must not pass for "unknown": the answer is then an
	// error (500), and the client tries again.
	var lookupErr error
	resp, err := r.ca.OCSPResponse(reqDER, func(serial *big.Int) (bool, time.Time, int, bool) {
		rec, err := r.Lookup(ctx, serial)
		if err != nil {
			if !errors.Is(err, ErrUnknownSerial) {
				lookupErr = err
			}
			return false, time.Time{}, 0, false
		}
		if rec.RevokedAt != nil {
			return true, *rec.RevokedAt, rec.Reason, true
		}
		return false, time.Time{}, 0, true
	})
	if lookupErr != nil {
		return nil, fmt.Errorf("pki: OCSP lookup: %w", lookupErr)
	}
	return resp, err
}

// Revocation reasons by the names RFC 5280 gives them.
var reasonCodes = map[string]int{
	"unspecified": 0, "keyCompromise": 1, "cACompromise": 2, "affiliationChanged": 3,
	"superseded": 4, "cessationOfOperation": 5, "certificateHold": 6, "privilegeWithdrawn": 9,
}

// ReasonCode maps a reason name to its CRL code.
func ReasonCode(name string) (int, bool) {
	c, ok := reasonCodes[name]
	return c, ok
}

// ReasonNames lists the reason names ReasonCode accepts.
func ReasonNames() []string {
	out := make([]string, 0, len(reasonCodes))
	for n := range reasonCodes {
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool { return reasonCodes[out[i]] < reasonCodes[out[j]] })
	return out
}
