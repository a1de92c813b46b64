// Package tlog makes the audit outbox tamper-evident: a sequencer appends
// outbox entries as leaves of an RFC 6962 Merkle tree, stores the tree's
// hashes as C2SP tlog tiles, and signs a C2SP checkpoint after each batch.
// The log is served read-only (checkpoint, inclusion and consistency
// proofs, tlog-tiles layout) and Verify recomputes it from the stored
// entries.
//
// Sequencing: each outbox row gets its leaf index in audit_outbox.log_index,
// which is NULL until the row is sequenced. A batch takes the pending rows
// in seq order. On PostgreSQL, concurrent transactions may commit out of
// seq order; a row that commits after a higher seq was sequenced is still
// pending and is taken by the next batch (its leaf index then follows the
// higher seq's), so no row is skipped and no horizon or clock is needed.
// Exactly one sequencer appends at a time: each batch runs in one
// transaction that takes a PostgreSQL advisory lock (SQLite transactions
// are serialized by the store already), and re-reads the tree size inside
// it.
package tlog

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"

	"github.com/citadel-store/citadel/internal/store"
)

// TileHeight is the tlog-tiles tile height: a tile holds up to 256 hashes.
const (
	TileHeight = 8
	TileWidth  = 1 << TileHeight
)

// sequencerLock is the PostgreSQL advisory lock key held by a batch.
const sequencerLock = 7261013

var (
	hasher = rfc6962.DefaultHasher
	rf     = &compact.RangeFactory{Hash: rfc6962.DefaultHasher.HashChildren}
)

// ErrOutOfRange means a proof or tile was asked for beyond the log.
var ErrOutOfRange = errors.New("tlog: out of range")

// Options tune the sequencer.
type Options struct {
	BatchSize int                            // leaves per transaction; default 4096
	Now       func() time.Time               // default time.Now
	OnError   func(err error)                // Run reports failed rounds here; default ignores
	OnBatch   func(size uint64, root []byte) // called after each committed batch
}

// Log is the audit log over one database.
type Log struct {
	db     *store.DB
	origin string
	signer note.Signer // nil: read-only
	opts   Options

	mu    sync.Mutex // serializes sequencing in this process
	state *treeState // cached tree state after the last batch this process committed
}

type treeState struct {
	size uint64
	rng  *compact.Range
	// partial rightmost tile of each level, as stored.
	edge map[int][]byte
	full []tileRow // tiles completed by the batch in progress
}

