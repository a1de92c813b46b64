package tlog_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/tessera/client"

	"github.com/citadel-store/citadel/internal/audit/tlog"
	"github.com/citadel-store/citadel/internal/store"
	"github.com/citadel-store/citadel/internal/storetest"
)

// TestTesseraClient serves the log over HTTP and has transparency-dev/
// tessera's published tlog-tiles client fetch and verify checkpoints,
// entry bundles, an inclusion and a consistency proof.
func TestTesseraClient(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t, store.SQLite)
	l, v := newLog(t, db, 300)
	srv := httptest.NewServer(l.Handler())
	defer srv.Close()
	root, _ := url.Parse(srv.URL + "/audit/")
	f, err := client.NewHTTPFetcher(root, srv.Client())
	if err != nil {
		t.Fatal(err)
	}

	fill(t, db, 300)
	sequence(t, l)
	cp1, _, _, err := client.FetchCheckpoint(ctx, f.ReadCheckpoint, v, origin)
	if err != nil {
		t.Fatal(err)
	}
	fill(t, db, 700)
	sequence(t, l)
	cp2, _, _, err := client.FetchCheckpoint(ctx, f.ReadCheckpoint, v, origin)
	if err != nil {
		t.Fatal(err)
	}
	if cp1.Size != 300 || cp2.Size != 1000 {
		t.Fatalf("checkpoint sizes %d, %d", cp1.Size, cp2.Size)
	}
	pb, err := client.NewProofBuilder(ctx, cp2.Size, f.ReadTile)
	if err != nil {
		t.Fatal(err)
	}
	for _, idx := range []uint64{0, 255, 256, 299, 777, 999} {
		bundle, err := client.GetEntryBundle(ctx, f.ReadEntryBundle, idx/256, cp2.Size)
		if err != nil {
			t.Fatal(err)
		}
		entry := bundle.Entries[idx%256]
		var body string
		db.QueryRow(ctx, `SELECT body FROM audit_outbox WHERE log_index = ?`, int64(idx)).Scan(&body)
		if string(entry) != body {
			t.Fatalf("entry %d: %q, want %q", idx, entry, body)
		}
		p, err := pb.InclusionProof(ctx, idx)
		if err != nil {
			t.Fatal(err)
		}
		if err := proof.VerifyInclusion(h, idx, cp2.Size, h.HashLeaf(entry), p, cp2.Hash); err != nil {
			t.Fatalf("inclusion of %d: %v", idx, err)
		}
	}
	p, err := pb.ConsistencyProof(ctx, cp1.Size, cp2.Size)
	if err != nil {
		t.Fatal(err)
	}
	if err := proof.VerifyConsistency(h, cp1.Size, cp2.Size, p, cp1.Hash, cp2.Hash); err != nil {
		t.Fatalf("consistency: %v", err)
	}
	// The tracker, as a witness would use it, follows the log forward.
	cpRaw1 := l1Checkpoint(t, db, 300)
	lst, err := client.NewLogStateTracker(ctx, f.ReadTile, cpRaw1, v, origin, client.UnilateralConsensus(f.ReadCheckpoint))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := lst.Update(ctx); err != nil {
		t.Fatal(err)
	}
	if got := lst.Latest(); got.Size != 1000 {
		t.Fatalf("tracker at %d", got.Size)
	}
}

func l1Checkpoint(t *testing.T, db *store.DB, size int) []byte {
	var n string
	if err := db.QueryRow(context.Background(), `SELECT note FROM audit_checkpoints WHERE size = ?`, size).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return []byte(n)
}

