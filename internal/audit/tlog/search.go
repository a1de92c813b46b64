package tlog

import (
	"context"
	"time"

	"github.com/citadel-store/citadel/internal/store"
)

// Filter selects logged entries for the auditor's console.
type Filter struct {
	Actor, Action, Object string // exact matches; empty matches all
	From, To              time.Time
	Limit, Offset         int
}

// Logged is one sequenced entry.
type Logged struct {
	Index  int64
	Time   time.Time
	Actor  string
	Action string
	Body   string
}

// Search lists sequenced entries matching f, newest first.
func (l *Log) Search(ctx context.Context, f Filter) ([]Logged, error) {
	q := `SELECT log_index, created_at, actor, action, body FROM audit_outbox WHERE log_index IS NOT NULL`
	var args []any
	if f.Actor != "" {
		q += ` AND actor = ?`
		args = append(args, f.Actor)
	}
	if f.Action != "" {
		q += ` AND action = ?`
		args = append(args, f.Action)
	}
	if f.Object != "" {
		// The object is inside the canonical JSON; match it exactly as
		// encoding/json writes it.
		q += ` AND body LIKE ?`
		args = append(args, `%"object":"`+likeEscape(f.Object)+`"%`)
	}
	if !f.From.IsZero() {
		q += ` AND created_at >= ?`
		args = append(args, store.Micros(f.From))
	}
	if !f.To.IsZero() {
		q += ` AND created_at < ?`
		args = append(args, store.Micros(f.To))
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	q += ` ORDER BY log_index DESC LIMIT ? OFFSET ?`
	args = append(args, f.Limit, max(0, f.Offset))
	rows, err := l.db.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Logged
	for rows.Next() {
		var e Logged
		var at int64
		if err := rows.Scan(&e.Index, &at, &e.Actor, &e.Action, &e.Body); err != nil {
			return nil, err
		}
		e.Time = store.FromMicros(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// likeEscape drops LIKE's wildcards from a user's search term (IDs never
// contain them): a search can only ever match more narrowly.
func likeEscape(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if r != '%' && r != '_' && r != '\\' && r != '"' {
			out = append(out, r)
		}
	}
	return string(out)
}
