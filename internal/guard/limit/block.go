package limit

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"sync"
	"time"
)

// Escalation of repeat offenders: a prefix blocked again within
// EscalationWindow after its previous block ended gets twice the
// previous period, up to MaxBlock.
const (
	EscalationWindow = 24 * time.Hour
	MaxBlock         = 7 * 24 * time.Hour
)

// BlockEntry is one blocked network.
type BlockEntry struct {
	Prefix netip.Prefix
	Until  time.Time
	Reason string
}

// blockStore holds the block list: in memory, or in Redis.
type blockStore interface {
	block(ctx context.Context, p netip.Prefix, until time.Time, reason string) error
	unblock(ctx context.Context, p netip.Prefix) error
	blocked(ctx context.Context, a netip.Addr) (BlockEntry, bool)
	list(ctx context.Context) ([]BlockEntry, error)
	escalate(ctx context.Context, p netip.Prefix, base time.Duration, reason string) (time.Time, error)
}

// Block blocks every address in prefix until the given time. A prefix
// already blocked gets the new time and reason.
func (l *Limiter) Block(ctx context.Context, prefix netip.Prefix, until time.Time, reason string) error {
	p, err := normPrefix(prefix)
	if err != nil {
		return err
	}
	return l.blocks.block(ctx, p, until, reason)
}

// Unblock lifts a block on exactly prefix.
func (l *Limiter) Unblock(ctx context.Context, prefix netip.Prefix) error {
	p, err := normPrefix(prefix)
	if err != nil {
		return err
	}
	return l.blocks.unblock(ctx, p)
}

// Blocked reports whether addr lies in a blocked network, and until when
// and why. With Redis it answers from this node's copy of the list
// (refreshed at most every Options.BlockSync); if Redis is down, from
// the last copy.
func (l *Limiter) Blocked(ctx context.Context, addr netip.Addr) (bool, time.Time, string) {
	a := addr.Unmap().WithZone("")
	if !a.IsValid() {
		return false, time.Time{}, ""
	}
	e, ok := l.blocks.blocked(ctx, a)
	return ok, e.Until, e.Reason
}

// Deny reports whether addr is blocked, for ConnListener.Deny.
func (l *Limiter) Deny(addr netip.Addr) bool {
	b, _, _ := l.Blocked(context.Background(), addr)
	return b
}

// List returns the blocks in force, by prefix.
func (l *Limiter) List(ctx context.Context) ([]BlockEntry, error) {
	return l.blocks.list(ctx)
}

// BlockEscalating blocks prefix for base, or for twice the previous
// period if the prefix was blocked this way before and that block ended
// less than EscalationWindow ago (so 1x, 2x, 4x, ... up to MaxBlock). It
// returns the end of the block.
func (l *Limiter) BlockEscalating(ctx context.Context, prefix netip.Prefix, base time.Duration) (time.Time, error) {
	return l.BlockEscalatingReason(ctx, prefix, base, "repeat offender")
}

// BlockEscalatingReason is BlockEscalating with a reason, to which the
// offence number is appended.
func (l *Limiter) BlockEscalatingReason(ctx context.Context, prefix netip.Prefix, base time.Duration, reason string) (time.Time, error) {
	p, err := normPrefix(prefix)
	if err != nil {
		return time.Time{}, err
	}
	if base <= 0 {
		return time.Time{}, errors.New("limit: block period must be positive")
	}
	return l.blocks.escalate(ctx, p, min(base, MaxBlock), reason)
}

// normPrefix masks a prefix and turns IPv4-mapped IPv6 prefixes into
// IPv4 ones, as Blocked looks addresses up unmapped.
func normPrefix(p netip.Prefix) (netip.Prefix, error) {
	if !p.IsValid() {
		return netip.Prefix{}, fmt.Errorf("limit: invalid prefix %v", p)
	}
	a, bits := p.Addr().WithZone(""), p.Bits()
	if a.Is4In6() && bits >= 96 {
		a, bits = a.Unmap(), bits-96
	}
	return netip.PrefixFrom(a, bits).Masked(), nil
}

// escalatedPeriod returns the period of offence n (1-based).
func escalatedPeriod(base time.Duration, n int) time.Duration {
	d := base
	for i := 1; i < n && d < MaxBlock; i++ {
		d *= 2
	}
	return min(d, MaxBlock)
}

