package backup

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"filippo.io/age"
)

// Schedule takes backups into Dir every Every, keeping the newest Daily
// daily backups and the newest Weekly of those taken on Sundays.
type Schedule struct {
	Dir        string
	Every      time.Duration
	Daily      int
	Weekly     int
	Source     Source
	Recipients []age.Recipient
	Key        ed25519.PrivateKey
	Log        *slog.Logger
}

const scheduledPrefix = "citadel-"

// Run backs up until ctx ends.
func (s Schedule) Run(ctx context.Context) {
	t := time.NewTicker(s.Every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if name, err := s.Once(ctx, time.Now().UTC()); err != nil {
			s.Log.Error("scheduled backup", "err", err)
		} else {
			s.Log.Info("scheduled backup", "file", name)
		}
	}
}

// Once takes one backup named by its time and prunes old ones.
func (s Schedule) Once(ctx context.Context, now time.Time) (string, error) {
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return "", err
	}
	name := filepath.Join(s.Dir, scheduledPrefix+now.Format("20060102T150405Z")+".backup")
	f, err := os.OpenFile(name+".part", os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", err
	}
	_, err = Create(ctx, f, s.Source, s.Recipients, s.Key, nil)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(name+".part", name)
	}
	if err != nil {
		os.Remove(name + ".part")
		return "", err
	}
	return name, s.prune()
}

// prune keeps the newest Daily backups (one per day) and the newest
// Weekly Sunday backups; everything else scheduled goes.
func (s Schedule) prune() error {
	entries, err := os.ReadDir(s.Dir)
	if err != nil {
		return err
	}
	type item struct {
		name string
		at   time.Time
	}
	var items []item
	for _, e := range entries {
		n := e.Name()
		stamp, ok := strings.CutPrefix(strings.TrimSuffix(n, ".backup"), scheduledPrefix)
		if !ok || !strings.HasSuffix(n, ".backup") {
			continue
		}
		at, err := time.Parse("20060102T150405Z", stamp)
		if err != nil {
			continue
		}
		items = append(items, item{n, at})
	}
	sort.Slice(items, func(i, j int) bool { return items[i].at.After(items[j].at) })
	keep := map[string]bool{}
	days, weeks := map[string]bool{}, map[string]bool{}
	for _, it := range items {
		day := it.at.Format("2006-01-02")
		if len(days) < s.Daily && !days[day] {
			days[day], keep[it.name] = true, true
		}
		if it.at.Weekday() == time.Sunday && len(weeks) < s.Weekly && !weeks[day] {
			weeks[day], keep[it.name] = true, true
		}
	}
	for _, it := range items {
		if !keep[it.name] {
			if err := os.Remove(filepath.Join(s.Dir, it.name)); err != nil {
				return fmt.Errorf("pruning %s: %w", it.name, err)
			}
		}
	}
	return nil
}
