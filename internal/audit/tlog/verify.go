package tlog

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/transparency-dev/merkle/proof"
	"golang.org/x/mod/sumdb/note"

	"github.com/citadel-store/citadel/internal/store"
)

// Problem is what Verify found wrong, at the first index it affects.
type Problem struct {
	Index  int64
	Reason string
}

func (p *Problem) Error() string {
	return fmt.Sprintf("audit log differs at index %d: %s", p.Index, p.Reason)
}

// Verify recomputes the tree from the stored entries and checks: each
// entry's leaf hash against the stored tiles, every stored checkpoint's
// signature (by v) and root against the recomputed tree, that each
// checkpoint is consistent with the next (by a proof built from the stored
// tiles), that no entry is missing below the newest checkpoint and none
// lies beyond it. It returns -1 and nil when all holds; otherwise the
// first index where anything differs and a *Problem. For a checkpoint
// whose signature or root is wrong, the index is the first entry it covers
// that the checkpoint before it did not. progress, when not nil, is called
// as entries are checked.
//
// Only an outside party that kept an earlier checkpoint (a witness) can
// tell a log that was truncated together with its checkpoints and tiles.
func Verify(ctx context.Context, db *store.DB, v note.Verifier, progress func(done, total int64)) (firstBad int64, err error) {
	var first *Problem
	report := func(idx int64, format string, args ...any) {
		if first == nil || idx < first.Index {
			first = &Problem{Index: idx, Reason: fmt.Sprintf(format, args...)}
		}
	}
	cps, err := Checkpoints(ctx, db)
	if err != nil {
		return -1, err
	}
	prev := uint64(0)
	for _, c := range cps {
		cp, err := OpenCheckpoint(c.Note, v)
		switch {
		case err != nil:
			report(int64(prev), "checkpoint of size %d: %v", c.Size, err)
		case cp.Size != c.Size || !bytes.Equal(cp.Root, c.Root):
			report(int64(prev), "checkpoint of size %d: signed size or root differs from the stored ones", c.Size)
		}
		prev = c.Size
	}
	var count int64
	if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM audit_outbox WHERE log_index IS NOT NULL`).Scan(&count); err != nil {
		return -1, err
	}
	total := max(count, int64(prev))

	rows, err := db.Query(ctx, `SELECT log_index, body FROM audit_outbox WHERE log_index IS NOT NULL ORDER BY log_index`)
	if err != nil {
		return -1, err
	}
	defer rows.Close()
	rng := rf.NewEmptyRange(0)
	tiles := newTileReader(db, ^uint64(0))
	var tile []byte
	ci := 0
	next := int64(0)
	for rows.Next() {
		var idx int64
		var body string
		if err := rows.Scan(&idx, &body); err != nil {
			return -1, err
		}
		if idx != next {
			report(next, "entry %d is missing", next)
			break
		}
		leaf := hasher.HashLeaf([]byte(body))
		if next%TileWidth == 0 {
			clear(tiles.cache)
			if tile, err = tiles.tile(ctx, 0, uint64(next/TileWidth)); err != nil && !errors.Is(err, store.ErrNotFound) {
				return -1, err
			}
		}
		off := (next % TileWidth) * sha256.Size
		if int64(len(tile)) < off+sha256.Size || !bytes.Equal(tile[off:off+sha256.Size], leaf) {
			report(next, "entry %d does not match its stored leaf hash", next)
			break
		}
		if err := rng.Append(leaf, nil); err != nil {
			return -1, err
		}
		next++
		for ci < len(cps) && cps[ci].Size < uint64(next) {
			ci++
		}
		if ci < len(cps) && cps[ci].Size == uint64(next) {
			root, err := rng.GetRootHash(nil)
			if err != nil {
				return -1, err
			}
			if !bytes.Equal(root, cps[ci].Root) {
				from := int64(0)
				if ci > 0 {
					from = int64(cps[ci-1].Size)
				}
				report(from, "recomputed root at size %d differs from the checkpoint's", next)
				break
			}
		}
		if progress != nil && next%16384 == 0 {
			progress(next, total)
		}
	}
	if err := rows.Err(); err != nil {
		return -1, err
	}
	rows.Close()
	if first == nil || first.Index >= next {
		switch {
		case uint64(next) < prev:
			report(next, "log ends at %d but a checkpoint covers %d entries", next, prev)
		case next < count:
			// stopped early; the problem is already reported
		case uint64(count) > prev:
			// A batch may have committed after the checkpoints were read:
			// only entries no checkpoint covers even now are a problem.
			if latest, err := latestSize(ctx, db); err != nil {
				return -1, err
			} else if uint64(count) > latest {
				report(int64(latest), "%d entries lie beyond the newest checkpoint (size %d)", uint64(count)-latest, latest)
			}
		}
	}
	// Consistency between consecutive checkpoints, by proofs from the tiles.
	for i := 1; i < len(cps); i++ {
		a, b := cps[i-1], cps[i]
		if first != nil && int64(a.Size) >= first.Index {
			break
		}
		nodes, err := proof.Consistency(a.Size, b.Size)
		if err != nil {
			return -1, err
		}
		r := newTileReader(db, b.Size)
		hs := make([][]byte, len(nodes.IDs))
		for j, id := range nodes.IDs {
			if hs[j], err = r.node(ctx, id); err != nil {
				break
			}
		}
		if err == nil {
			if hs, err = nodes.Rehash(hs, hasher.HashChildren); err == nil {
				err = proof.VerifyConsistency(hasher, a.Size, b.Size, hs, a.Root, b.Root)
			}
		}
		if err != nil {
			report(int64(a.Size), "checkpoints of size %d and %d are not consistent: %v", a.Size, b.Size, err)
			break
		}
	}
	if progress != nil {
		progress(next, total)
	}
	if first != nil {
		return first.Index, first
	}
	return -1, nil
}