// memBlocks is the in-memory block list. It is also each node's copy of
// the Redis one.
type memBlocks struct {
	now     func() time.Time
	mu      sync.RWMutex
	m       map[netip.Prefix]BlockEntry
	lens    [2][129]int // [0] IPv4, [1] IPv6: how many blocks of each length
	strikes map[netip.Prefix]strike
}

type strike struct {
	n   int
	end time.Time
}

func newMemBlocks(now func() time.Time) *memBlocks {
	return &memBlocks{now: now, m: make(map[netip.Prefix]BlockEntry), strikes: make(map[netip.Prefix]strike)}
}

func fam(p netip.Prefix) int {
	if p.Addr().Is4() {
		return 0
	}
	return 1
}

func (b *memBlocks) set(e BlockEntry) {
	if _, ok := b.m[e.Prefix]; !ok {
		b.lens[fam(e.Prefix)][e.Prefix.Bits()]++
	}
	b.m[e.Prefix] = e
}

func (b *memBlocks) del(p netip.Prefix) {
	if _, ok := b.m[p]; ok {
		b.lens[fam(p)][p.Bits()]--
		delete(b.m, p)
	}
}

// prune drops expired blocks and strikes; b.mu is held.
func (b *memBlocks) prune(now time.Time) {
	for p, e := range b.m {
		if !e.Until.After(now) {
			b.del(p)
		}
	}
	for p, s := range b.strikes {
		if now.Sub(s.end) > EscalationWindow {
			delete(b.strikes, p)
		}
	}
}

func (b *memBlocks) block(_ context.Context, p netip.Prefix, until time.Time, reason string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.prune(b.now())
	b.set(BlockEntry{Prefix: p, Until: until, Reason: reason})
	return nil
}

func (b *memBlocks) unblock(_ context.Context, p netip.Prefix) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.del(p)
	return nil
}

func (b *memBlocks) blocked(_ context.Context, a netip.Addr) (BlockEntry, bool) {
	f, top := 1, 128
	if a.Is4() {
		f, top = 0, 32
	}
	now := b.now()
	b.mu.RLock()
	defer b.mu.RUnlock()
	if len(b.m) == 0 {
		return BlockEntry{}, false
	}
	for bits := top; bits >= 0; bits-- {
		if b.lens[f][bits] == 0 {
			continue
		}
		p, err := a.Prefix(bits)
		if err != nil {
			continue
		}
		if e, ok := b.m[p]; ok && e.Until.After(now) {
			return e, true
		}
	}
	return BlockEntry{}, false
}

func (b *memBlocks) list(context.Context) ([]BlockEntry, error) {
	now := b.now()
	b.mu.RLock()
	out := make([]BlockEntry, 0, len(b.m))
	for _, e := range b.m {
		if e.Until.After(now) {
			out = append(out, e)
		}
	}
	b.mu.RUnlock()
	sortEntries(out)
	return out, nil
}

func sortEntries(es []BlockEntry) {
	sort.Slice(es, func(i, j int) bool {
		if c := es[i].Prefix.Addr().Compare(es[j].Prefix.Addr()); c != 0 {
			return c < 0
		}
		return es[i].Prefix.Bits() < es[j].Prefix.Bits()
	})
}

func (b *memBlocks) escalate(_ context.Context, p netip.Prefix, base time.Duration, reason string) (time.Time, error) {
	now := b.now()
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.strikes[p]
	if s.n == 0 || now.Sub(s.end) > EscalationWindow {
		s.n = 0
	}
	s.n++
	until := now.Add(escalatedPeriod(base, s.n))
	if old, ok := b.m[p]; ok && old.Until.After(until) {
		until = old.Until
	}
	s.end = until
	b.strikes[p] = s
	b.prune(now)
	b.set(BlockEntry{Prefix: p, Until: until, Reason: fmt.Sprintf("%s (offence %d)", reason, s.n)})
	return until, nil
}

// replace swaps in a fresh copy of the list (from Redis).
func (b *memBlocks) replace(es []BlockEntry) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.m = make(map[netip.Prefix]BlockEntry, len(es))
	b.lens = [2][129]int{}
	for _, e := range es {
		b.set(e)
	}
}
