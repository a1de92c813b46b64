package tlog_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"

	"github.com/citadel-store/citadel/internal/audit"
	"github.com/citadel-store/citadel/internal/audit/tlog"
	"github.com/citadel-store/citadel/internal/keyring"
	"github.com/citadel-store/citadel/internal/store"
	"github.com/citadel-store/citadel/internal/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

const origin = "citadel.local/audit"

var h = rfc6962.DefaultHasher

func newLog(t testing.TB, db *store.DB, batch int) (*tlog.Log, note.Verifier) {
	t.Helper()
	s, v, err := tlog.LoadOrCreateKey(filepath.Join(t.TempDir(), "audit.key"), origin)
	if err != nil {
		t.Fatal(err)
	}
	l, err := tlog.New(db, origin, s, tlog.Options{BatchSize: batch})
	if err != nil {
		t.Fatal(err)
	}
	return l, v
}

// fill writes n outbox rows directly, in multi-row inserts.
func fill(t testing.TB, db *store.DB, n int) {
	t.Helper()
	ctx := context.Background()
	for off := 0; off < n; off += 200 {
		k := min(200, n-off)
		var b strings.Builder
		b.WriteString(`INSERT INTO audit_outbox (id, created_at, action, actor, body) VALUES `)
		args := make([]any, 0, 5*k)
		for i := range k {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?, ?, ?)")
			id := fmt.Sprintf("evt_%d_%d", time.Now().UnixNano(), off+i)
			body := fmt.Sprintf(`{"id":%q,"time":"2026-01-01T00:00:00Z","actor":"acc_%d","action":"price.change","object":"prd_%d","outcome":"success"}`, id, (off+i)%7, off+i)
			args = append(args, id, int64(off+i), "price.change", "acc_x", body)
		}
		if _, err := db.Exec(ctx, b.String(), args...); err != nil {
			t.Fatal(err)
		}
	}
}

func sequence(t testing.TB, l *tlog.Log) int {
	t.Helper()
	n, err := l.SequenceOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func leafHash(t testing.TB, db *store.DB, idx uint64) []byte {
	t.Helper()
	var body string
	if err := db.QueryRow(context.Background(), `SELECT body FROM audit_outbox WHERE log_index = ?`, int64(idx)).Scan(&body); err != nil {
		t.Fatal(err)
	}
	return h.HashLeaf([]byte(body))
}

// TestAppendAndProve appends 1,000 events through audit.Recorder, sequences
// them in batches (the last by a fresh Log that reloads its state from the
// tiles), and checks inclusion proofs for random indices and consistency
// proofs between all checkpoints with merkle's verifiers.
func TestAppendAndProve(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		m, _ := keyring.CreateMasterFile(filepath.Join(t.TempDir(), "k"))
		keys, err := keyring.Open(ctx, db, m)
		if err != nil {
			t.Fatal(err)
		}
		rec := audit.NewRecorder(keys)
		record := func(from, to int) {
			for i := from; i < to; i += 100 {
				err := db.Tx(ctx, func(tx *store.Tx) error {
					for j := i; j < min(i+100, to); j++ {
						ev := audit.Event{Actor: fmt.Sprintf("acc_%d", j%13), Action: "price.change", Object: fmt.Sprintf("prd_%d", j), Outcome: audit.Success}
						if j%10 == 0 {
							ev.IP = "203.0.113.7"
						}
						if err := rec.Record(ctx, tx, ev); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
			}
		}
		s, v, err := tlog.LoadOrCreateKey(filepath.Join(t.TempDir(), "audit.key"), origin)
		if err != nil {
			t.Fatal(err)
		}
		l, _ := tlog.New(db, origin, s, tlog.Options{BatchSize: 300})
		record(0, 700)
		if n := sequence(t, l); n != 700 {
			t.Fatalf("sequenced %d, want 700", n)
		}
		record(700, 1000)
		l2, _ := tlog.New(db, origin, s, tlog.Options{BatchSize: 250})
		if n := sequence(t, l2); n != 300 {
			t.Fatalf("sequenced %d, want 300", n)
		}
		if n := sequence(t, l2); n != 0 {
			t.Fatalf("sequenced %d again", n)
		}
		cps, err := tlog.Checkpoints(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		var sizes []uint64
		for _, c := range cps {
			cp, err := tlog.OpenCheckpoint(c.Note, v)
			if err != nil || cp.Size != c.Size {
				t.Fatalf("checkpoint %d: %v", c.Size, err)
			}
			sizes = append(sizes, c.Size)
		}
		if fmt.Sprint(sizes) != "[300 600 700 950 1000]" {
			t.Fatalf("checkpoint sizes %v", sizes)
		}
		rnd := rand.New(rand.NewPCG(1, 2))
		for _, c := range cps {
			for range 40 {
				idx := rnd.Uint64N(c.Size)
				p, err := l.InclusionProof(ctx, idx, c.Size)
				if err != nil {
					t.Fatal(err)
				}
				if err := proof.VerifyInclusion(h, idx, c.Size, leafHash(t, db, idx), p, c.Root); err != nil {
					t.Fatalf("inclusion %d in %d: %v", idx, c.Size, err)
				}
			}
		}
		for i, a := range cps {
			for _, b := range cps[i:] {
				p, err := l.ConsistencyProof(ctx, a.Size, b.Size)
				if err != nil {
					t.Fatal(err)
				}
				if err := proof.VerifyConsistency(h, a.Size, b.Size, p, a.Root, b.Root); err != nil {
					t.Fatalf("consistency %d..%d: %v", a.Size, b.Size, err)
				}
			}
		}
		var calls int
		if bad, err := tlog.Verify(ctx, db, v, func(done, total int64) { calls++ }); bad != -1 || err != nil || calls == 0 {
			t.Fatalf("Verify: %d %v (progress calls %d)", bad, err, calls)
		}
	})
}

// TestTwoSequencers runs two sequencers against one database while
// entries arrive: every entry gets exactly one index, with no gap.
func TestTwoSequencers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		// Both sequencers sign with the log's one key.
		sk, v, err := tlog.LoadOrCreateKey(filepath.Join(t.TempDir(), "k"), origin)
		if err != nil {
			t.Fatal(err)
		}
		l1, _ := tlog.New(db, origin, sk, tlog.Options{BatchSize: 64})
		l2, _ := tlog.New(db, origin, sk, tlog.Options{BatchSize: 50})
		var wg sync.WaitGroup
		done := make(chan struct{})
		for _, l := range []*tlog.Log{l1, l2} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					if _, err := l.SequenceOnce(ctx); err != nil {
						t.Error(err)
						return
					}
					select {
					case <-done:
						return
					default:
					}
				}
			}()
		}
		for range 10 {
			fill(t, db, 60)
		}
		close(done)
		wg.Wait()
		sequence(t, l1)
		var n, distinct, maxIdx int64
		db.QueryRow(ctx, `SELECT COUNT(*), COUNT(DISTINCT log_index), MAX(log_index) FROM audit_outbox`).Scan(&n, &distinct, &maxIdx)
		if n != 600 || distinct != 600 || maxIdx != 599 {
			t.Fatalf("rows %d, distinct indices %d, max %d", n, distinct, maxIdx)
		}
		if bad, err := tlog.Verify(ctx, db, v, nil); bad != -1 || err != nil {
			t.Fatalf("Verify: %d %v", bad, err)
		}
	})
}

