package tlog

import (
	"context"
	"fmt"

	"github.com/transparency-dev/merkle/proof"
)

// InclusionProof proves that leaf index is in the tree of size treeSize
// (0 < treeSize <= the latest checkpoint's size; index < treeSize).
func (l *Log) InclusionProof(ctx context.Context, index, treeSize uint64) ([][]byte, error) {
	if err := l.checkSize(ctx, treeSize); err != nil {
		return nil, err
	}
	if index >= treeSize {
		return nil, fmt.Errorf("%w: index %d, tree size %d", ErrOutOfRange, index, treeSize)
	}
	nodes, err := proof.Inclusion(index, treeSize)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrOutOfRange, err)
	}
	return l.fetch(ctx, treeSize, nodes)
}

// ConsistencyProof proves that the tree of size from is a prefix of the
// tree of size to (0 < from <= to <= the latest checkpoint's size).
func (l *Log) ConsistencyProof(ctx context.Context, from, to uint64) ([][]byte, error) {
	if from == 0 || from > to {
		return nil, fmt.Errorf("%w: consistency from %d to %d", ErrOutOfRange, from, to)
	}
	if err := l.checkSize(ctx, to); err != nil {
		return nil, err
	}
	nodes, err := proof.Consistency(from, to)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrOutOfRange, err)
	}
	return l.fetch(ctx, to, nodes)
}

// LeafHash returns the stored hash of leaf index.
func (l *Log) LeafHash(ctx context.Context, index uint64) ([]byte, error) {
	size, err := latestSize(ctx, l.db)
	if err != nil {
		return nil, err
	}
	if index >= size {
		return nil, fmt.Errorf("%w: index %d, tree size %d", ErrOutOfRange, index, size)
	}
	return newTileReader(l.db, size).node(ctx, nodeID(0, index))
}

func (l *Log) checkSize(ctx context.Context, size uint64) error {
	latest, err := latestSize(ctx, l.db)
	if err != nil {
		return err
	}
	if size == 0 || size > latest {
		return fmt.Errorf("%w: tree size %d, log size %d", ErrOutOfRange, size, latest)
	}
	return nil
}

func (l *Log) fetch(ctx context.Context, size uint64, nodes proof.Nodes) ([][]byte, error) {
	r := newTileReader(l.db, size)
	hs := make([][]byte, len(nodes.IDs))
	for i, id := range nodes.IDs {
		h, err := r.node(ctx, id)
		if err != nil {
			return nil, err
		}
		hs[i] = h
	}
	return nodes.Rehash(hs, hasher.HashChildren)
}