// New returns the log over db. signer may be nil for a node that only
// serves the log; its name must be origin.
func New(db *store.DB, origin string, signer note.Signer, opts Options) (*Log, error) {
	if origin == "" || strings.ContainsAny(origin, "\n") {
		return nil, errors.New("tlog: bad origin")
	}
	if signer != nil && signer.Name() != origin {
		return nil, fmt.Errorf("tlog: signer name %q is not the origin %q", signer.Name(), origin)
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 4096
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Log{db: db, origin: origin, signer: signer, opts: opts}, nil
}

// Origin is the log's origin line.
func (l *Log) Origin() string { return l.origin }

// Run sequences pending entries every interval until ctx ends.
func (l *Log) Run(ctx context.Context, every time.Duration) error {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := l.SequenceOnce(ctx); err != nil && ctx.Err() == nil && l.opts.OnError != nil {
			l.opts.OnError(err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// SequenceOnce appends every pending outbox entry to the tree, in batches
// of Options.BatchSize, one transaction and one signed checkpoint per
// batch. It returns how many entries it appended.
func (l *Log) SequenceOnce(ctx context.Context) (int, error) {
	if l.signer == nil {
		return 0, errors.New("tlog: read-only log cannot sequence")
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	total := 0
	for {
		n, err := l.batch(ctx)
		total += n
		if err != nil || n < l.opts.BatchSize {
			return total, err
		}
	}
}

type pending struct {
	seq  int64
	body []byte
}

func (l *Log) batch(ctx context.Context) (int, error) {
	var (
		n     int
		state *treeState
		root  []byte
	)
	err := l.db.Tx(ctx, func(tx *store.Tx) error {
		n = 0
		if tx.Engine() == store.Postgres {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(`+strconv.Itoa(sequencerLock)+`)`); err != nil {
				return err
			}
		}
		size, err := latestSize(ctx, tx)
		if err != nil {
			return err
		}
		st := l.state
		if st == nil || st.size != size {
			if st, err = loadState(ctx, tx, size); err != nil {
				return err
			}
		} else {
			st = st.clone()
		}
		rows, err := tx.Query(ctx, `SELECT seq, body FROM audit_outbox WHERE log_index IS NULL ORDER BY seq LIMIT ?`, l.opts.BatchSize)
		if err != nil {
			return err
		}
		var batch []pending
		for rows.Next() {
			var p pending
			var body string
			if err := rows.Scan(&p.seq, &body); err != nil {
				rows.Close()
				return err
			}
			p.body = []byte(body)
			batch = append(batch, p)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(batch) == 0 {
			state = st
			return nil
		}
		if err := assignIndices(ctx, tx, batch, size); err != nil {
			return err
		}
		// Append leaves and collect the new tile-level nodes.
		touched := map[int]map[uint64]bool{}
		visit := func(id compact.NodeID, h []byte) {
			if id.Level%TileHeight != 0 {
				return
			}
			tl := int(id.Level / TileHeight)
			ti := id.Index / TileWidth
			if id.Index%TileWidth == 0 {
				st.edge[tl] = nil // a new tile starts
			}
			st.edge[tl] = append(st.edge[tl], h...)
			if touched[tl] == nil {
				touched[tl] = map[uint64]bool{}
			}
			touched[tl][ti] = true
			if len(st.edge[tl]) == TileWidth*sha256.Size {
				// full: write it now, the next one begins empty
				st.full = append(st.full, tileRow{tl, ti, st.edge[tl]})
				st.edge[tl] = nil
				delete(touched[tl], ti)
			}
		}
		for _, p := range batch {
			if err := st.rng.Append(hasher.HashLeaf(p.body), visit); err != nil {
				return err
			}
		}
		st.size = st.rng.End()
		for _, t := range st.full {
			if err := putTile(ctx, tx, t.level, t.index, t.hashes); err != nil {
				return err
			}
		}
		st.full = nil
		for tl, idxs := range touched {
			for ti := range idxs {
				if err := putTile(ctx, tx, tl, ti, st.edge[tl]); err != nil {
					return err
				}
			}
		}
		if root, err = st.rng.GetRootHash(nil); err != nil {
			return err
		}
		cp, err := l.sign(st.size, root)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO audit_checkpoints (size, root, note, created_at) VALUES (?, ?, ?, ?)`,
			int64(st.size), root, string(cp), store.Micros(l.opts.Now())); err != nil {
			return err
		}
		n = len(batch)
		state = st
		return nil
	})
	if err != nil {
		l.state = nil
		return 0, fmt.Errorf("tlog: sequence: %w", err)
	}
	l.state = state
	if n > 0 && l.opts.OnBatch != nil {
		l.opts.OnBatch(state.size, root)
	}
	return n, nil
}

type tileRow struct {
	level  int
	index  uint64
	hashes []byte
}

// assignIndices sets log_index for the batch. On PostgreSQL one
// multi-row statement per 500 rows (a hash join with a VALUES list); on
// SQLite, whose planner would scan the outbox for such a join, one
// primary-key update per row on the local connection.
func assignIndices(ctx context.Context, tx *store.Tx, batch []pending, base uint64) error {
	if tx.Engine() != store.Postgres {
		for j, p := range batch {
			res, err := tx.Exec(ctx, `UPDATE audit_outbox SET log_index = ? WHERE seq = ? AND log_index IS NULL`, int64(base)+int64(j), p.seq)
			if err != nil {
				return err
			}
			if got, err := res.RowsAffected(); err == nil && got != 1 {
				return fmt.Errorf("tlog: outbox row %d vanished", p.seq)
			}
		}
		return nil
	}
	const chunk = 500
	for off := 0; off < len(batch); off += chunk {
		part := batch[off:min(off+chunk, len(batch))]
		var b strings.Builder
		b.WriteString(`WITH v(s, i) AS (VALUES `)
		args := make([]any, 0, 2*len(part))
		for j, p := range part {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString(`(CAST(? AS BIGINT), CAST(? AS BIGINT))`)
			args = append(args, p.seq, int64(base)+int64(off+j))
		}
		b.WriteString(`) UPDATE audit_outbox SET log_index = v.i FROM v WHERE audit_outbox.seq = v.s AND audit_outbox.log_index IS NULL`)
		res, err := tx.Exec(ctx, b.String(), args...)
		if err != nil {
			return err
		}
		if got, err := res.RowsAffected(); err == nil && got != int64(len(part)) {
			return fmt.Errorf("tlog: assigned %d of %d indices", got, len(part))
		}
	}
	return nil
}

func putTile(ctx context.Context, tx *store.Tx, level int, index uint64, hashes []byte) error {
	_, err := tx.Exec(ctx, `INSERT INTO audit_log_tiles (lvl, idx, hashes) VALUES (?, ?, ?)
		ON CONFLICT (lvl, idx) DO UPDATE SET hashes = excluded.hashes`, level, int64(index), hashes)
	return err
}

func (s *treeState) clone() *treeState {
	c := &treeState{size: s.size, edge: make(map[int][]byte, len(s.edge))}
	h := s.rng.Hashes()
	cp := make([][]byte, len(h))
	copy(cp, h)
	c.rng, _ = rf.NewRange(0, s.size, cp)
	for k, v := range s.edge {
		c.edge[k] = append([]byte(nil), v...)
	}
	return c
}

// latestSize is the size of the newest checkpoint: the tree's size, since
// leaves and checkpoint are written in one transaction.
func latestSize(ctx context.Context, q store.Querier) (uint64, error) {
	var size int64
	err := q.QueryRow(ctx, `SELECT COALESCE(MAX(size), 0) FROM audit_checkpoints`).Scan(&size)
	return uint64(size), err
}

// loadState rebuilds the compact range and the partial edge tiles of a
// tree of the given size from the stored tiles.
func loadState(ctx context.Context, q store.Querier, size uint64) (*treeState, error) {
	st := &treeState{edge: map[int][]byte{}}
	r := newTileReader(q, size)
	ids := compact.RangeNodes(0, size, nil)
	hashes := make([][]byte, len(ids))
	for i, id := range ids {
		h, err := r.node(ctx, id)
		if err != nil {
			return nil, err
		}
		hashes[i] = h
	}
	rng, err := rf.NewRange(0, size, hashes)
	if err != nil {
		return nil, err
	}
	st.rng, st.size = rng, size
	for tl := 0; ; tl++ {
		n := size >> (TileHeight * tl) // nodes at this tile level
		if n == 0 {
			break
		}
		if w := n % TileWidth; w != 0 {
			t, err := r.tile(ctx, tl, n/TileWidth)
			if err != nil {
				return nil, err
			}
			if uint64(len(t)) < w*sha256.Size {
				return nil, fmt.Errorf("tlog: tile %d/%d holds %d hashes, want %d", tl, n/TileWidth, len(t)/sha256.Size, w)
			}
			st.edge[tl] = append([]byte(nil), t[:w*sha256.Size]...)
		}
	}
	return st, nil
}
