package payment_test

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/citadel-store/citadel/internal/payment"
	pt "github.com/citadel-store/citadel/internal/payment/paymenttest"
	"github.com/citadel-store/citadel/internal/store"
	"github.com/citadel-store/citadel/internal/storetest"
)

// After purchases with every kind of outcome, the card numbers are
// nowhere in the database in clear: not in the SQLite file or its WAL byte
// for byte, not in any PostgreSQL row as text, not in an audit event.
func TestNoCardNumberAtRest(t *testing.T) {
	cards := []string{payment.CardApprove, payment.CardApproveAmex, payment.CardDecline, payment.CardNetworkError}
	var needles [][]byte
	for _, c := range cards {
		p, _ := payment.ParsePAN(c)
		d := p.Reveal()
		needles = append(needles, []byte(d), []byte(c), []byte(d[:len(d)-4]))
	}
	needles = append(needles, []byte("Erika Mustermann")) // the holder is sealed too
	purchase := func(t *testing.T, f *pt.Fixture) {
		for i, c := range cards {
			buyer, orders := f.Checkout(t, 1)
			f.Pay.Pay(ctx, pt.Request(buyer, orders, c, fmt.Sprint("k", i)))
			f.Pay.Pay(ctx, pt.Request(buyer, orders, c, fmt.Sprint("k", i)))
		}
		for _, e := range f.Events() {
			for _, n := range needles {
				if strings.Contains(fmt.Sprint(e), string(n)) {
					t.Errorf("audit event %v holds card data", e)
				}
			}
		}
	}
	t.Run("sqlite", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "citadel.db")
		db, err := store.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		f := pt.New(t, db)
		purchase(t, f)
		f.Check(t)
		files, _ := filepath.Glob(filepath.Join(dir, "citadel.db*"))
		if len(files) == 0 {
			t.Fatal("no database files")
		}
		for _, file := range files {
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range needles {
				if bytes.Contains(b, n) {
					t.Errorf("%s holds %q in clear", filepath.Base(file), n)
				}
			}
		}
	})
	t.Run("postgres", func(t *testing.T) {
		db := storetest.Open(t, store.Postgres)
		f := pt.New(t, db)
		purchase(t, f)
		rows, err := db.Query(ctx, `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`)
		if err != nil {
			t.Fatal(err)
		}
		var tables []string
		for rows.Next() {
			var n string
			rows.Scan(&n)
			tables = append(tables, n)
		}
		rows.Close()
		for _, tbl := range tables {
			r, err := db.Query(ctx, `SELECT t::text FROM "`+tbl+`" t`)
			if err != nil {
				t.Fatal(err)
			}
			for r.Next() {
				var row string
				r.Scan(&row)
				for _, n := range needles {
					if strings.Contains(row, string(n)) {
						t.Errorf("table %s holds %q in clear", tbl, n)
					}
				}
			}
			r.Close()
		}
	})
}

// Only the vault (sealing) and a provider (sending to the acquirer) take
// a card number's digits out of a PAN.
func TestRevealOnlyWhereAllowed(t *testing.T) {
	allowed := map[string]bool{"vault.go": true, "sim.go": true}
	fset := token.NewFileSet()
	files, _ := filepath.Glob("*.go")
	sub, _ := filepath.Glob("*/*.go")
	for _, file := range append(files, sub...) {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok && sel.Sel.Name == "Reveal" && !allowed[filepath.Base(file)] {
				t.Errorf("%s: Reveal called outside the vault and providers", fset.Position(sel.Pos()))
			}
			return true
		})
	}
}
