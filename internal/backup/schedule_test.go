package backup

import (
	"context"
	"crypto/ed25519"
	"os"
	"path/filepath"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/citadel-store/citadel/internal/store"
	"github.com/citadel-store/citadel/internal/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// Retention keeps N daily and M weekly (Sunday) backups.
func TestPrune(t *testing.T) {
	dir := t.TempDir()
	start := time.Date(2026, 10, 1, 3, 0, 0, 0, time.UTC) // a Thursday
	for d := range 40 {
		for _, h := range []int{3, 15} { // two a day
			at := start.AddDate(0, 0, d).Add(time.Duration(h-3) * time.Hour)
			os.WriteFile(filepath.Join(dir, scheduledPrefix+at.Format("20060102T150405Z")+".backup"), nil, 0o600)
		}
	}
	os.WriteFile(filepath.Join(dir, "operator-copy.backup"), nil, 0o600)
	if err := (Schedule{Dir: dir, Daily: 7, Weekly: 4}).prune(); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	sundays, total := 0, 0
	for _, e := range entries {
		if e.Name() == "operator-copy.backup" {
			continue
		}
		total++
		at, _ := time.Parse("20060102T150405Z", e.Name()[len(scheduledPrefix):len(e.Name())-len(".backup")])
		if at.Weekday() == time.Sunday {
			sundays++
		}
	}
	// 7 newest days (one each) plus up to 4 Sundays, some of which may be
	// among the 7 days.
	if total < 7 || total > 11 || sundays < 4 {
		t.Fatalf("kept %d backups, %d Sundays", total, sundays)
	}
	if _, err := os.Stat(filepath.Join(dir, "operator-copy.backup")); err != nil {
		t.Fatal("pruning touched a file it did not make")
	}
}

func TestScheduledOnceVerifies(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	key, err := LoadOrCreateKey(filepath.Join(t.TempDir(), "k"))
	if err != nil {
		t.Fatal(err)
	}
	id, _ := age.GenerateX25519Identity()
	dir := t.TempDir()
	s := Schedule{Dir: dir, Daily: 2, Weekly: 1, Source: Source{DB: db, DataDir: t.TempDir()},
		Recipients: []age.Recipient{id.Recipient()}, Key: key}
	name, err := s.Once(context.Background(), time.Now().UTC())
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := Verify(f, []age.Identity{id}, key.Public().(ed25519.PublicKey))
	if err != nil || m.Engine != "sqlite" {
		t.Fatalf("scheduled backup: %v %+v", err, m)
	}
}
