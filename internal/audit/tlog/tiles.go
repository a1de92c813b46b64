package tlog

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/transparency-dev/merkle/compact"

	"github.com/citadel-store/citadel/internal/store"
)

// tileReader reads tree nodes of a tree of a given size from the stored
// tiles, caching the tiles it read.
type tileReader struct {
	q     store.Querier
	size  uint64
	cache map[[2]uint64][]byte
}

func newTileReader(q store.Querier, size uint64) *tileReader {
	return &tileReader{q: q, size: size, cache: map[[2]uint64][]byte{}}
}

// tile returns the stored hashes of tile (level, index), possibly partial.
func (r *tileReader) tile(ctx context.Context, level int, index uint64) ([]byte, error) {
	k := [2]uint64{uint64(level), index}
	if t, ok := r.cache[k]; ok {
		return t, nil
	}
	var t []byte
	err := r.q.QueryRow(ctx, `SELECT hashes FROM audit_log_tiles WHERE lvl = ? AND idx = ?`, level, int64(index)).Scan(&t)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("tlog: tile %d/%d missing: %w", level, index, store.ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	if len(t)%sha256.Size != 0 || len(t) == 0 || len(t) > TileWidth*sha256.Size {
		return nil, fmt.Errorf("tlog: tile %d/%d is %d bytes", level, index, len(t))
	}
	r.cache[k] = t
	return t, nil
}

// node returns the hash of a complete node of the tree: read from the tile
// at level id.Level/8, hashing up within the tile for other heights.
func (r *tileReader) node(ctx context.Context, id compact.NodeID) ([]byte, error) {
	begin, end := id.Coverage()
	if end > r.size {
		return nil, fmt.Errorf("tlog: node %v beyond tree size %d: %w", id, r.size, ErrOutOfRange)
	}
	tl := int(id.Level / TileHeight)
	k := id.Level % TileHeight
	first := id.Index << k // index among the nodes of height 8*tl
	count := uint64(1) << k
	t, err := r.tile(ctx, tl, first/TileWidth)
	if err != nil {
		return nil, err
	}
	off := first % TileWidth
	if (off+count)*sha256.Size > uint64(len(t)) {
		return nil, fmt.Errorf("tlog: tile %d/%d too short for node %v (leaves %d-%d)", tl, first/TileWidth, id, begin, end)
	}
	hs := make([][]byte, count)
	for i := range hs {
		j := (off + uint64(i)) * sha256.Size
		hs[i] = t[j : j+sha256.Size]
	}
	for len(hs) > 1 {
		next := hs[:len(hs)/2]
		for i := range next {
			next[i] = hasher.HashChildren(hs[2*i], hs[2*i+1])
		}
		hs = next
	}
	return hs[0], nil
}

// TilePath formats the tlog-tiles path of tile N of level L (without the
// "tile/" prefix); width < 256 adds the partial suffix.
func TilePath(level int, n uint64, width int) string {
	return strconv.Itoa(level) + "/" + formatN(n, width)
}

func formatN(n uint64, width int) string {
	s := fmt.Sprintf("%03d", n%1000)
	for n /= 1000; n > 0; n /= 1000 {
		s = fmt.Sprintf("x%03d/%s", n%1000, s)
	}
	if width > 0 && width < TileWidth {
		s += ".p/" + strconv.Itoa(width)
	}
	return s
}

// parseN parses a tlog-tiles index path "x001/x234/067[.p/W]" strictly:
// 3-digit groups, x on all but the last, W in 1..255. Width 0 means full.
func parseN(p string) (n uint64, width int, err error) {
	bad := fmt.Errorf("tlog: bad tile index %q", p)
	if i := strings.Index(p, ".p/"); i >= 0 {
		w, err := strconv.Atoi(p[i+3:])
		if err != nil || w < 1 || w >= TileWidth || strconv.Itoa(w) != p[i+3:] {
			return 0, 0, bad
		}
		width, p = w, p[:i]
	}
	parts := strings.Split(p, "/")
	if len(parts) > 7 {
		return 0, 0, bad
	}
	for i, g := range parts {
		if i < len(parts)-1 {
			if !strings.HasPrefix(g, "x") {
				return 0, 0, bad
			}
			g = g[1:]
		}
		if len(g) != 3 || strings.Trim(g, "0123456789") != "" {
			return 0, 0, bad
		}
		d, _ := strconv.Atoi(g)
		if n > (^uint64(0)-uint64(d))/1000 {
			return 0, 0, bad
		}
		n = n*1000 + uint64(d)
	}
	return n, width, nil
}

func nodeID(level uint, index uint64) compact.NodeID { return compact.NewNodeID(level, index) }