func TestProofEndpoints(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	l, v := newLog(t, db, 300)
	srv := httptest.NewServer(l.Handler())
	defer srv.Close()
	get := func(path string) (int, []byte) {
		resp, err := srv.Client().Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	if code, _ := get("/audit/checkpoint"); code != 404 {
		t.Fatalf("empty log checkpoint: %d", code)
	}
	fill(t, db, 1000)
	sequence(t, l)
	cps, _ := tlog.Checkpoints(context.Background(), db)

	code, body := get("/audit/checkpoint")
	cp, err := tlog.OpenCheckpoint(body, v)
	if code != 200 || err != nil || cp.Size != 1000 {
		t.Fatalf("checkpoint: %d %v %+v", code, err, cp)
	}
	rnd := rand.New(rand.NewPCG(3, 4))
	for range 20 {
		idx := rnd.Uint64N(600)
		code, body := get("/audit/proof/inclusion?index=" + u(idx) + "&size=600")
		var r tlog.InclusionResponse
		if code != 200 || json.Unmarshal(body, &r) != nil {
			t.Fatalf("inclusion: %d %s", code, body)
		}
		if !bytes.Equal(r.LeafHash, leafHash(t, db, idx)) || r.Checkpoint == "" {
			t.Fatalf("inclusion response %+v", r)
		}
		if err := proof.VerifyInclusion(h, idx, 600, r.LeafHash, r.Proof, cps[1].Root); err != nil {
			t.Fatal(err)
		}
	}
	code, body = get("/audit/proof/consistency?from=300&to=1000")
	var c tlog.ConsistencyResponse
	if code != 200 || json.Unmarshal(body, &c) != nil {
		t.Fatalf("consistency: %d %s", code, body)
	}
	if err := proof.VerifyConsistency(h, 300, 1000, c.Proof, cps[0].Root, cp.Root); err != nil {
		t.Fatal(err)
	}
	if code, b := get("/audit/tile/0/003.p/232"); code != 200 || len(b) != 232*32 {
		t.Fatalf("partial tile: %d, %d bytes", code, len(b))
	}
	if code, b := get("/audit/tile/0/003.p/7"); code != 200 || len(b) != 7*32 {
		t.Fatalf("narrower partial tile: %d, %d bytes", code, len(b))
	}
	if code, b := get("/audit/tile/1/000.p/3"); code != 200 || len(b) != 3*32 {
		t.Fatalf("level-1 tile: %d, %d bytes", code, len(b))
	}
	if code, b := get("/audit/tile/entries/002"); code != 200 || len(b) < 256*2 {
		t.Fatalf("entry bundle: %d, %d bytes", code, len(b))
	}

	bad := []struct {
		name, path string
		want       int
	}{
		{"index not a number", "/audit/proof/inclusion?index=abc", 400},
		{"index negative", "/audit/proof/inclusion?index=-1", 400},
		{"index missing", "/audit/proof/inclusion", 400},
		{"index equal to size", "/audit/proof/inclusion?index=1000", 400},
		{"index beyond given size", "/audit/proof/inclusion?index=600&size=600", 400},
		{"size beyond log", "/audit/proof/inclusion?index=5&size=1001", 400},
		{"size zero", "/audit/proof/inclusion?index=0&size=0", 400},
		{"size not a number", "/audit/proof/inclusion?index=0&size=1e3", 400},
		{"from greater than to", "/audit/proof/consistency?from=600&to=300", 400},
		{"from zero", "/audit/proof/consistency?from=0&to=300", 400},
		{"to beyond log", "/audit/proof/consistency?from=300&to=1001", 400},
		{"from not a number", "/audit/proof/consistency?from=x&to=300", 400},
		{"to missing", "/audit/proof/consistency?from=3", 400},
		{"huge number", "/audit/proof/consistency?from=1&to=99999999999999999999", 400},
		{"tile index not 3 digits", "/audit/tile/0/3", 400},
		{"tile last group with x", "/audit/tile/0/x003", 400},
		{"tile level too high", "/audit/tile/64/000", 400},
		{"tile level not canonical", "/audit/tile/00/000", 400},
		{"tile width zero", "/audit/tile/0/000.p/0", 400},
		{"tile width 256", "/audit/tile/0/000.p/256", 400},
		{"full tile not yet full", "/audit/tile/0/003", 404},
		{"partial tile wider than the log", "/audit/tile/0/003.p/233", 404},
		{"tile beyond the log", "/audit/tile/0/x001/000", 404},
		{"entries beyond the log", "/audit/tile/entries/004", 404},
		{"entries bad index", "/audit/tile/entries/4", 400},
	}
	for _, b := range bad {
		t.Run(b.name, func(t *testing.T) {
			if code, body := get(b.path); code != b.want {
				t.Fatalf("%s: %d %s, want %d", b.path, code, body, b.want)
			}
		})
	}
	resp, err := srv.Client().Post(srv.URL+"/audit/checkpoint", "text/plain", nil)
	if err != nil || resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("POST checkpoint: %v %v", resp.StatusCode, err)
	}
}

func u(n uint64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
