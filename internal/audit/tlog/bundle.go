package tlog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/transparency-dev/merkle/proof"
	"golang.org/x/mod/sumdb/note"

	"github.com/citadel-store/citadel/internal/store"
)

// Bundle is self-contained evidence that one entry is in the log: the
// entry, its inclusion proof, and a signed checkpoint the proof leads to.
// Anyone holding the log's public key can check it offline.
type Bundle struct {
	Format     string   `json:"format"` // "citadel-audit-bundle/v1"
	Index      uint64   `json:"index"`
	Entry      string   `json:"entry"` // the canonical JSON entry, as logged
	Proof      [][]byte `json:"inclusion_proof"`
	Checkpoint string   `json:"checkpoint"`   // signed note
	Verifier   string   `json:"verifier_key"` // the log's public key (pin it: see VerifyBundle)
}

const bundleFormat = "citadel-audit-bundle/v1"

// MakeBundle builds the evidence for entry index against the newest checkpoint.
func (l *Log) MakeBundle(ctx context.Context, index uint64, verifierKey string) (*Bundle, error) {
	cp, err := l.Latest(ctx)
	if err != nil {
		return nil, err
	}
	if index >= cp.Size {
		return nil, fmt.Errorf("%w: index %d, checkpointed size %d", ErrOutOfRange, index, cp.Size)
	}
	var body string
	if err := l.db.QueryRow(ctx, `SELECT body FROM audit_outbox WHERE log_index = ?`, int64(index)).Scan(&body); err != nil {
		return nil, store.NotFound(err)
	}
	p, err := l.InclusionProof(ctx, index, cp.Size)
	if err != nil {
		return nil, err
	}
	return &Bundle{Format: bundleFormat, Index: index, Entry: body, Proof: p, Checkpoint: string(cp.Note), Verifier: verifierKey}, nil
}

// ErrBundle means a bundle does not prove what it claims.
var ErrBundle = errors.New("audit bundle does not verify")

// VerifyBundle checks a bundle offline: the checkpoint's signature under
// the pinned key (or, when pinned is empty, the key the bundle carries:
// then the caller must compare that key with the published one), and the
// entry's inclusion in the tree the checkpoint commits to. It returns the
// checkpoint.
func VerifyBundle(raw []byte, pinned string) (Checkpoint, *Bundle, error) {
	var b Bundle
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil || b.Format != bundleFormat {
		return Checkpoint{}, nil, fmt.Errorf("%w: not a %s file", ErrBundle, bundleFormat)
	}
	key := b.Verifier
	if pinned != "" {
		key = pinned
	}
	v, err := note.NewVerifier(key)
	if err != nil {
		return Checkpoint{}, nil, fmt.Errorf("%w: verifier key: %v", ErrBundle, err)
	}
	cp, err := OpenCheckpoint([]byte(b.Checkpoint), v)
	if err != nil {
		return Checkpoint{}, nil, fmt.Errorf("%w: checkpoint: %v", ErrBundle, err)
	}
	leaf := hasher.HashLeaf([]byte(b.Entry))
	if err := proof.VerifyInclusion(hasher, b.Index, cp.Size, leaf, b.Proof, cp.Root); err != nil {
		return cp, nil, fmt.Errorf("%w: entry %d is not in the tree of size %d: %v", ErrBundle, b.Index, cp.Size, err)
	}
	return cp, &b, nil
}
