// Package audit records security-relevant events. Each event is written to
// an outbox in the same database transaction as the change it describes,
// so nothing is logged that did not happen and nothing that happened is
// missing. (The Merkle-tree log that makes the outbox tamper-evident is
// the audit-log issue's work; this package is its one entry point.)
//
// Entries keep personal data to identifiers: the source IP appears in the
// entry only as a keyed pseudonym, and the address itself is sealed in a
// side column that retention can erase without breaking the log.
package audit

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/citadel-store/citadel/internal/ids"
	"github.com/citadel-store/citadel/internal/keyring"
	"github.com/citadel-store/citadel/internal/store"
)

// Outcome of an event.
const (
	Success = "success"
	Failure = "failure"
	Denied  = "denied"
)

// Event is one security-relevant fact.
type Event struct {
	Time      time.Time         // zero: now
	Actor     string            // account ID, "system", or "anonymous"
	Action    string            // e.g. "auth.signin", "role.grant"
	Object    string            // what it was done to, by ID
	Outcome   string            // Success, Failure, Denied
	RequestID string            // ties the event to the access log
	IP        string            // source address; pseudonymized in the entry
	UserAgent string            // truncated to 256 bytes
	Detail    map[string]string // identifiers and reasons only: no secrets, no codes
}

// Recorder writes events into the outbox.
type Recorder struct {
	keys *keyring.Keyring
}

// NewRecorder uses keys to pseudonymize and seal source addresses.
func NewRecorder(keys *keyring.Keyring) *Recorder { return &Recorder{keys: keys} }

// entry is the canonical form of an event: encoding/json writes struct
// fields in this fixed order and map keys sorted, without extra spaces.
type entry struct {
	ID        string            `json:"id"`
	Time      string            `json:"time"`
	Actor     string            `json:"actor"`
	Action    string            `json:"action"`
	Object    string            `json:"object,omitempty"`
	Outcome   string            `json:"outcome"`
	RequestID string            `json:"request_id,omitempty"`
	IP        string            `json:"ip,omitempty"`
	UserAgent string            `json:"user_agent,omitempty"`
	Detail    map[string]string `json:"detail,omitempty"`
}

// Record appends e to the outbox inside tx.
func (r *Recorder) Record(ctx context.Context, tx *store.Tx, e Event) error {
	if e.Action == "" || e.Actor == "" {
		return errors.New("audit: event needs an actor and an action")
	}
	switch e.Outcome {
	case Success, Failure, Denied:
	default:
		return fmt.Errorf("audit: outcome %q", e.Outcome)
	}
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	en := entry{ID: ids.New("evt"), Time: e.Time.UTC().Format(time.RFC3339Nano), Actor: e.Actor, Action: e.Action,
		Object: e.Object, Outcome: e.Outcome, RequestID: e.RequestID, UserAgent: truncate(e.UserAgent, 256), Detail: e.Detail}
	var ipCT keyring.Ciphertext
	if addr, err := netip.ParseAddr(e.IP); err == nil {
		ip := addr.Unmap().String()
		en.IP = "ip:" + hex.EncodeToString(r.keys.BlindIndex("audit-ip", ip)[:12])
		if ipCT, err = r.keys.SealString(ctx, keyring.Confidential, keyring.Field{Table: "audit_outbox", Column: "ip", Row: en.ID}, ip); err != nil {
			return err
		}
	}
	body, err := json.Marshal(en)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO audit_outbox (id, created_at, action, actor, body, ip_ct) VALUES (?, ?, ?, ?, ?, ?)`,
		en.ID, store.Micros(e.Time), e.Action, e.Actor, string(body), []byte(ipCT))
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}

// Entry is an outbox row as read back.
type Entry struct {
	Seq    int64
	ID     string
	Action string
	Actor  string
	Body   string
}

// Recent returns the newest outbox entries, for tests and the console.
func Recent(ctx context.Context, q store.Querier, limit int) ([]Entry, error) {
	rows, err := q.Query(ctx, `SELECT seq, id, action, actor, body FROM audit_outbox ORDER BY seq DESC LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		if err := rows.Scan(&e.Seq, &e.ID, &e.Action, &e.Actor, &e.Body); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
