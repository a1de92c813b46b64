package scratch

import (
	"database/sql"
	"os"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

func TestScratch(t *testing.T) {
	dsn := "file:" + os.Getenv("DB") + "?mode=ro&_pragma=" + strings.Join(strings.Split(os.Getenv("PRAGMAS"), ","), "&_pragma=")
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	qs, _ := os.ReadFile(os.Getenv("QS"))
	for _, q := range strings.Split(string(qs), ";\n") {
		q = strings.TrimSpace(q)
		if q == "" {
			continue
		}
		var best time.Duration
		var n int
		for i := 0; i < 20; i++ {
			start := time.Now()
			rows, err := db.Query(q, args(q)...)
			if err != nil {
				t.Fatal(q, err)
			}
			n = 0
			cols, _ := rows.Columns()
			for rows.Next() {
				n++
				if strings.HasPrefix(q, "EXPLAIN") && i == 0 {
					vals := make([]any, len(cols))
					ptrs := make([]any, len(cols))
					for k := range vals {
						ptrs[k] = &vals[k]
					}
					rows.Scan(ptrs...)
					t.Log(vals...)
				}
			}
			rows.Close()
			if d := time.Since(start); i == 0 || d < best {
				best = d
			}
		}
		t.Logf("%8.3fms rows=%d  %.150s", float64(best.Microseconds())/1000, n, strings.Join(strings.Fields(q), " "))
	}
}

func args(q string) []any {
	if strings.Contains(q, "?") {
		return []any{"shirt"}
	}
	return nil
}
