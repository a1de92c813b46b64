package tlog

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"github.com/citadel-store/citadel/internal/store"
)

// Checkpoint is a parsed C2SP checkpoint.
type Checkpoint struct {
	Origin string
	Size   uint64
	Root   []byte
}

// Body is the checkpoint's note text: origin, size and base64 root hash,
// each on its own line.
func (c Checkpoint) Body() string {
	return c.Origin + "\n" + strconv.FormatUint(c.Size, 10) + "\n" + base64.StdEncoding.EncodeToString(c.Root) + "\n"
}

func (l *Log) sign(size uint64, root []byte) ([]byte, error) {
	return note.Sign(&note.Note{Text: Checkpoint{l.origin, size, root}.Body()}, l.signer)
}

// OpenCheckpoint verifies a signed checkpoint against v and parses it.
// The origin must be the verifier's name.
func OpenCheckpoint(signed []byte, v note.Verifier) (Checkpoint, error) {
	n, err := note.Open(signed, note.VerifierList(v))
	if err != nil {
		return Checkpoint{}, fmt.Errorf("tlog: checkpoint signature: %w", err)
	}
	return parseBody(n.Text, v.Name())
}

func parseBody(text, origin string) (Checkpoint, error) {
	lines := strings.SplitN(text, "\n", 4)
	if len(lines) < 4 {
		return Checkpoint{}, errors.New("tlog: checkpoint has fewer than 3 lines")
	}
	if lines[0] != origin {
		return Checkpoint{}, fmt.Errorf("tlog: checkpoint origin %q, want %q", lines[0], origin)
	}
	size, err := strconv.ParseUint(lines[1], 10, 64)
	if err != nil || strconv.FormatUint(size, 10) != lines[1] {
		return Checkpoint{}, fmt.Errorf("tlog: checkpoint size %q", lines[1])
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != 32 {
		return Checkpoint{}, fmt.Errorf("tlog: checkpoint root %q", lines[2])
	}
	return Checkpoint{Origin: lines[0], Size: size, Root: root}, nil
}

// StoredCheckpoint is a checkpoint as kept in audit_checkpoints.
type StoredCheckpoint struct {
	Size uint64
	Root []byte
	Note []byte // the signed note
}

// Latest returns the newest checkpoint; store.ErrNotFound before the first batch.
func (l *Log) Latest(ctx context.Context) (StoredCheckpoint, error) {
	return latestCheckpoint(ctx, l.db)
}

func latestCheckpoint(ctx context.Context, q store.Querier) (StoredCheckpoint, error) {
	var c StoredCheckpoint
	var size int64
	var text string
	err := q.QueryRow(ctx, `SELECT size, root, note FROM audit_checkpoints ORDER BY size DESC LIMIT 1`).Scan(&size, &c.Root, &text)
	if errors.Is(err, sql.ErrNoRows) {
		return c, store.ErrNotFound
	}
	c.Size, c.Note = uint64(size), []byte(text)
	return c, err
}

// Checkpoints lists the stored checkpoints in order of size.
func Checkpoints(ctx context.Context, q store.Querier) ([]StoredCheckpoint, error) {
	rows, err := q.Query(ctx, `SELECT size, root, note FROM audit_checkpoints ORDER BY size`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []StoredCheckpoint
	for rows.Next() {
		var c StoredCheckpoint
		var size int64
		var text string
		if err := rows.Scan(&size, &c.Root, &text); err != nil {
			return nil, err
		}
		c.Size, c.Note = uint64(size), []byte(text)
		out = append(out, c)
	}
	return out, rows.Err()
}

// LoadOrCreateKey reads the log's Ed25519 signing key (a note private key,
// "PRIVATE+KEY+origin+hash+key") from path, creating it (mode 0600) when
// missing, and returns its signer and verifier. The verifier key text is
// also written beside it as path+".pub" for publication.
func LoadOrCreateKey(path, origin string) (note.Signer, note.Verifier, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		skey, vkey, err := note.GenerateKey(rand.Reader, origin)
		if err != nil {
			return nil, nil, err
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, nil, err
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, nil, err
		}
		_, err = f.WriteString(skey + "\n")
		if err = errors.Join(err, f.Sync(), f.Close()); err != nil {
			return nil, nil, err
		}
		_ = os.WriteFile(path+".pub", []byte(vkey+"\n"), 0o644)
		raw = []byte(skey)
	} else if err != nil {
		return nil, nil, err
	}
	skey := strings.TrimSpace(string(raw))
	signer, err := note.NewSigner(skey)
	if err != nil {
		return nil, nil, fmt.Errorf("tlog: key %s: %w", path, err)
	}
	if signer.Name() != origin {
		return nil, nil, fmt.Errorf("tlog: key %s is for %q, not %q", path, signer.Name(), origin)
	}
	vkey, err := verifierKey(skey)
	if err != nil {
		return nil, nil, err
	}
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, nil, err
	}
	return signer, verifier, nil
}

// verifierKey derives the note verifier key from an Ed25519 note private key.
func verifierKey(skey string) (string, error) {
	parts := strings.SplitN(skey, "+", 5)
	if len(parts) != 5 || parts[0] != "PRIVATE" || parts[1] != "KEY" {
		return "", errors.New("tlog: malformed private key")
	}
	b, err := base64.StdEncoding.DecodeString(parts[4])
	if err != nil || len(b) != 1+ed25519.SeedSize || b[0] != 1 {
		return "", errors.New("tlog: private key is not Ed25519")
	}
	pub := ed25519.NewKeyFromSeed(b[1:]).Public().(ed25519.PublicKey)
	return note.NewEd25519VerifierKey(parts[2], pub)
}
