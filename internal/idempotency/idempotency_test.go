package idempotency

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/citadel-store/citadel/internal/keyring"
	"github.com/citadel-store/citadel/internal/store"
	"github.com/citadel-store/citadel/internal/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

func newStore(t *testing.T, db *store.DB) *Store {
	t.Helper()
	m, err := keyring.CreateMasterFile(filepath.Join(t.TempDir(), "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	keys, err := keyring.Open(context.Background(), db, m)
	if err != nil {
		t.Fatal(err)
	}
	return New(db, keys)
}

func TestDo(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newStore(t, db)
		runs := 0
		call := func(owner, key string, body string) (Response, bool, error) {
			return s.Do(ctx, owner, key, RequestHash("POST", "/api/v1/checkout", []byte(body)), func() Response {
				runs++
				return Response{Status: 201, Body: []byte(`{"order":"` + body + `"}`)}
			})
		}
		r1, replayed, err := call("acc_a", "k1", "one")
		if err != nil || replayed || r1.Status != 201 || runs != 1 {
			t.Fatalf("first call: %+v %v %v runs=%d", r1, replayed, err, runs)
		}
		r2, replayed, err := call("acc_a", "k1", "one")
		if err != nil || !replayed || r2.Status != 201 || !bytes.Equal(r2.Body, r1.Body) || runs != 1 {
			t.Fatalf("retry: %+v %v %v runs=%d", r2, replayed, err, runs)
		}
		if _, _, err := call("acc_a", "k1", "two"); !errors.Is(err, ErrKeyReused) || runs != 1 {
			t.Fatalf("fail/same-key-other-body: %v runs=%d", err, runs)
		}
		// Keys are per owner: another account's identical key is its own.
		if _, replayed, err := call("acc_b", "k1", "one"); err != nil || replayed || runs != 2 {
			t.Fatalf("other owner: %v %v runs=%d", replayed, err, runs)
		}
		for _, bad := range []string{"", string(make([]byte, 256)), "a\nb", "ключ"} {
			if _, _, err := call("acc_a", bad, "one"); !errors.Is(err, ErrBadKey) {
				t.Errorf("fail/bad-key %q: %v", bad, err)
			}
		}
		// The kept response is sealed, not in clear.
		var raw []byte
		if err := db.QueryRow(ctx, `SELECT response FROM idempotency_keys WHERE owner_id = ? AND key = ?`, "acc_a", "k1").Scan(&raw); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(raw, []byte("order")) {
			t.Fatal("response stored in clear")
		}
	})
}

// A 5xx is not kept: the client's retry runs the call again.
func TestServerErrorIsNotKept(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStore(t, db)
		status := 503
		runs := 0
		for range 2 {
			r, replayed, err := s.Do(context.Background(), "acc_a", "k", RequestHash("POST", "/x", nil), func() Response {
				runs++
				return Response{Status: status}
			})
			if err != nil || replayed || r.Status != 503 {
				t.Fatalf("%+v %v %v", r, replayed, err)
			}
		}
		if runs != 2 {
			t.Fatalf("runs = %d, want 2", runs)
		}
	})
}

// Concurrent first calls with one key: exactly one runs; the others are
// told it is in progress or get its response.
func TestConcurrentFirstCalls(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStore(t, db)
		var runs atomic.Int32
		var wg sync.WaitGroup
		errs := make(chan error, 20)
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _, err := s.Do(context.Background(), "acc_a", "k", RequestHash("POST", "/x", []byte("b")), func() Response {
					runs.Add(1)
					time.Sleep(20 * time.Millisecond)
					return Response{Status: 200, Body: []byte("ok")}
				})
				if err != nil && !errors.Is(err, ErrInProgress) {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if runs.Load() != 1 {
			t.Fatalf("runs = %d, want 1", runs.Load())
		}
	})
}

// A key older than the TTL is forgotten; Purge removes it.
func TestExpiry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStore(t, db)
		now := time.Now()
		s.now = func() time.Time { return now }
		ctx := context.Background()
		if _, _, err := s.Do(ctx, "acc_a", "k", RequestHash("POST", "/x", []byte("1")), func() Response { return Response{Status: 200} }); err != nil {
			t.Fatal(err)
		}
		now = now.Add(TTL + time.Minute)
		if _, replayed, err := s.Do(ctx, "acc_a", "k", RequestHash("POST", "/x", []byte("2")), func() Response { return Response{Status: 200} }); err != nil || replayed {
			t.Fatalf("expired key: %v %v", replayed, err)
		}
		now = now.Add(TTL + time.Minute)
		if n, err := s.Purge(ctx); err != nil || n != 1 {
			t.Fatalf("Purge = %d, %v", n, err)
		}
	})
}