// TestTamper edits the database behind the log's back on both engines and
// checks that Verify names the right index.
func TestTamper(t *testing.T) {
	ctx := context.Background()
	exec := func(t *testing.T, db *store.DB, q string, args ...any) {
		t.Helper()
		if _, err := db.Exec(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	otherSigner, _, err := tlog.LoadOrCreateKey(filepath.Join(t.TempDir(), "forger.key"), origin)
	if err != nil {
		t.Fatal(err)
	}
	resign := func(t *testing.T, db *store.DB, size int, root []byte, s note.Signer) {
		signed, err := note.Sign(&note.Note{Text: tlog.Checkpoint{Origin: origin, Size: uint64(size), Root: root}.Body()}, s)
		if err != nil {
			t.Fatal(err)
		}
		exec(t, db, `UPDATE audit_checkpoints SET note = ?, root = ? WHERE size = ?`, string(signed), root, size)
	}
	cases := []struct {
		name   string
		tamper func(t *testing.T, db *store.DB)
		want   int64
	}{
		{"edit body", func(t *testing.T, db *store.DB) {
			exec(t, db, `UPDATE audit_outbox SET body = REPLACE(body, 'price.change', 'price.chang3') WHERE log_index = 17`)
		}, 17},
		{"delete row", func(t *testing.T, db *store.DB) {
			exec(t, db, `DELETE FROM audit_outbox WHERE log_index = 23`)
		}, 23},
		{"swap rows", func(t *testing.T, db *store.DB) {
			exec(t, db, `UPDATE audit_outbox SET log_index = -1 WHERE log_index = 5`)
			exec(t, db, `UPDATE audit_outbox SET log_index = 5 WHERE log_index = 12`)
			exec(t, db, `UPDATE audit_outbox SET log_index = 12 WHERE log_index = -1`)
		}, 5},
		{"insert row", func(t *testing.T, db *store.DB) {
			exec(t, db, `UPDATE audit_outbox SET log_index = -log_index - 2 WHERE log_index >= 8`)
			exec(t, db, `UPDATE audit_outbox SET log_index = -log_index - 1 WHERE log_index < 0`)
			exec(t, db, `INSERT INTO audit_outbox (id, created_at, action, actor, body, log_index) VALUES ('evt_forged', 1, 'x', 'y', '{"id":"evt_forged"}', 8)`)
		}, 8},
		{"append row beyond the checkpoint", func(t *testing.T, db *store.DB) {
			exec(t, db, `INSERT INTO audit_outbox (id, created_at, action, actor, body, log_index) VALUES ('evt_forged', 1, 'x', 'y', '{"id":"evt_forged"}', 40)`)
		}, 40},
		{"truncate", func(t *testing.T, db *store.DB) {
			exec(t, db, `DELETE FROM audit_outbox WHERE log_index >= 25`)
		}, 25},
		{"truncate with tiles and checkpoints but one kept", func(t *testing.T, db *store.DB) {
			exec(t, db, `DELETE FROM audit_outbox WHERE log_index >= 25`)
			exec(t, db, `DELETE FROM audit_checkpoints WHERE size > 30`)
		}, 25},
		{"edit body and its leaf hash", func(t *testing.T, db *store.DB) {
			var body string
			db.QueryRow(ctx, `SELECT body FROM audit_outbox WHERE log_index = 33`).Scan(&body)
			body = strings.Replace(body, "price.change", "price.chang3", 1)
			exec(t, db, `UPDATE audit_outbox SET body = ? WHERE log_index = 33`, body)
			var tile []byte
			db.QueryRow(ctx, `SELECT hashes FROM audit_log_tiles WHERE lvl = 0 AND idx = 0`).Scan(&tile)
			copy(tile[33*32:], h.HashLeaf([]byte(body)))
			exec(t, db, `UPDATE audit_log_tiles SET hashes = ? WHERE lvl = 0 AND idx = 0`, tile)
		}, 30},
		{"checkpoint signed by another key", func(t *testing.T, db *store.DB) {
			var root []byte
			db.QueryRow(ctx, `SELECT root FROM audit_checkpoints WHERE size = 30`).Scan(&root)
			resign(t, db, 30, root, otherSigner)
		}, 20},
		{"checkpoint root altered", func(t *testing.T, db *store.DB) {
			exec(t, db, `UPDATE audit_checkpoints SET note = REPLACE(note, SUBSTR(note, 25, 4), 'AAAA') WHERE size = 30`)
		}, 20},
		{"stored root altered", func(t *testing.T, db *store.DB) {
			exec(t, db, `UPDATE audit_checkpoints SET root = ? WHERE size = 20`, make([]byte, 32))
		}, 10},
	}
	storetest.Each(t, func(t *testing.T, _ *store.DB) {
		engine := store.SQLite
		if strings.HasSuffix(t.Name(), "postgres") {
			engine = store.Postgres
		}
		for _, c := range cases {
			t.Run(strings.ReplaceAll(c.name, " ", "_"), func(t *testing.T) {
				db := storetest.Open(t, engine)
				l, v := newLog(t, db, 10)
				fill(t, db, 40)
				sequence(t, l)
				if bad, err := tlog.Verify(ctx, db, v, nil); bad != -1 || err != nil {
					t.Fatalf("untampered log: %d %v", bad, err)
				}
				c.tamper(t, db)
				bad, err := tlog.Verify(ctx, db, v, nil)
				if bad != c.want || err == nil {
					t.Fatalf("Verify = %d, %v; want index %d", bad, err, c.want)
				}
				t.Logf("detected: %v", err)
			})
		}
	})
}

func TestForgedCheckpointRejected(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	l, v := newLog(t, db, 100)
	fill(t, db, 10)
	sequence(t, l)
	c, err := l.Latest(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tlog.OpenCheckpoint(c.Note, v); err != nil {
		t.Fatal(err)
	}
	other, _, _ := tlog.LoadOrCreateKey(filepath.Join(t.TempDir(), "o"), origin)
	forged, _ := note.Sign(&note.Note{Text: tlog.Checkpoint{Origin: origin, Size: 10, Root: c.Root}.Body()}, other)
	if _, err := tlog.OpenCheckpoint(forged, v); err == nil {
		t.Fatal("checkpoint by another key accepted")
	}
	altered := []byte(strings.Replace(string(c.Note), "\n10\n", "\n11\n", 1))
	if _, err := tlog.OpenCheckpoint(altered, v); err == nil {
		t.Fatal("altered checkpoint accepted")
	}
	// A key for another origin is refused.
	path := filepath.Join(t.TempDir(), "k")
	if _, _, err := tlog.LoadOrCreateKey(path, origin); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Fatalf("key mode %v", fi.Mode())
	}
	if _, _, err := tlog.LoadOrCreateKey(path, "other.example/log"); err == nil {
		t.Fatal("key for another origin accepted")
	}
}

// TestRun sequences entries as they arrive until the context ends.
func TestRun(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	l, v := newLog(t, db, 100)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- l.Run(ctx, 10*time.Millisecond) }()
	fill(t, db, 250)
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := l.Latest(context.Background())
		if err == nil && c.Size == 250 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("log did not reach 250 entries: %+v %v", c, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != context.Canceled {
		t.Fatalf("Run returned %v", err)
	}
	if bad, err := tlog.Verify(context.Background(), db, v, nil); bad != -1 || err != nil {
		t.Fatal(bad, err)
	}
	// A signer for another origin, or none, cannot sequence.
	other, _, _ := tlog.LoadOrCreateKey(filepath.Join(t.TempDir(), "o"), "other.example/log")
	if _, err := tlog.New(db, origin, other, tlog.Options{}); err == nil {
		t.Fatal("signer for another origin accepted")
	}
	ro, _ := tlog.New(db, origin, nil, tlog.Options{})
	if _, err := ro.SequenceOnce(context.Background()); err == nil {
		t.Fatal("read-only log sequenced")
	}
}
