package tlog_test

import (
	"context"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/citadel-store/citadel/internal/audit/tlog"
	"github.com/citadel-store/citadel/internal/store"
	"github.com/citadel-store/citadel/internal/storetest"
)

// BenchmarkSequence measures appends through the batching sequencer: each
// iteration sequences 10,000 pending outbox rows (written beforehand, off
// the clock) in batches of 4,096.
func BenchmarkSequence(b *testing.B) {
	for _, e := range storetest.Engines {
		b.Run(string(e), func(b *testing.B) {
			db := storetest.Open(b, e)
			l, _ := newLog(b, db, 4096)
			const n = 10000
			var busy time.Duration
			for b.Loop() {
				b.StopTimer()
				fill(b, db, n)
				b.StartTimer()
				t0 := time.Now()
				if got := sequence(b, l); got != n {
					b.Fatalf("sequenced %d", got)
				}
				busy += time.Since(t0)
			}
			b.ReportMetric(float64(b.N*n)/busy.Seconds(), "entries/s")
		})
	}
}

// benchSize is the log size for the proof and verify benchmarks:
// TLOG_BENCH_SIZE, default 100,000.
func benchSize() uint64 {
	if n, err := strconv.ParseUint(os.Getenv("TLOG_BENCH_SIZE"), 10, 64); err == nil && n > 0 {
		return n
	}
	return 100000
}

// BenchmarkInclusionProof measures proof generation from the stored tiles
// in a benchSize-entry log on SQLite.
func BenchmarkInclusionProof(b *testing.B) {
	db := storetest.Open(b, store.SQLite)
	l, _ := newLog(b, db, 4096)
	size := benchSize()
	fill(b, db, int(size))
	sequence(b, l)
	ctx := context.Background()
	rnd := rand.New(rand.NewPCG(5, 6))
	for b.Loop() {
		if _, err := l.InclusionProof(ctx, rnd.Uint64N(size), size); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify measures Verify over a benchSize-entry log on SQLite.
func BenchmarkVerify(b *testing.B) {
	db := storetest.Open(b, store.SQLite)
	l, v := newLog(b, db, 4096)
	size := benchSize()
	fill(b, db, int(size))
	sequence(b, l)
	ctx := context.Background()
	for b.Loop() {
		if bad, err := tlog.Verify(ctx, db, v, nil); bad != -1 || err != nil {
			b.Fatal(bad, err)
		}
	}
	b.ReportMetric(float64(size)*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}
