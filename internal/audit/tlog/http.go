package tlog

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/citadel-store/citadel/internal/store"
)

// Handler serves the log read-only under /audit/: the latest checkpoint,
// inclusion and consistency proofs as JSON, and the C2SP tlog-tiles layout
// (/audit/checkpoint, /audit/tile/L/N[.p/W], /audit/tile/entries/N[.p/W]).
// Mount it on the public mux at "/audit/".
func (l *Log) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /audit/checkpoint", l.serveCheckpoint)
	mux.HandleFunc("GET /audit/proof/inclusion", l.serveInclusion)
	mux.HandleFunc("GET /audit/proof/consistency", l.serveConsistency)
	mux.HandleFunc("GET /audit/tile/entries/{n...}", l.serveEntries)
	mux.HandleFunc("GET /audit/tile/{level}/{n...}", l.serveTile)
	return mux
}

// InclusionResponse is the JSON answer of /audit/proof/inclusion; hashes
// are base64.
type InclusionResponse struct {
	Index      uint64   `json:"index"`
	TreeSize   uint64   `json:"tree_size"`
	LeafHash   []byte   `json:"leaf_hash"`
	Proof      [][]byte `json:"proof"`
	Checkpoint string   `json:"checkpoint,omitempty"` // signed checkpoint of tree_size, when one was stored
}

// ConsistencyResponse is the JSON answer of /audit/proof/consistency.
type ConsistencyResponse struct {
	From  uint64   `json:"from"`
	To    uint64   `json:"to"`
	Proof [][]byte `json:"proof"`
}

func (l *Log) serveCheckpoint(w http.ResponseWriter, r *http.Request) {
	c, err := l.Latest(r.Context())
	if err != nil {
		httpError(w, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(c.Note)
}

func (l *Log) serveInclusion(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	index, err := uintParam(r, "index")
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var size uint64
	if r.URL.Query().Has("size") {
		if size, err = uintParam(r, "size"); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
	} else if size, err = latestSize(ctx, l.db); err != nil {
		httpError(w, err)
		return
	}
	p, err := l.InclusionProof(ctx, index, size)
	if err != nil {
		httpError(w, err)
		return
	}
	leaf, err := newTileReader(l.db, size).node(ctx, nodeID(0, index))
	if err != nil {
		httpError(w, err)
		return
	}
	resp := InclusionResponse{Index: index, TreeSize: size, LeafHash: leaf, Proof: nonNil(p)}
	var text string
	if err := l.db.QueryRow(ctx, `SELECT note FROM audit_checkpoints WHERE size = ?`, int64(size)).Scan(&text); err == nil {
		resp.Checkpoint = text
	}
	writeJSON(w, resp)
}

func (l *Log) serveConsistency(w http.ResponseWriter, r *http.Request) {
	from, err := uintParam(r, "from")
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	to, err := uintParam(r, "to")
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	p, err := l.ConsistencyProof(r.Context(), from, to)
	if err != nil {
		httpError(w, err)
		return
	}
	writeJSON(w, ConsistencyResponse{From: from, To: to, Proof: nonNil(p)})
}

func (l *Log) serveTile(w http.ResponseWriter, r *http.Request) {
	ls := r.PathValue("level")
	level, err := strconv.Atoi(ls)
	if err != nil || level < 0 || level > 63 || strconv.Itoa(level) != ls {
		http.Error(w, "bad tile level", http.StatusBadRequest)
		return
	}
	n, width, err := parseN(r.PathValue("n"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	ctx := r.Context()
	avail, err := l.available(ctx, level, n, width)
	if err != nil {
		httpError(w, err)
		return
	}
	t, err := newTileReader(l.db, 0).tile(ctx, level, n)
	if err != nil {
		httpError(w, err)
		return
	}
	if len(t) < avail*sha256.Size {
		httpError(w, fmt.Errorf("tlog: tile %d/%d short", level, n))
		return
	}
	serveBlob(w, t[:avail*sha256.Size], width == 0)
}

func (l *Log) serveEntries(w http.ResponseWriter, r *http.Request) {
	n, width, err := parseN(r.PathValue("n"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	ctx := r.Context()
	avail, err := l.available(ctx, 0, n, width)
	if err != nil {
		httpError(w, err)
		return
	}
	first := n * TileWidth
	rows, err := l.db.Query(ctx, `SELECT log_index, body FROM audit_outbox WHERE log_index >= ? AND log_index < ? ORDER BY log_index`,
		int64(first), int64(first)+int64(avail))
	if err != nil {
		httpError(w, err)
		return
	}
	defer rows.Close()
	var out []byte
	next := int64(first)
	for rows.Next() {
		var idx int64
		var body string
		if err := rows.Scan(&idx, &body); err != nil {
			httpError(w, err)
			return
		}
		if idx != next || len(body) > 0xffff {
			httpError(w, fmt.Errorf("tlog: entry %d missing or too long", next))
			return
		}
		out = binary.BigEndian.AppendUint16(out, uint16(len(body)))
		out = append(out, body...)
		next++
	}
	if err := rows.Err(); err != nil {
		httpError(w, err)
		return
	}
	if next != int64(first)+int64(avail) {
		httpError(w, fmt.Errorf("tlog: entry %d missing", next))
		return
	}
	serveBlob(w, out, width == 0)
}

// available checks that tile n of the level exists in the published tree,
// full (width 0) or at least width wide, and returns how many hashes (or
// entries) to serve.
func (l *Log) available(ctx context.Context, level int, n uint64, width int) (int, error) {
	size, err := latestSize(ctx, l.db)
	if err != nil {
		return 0, err
	}
	nodes := size >> (TileHeight * level)
	if level >= 8 {
		nodes = 0
	}
	want := uint64(width)
	if width == 0 {
		want = TileWidth
	}
	if n > (nodes)/TileWidth || n*TileWidth+want > nodes {
		return 0, store.ErrNotFound
	}
	return int(want), nil
}

func serveBlob(w http.ResponseWriter, b []byte, full bool) {
	w.Header().Set("Content-Type", "application/octet-stream")
	if full {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "public, max-age=60")
	}
	w.Write(b)
}

func uintParam(r *http.Request, name string) (uint64, error) {
	s := r.URL.Query().Get(name)
	v, err := strconv.ParseUint(s, 10, 63)
	if err != nil {
		return 0, fmt.Errorf("parameter %s: %q is not a non-negative integer", name, s)
	}
	return v, nil
}

func httpError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, ErrOutOfRange):
		http.Error(w, err.Error(), http.StatusBadRequest)
	case errors.Is(err, store.ErrNotFound):
		http.Error(w, "not found", http.StatusNotFound)
	default:
		http.Error(w, "internal error", http.StatusInternalServerError)
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	json.NewEncoder(w).Encode(v)
}

func nonNil(p [][]byte) [][]byte {
	if p == nil {
		return [][]byte{}
	}
	return p
}
