package limit

import (
	"context"
	"hash/maphash"
	"math"
	"sync"
	"time"
)

const shards = 64

// Memory is the in-memory Backend: GCRA buckets in a sharded map, each
// shard a least-recently-used list so that the number of keys stays
// bounded under a flood of distinct addresses. A bucket whose
// theoretical arrival time has passed is full, the same as no bucket,
// so evicting it loses nothing; past the cap the least recently used
// bucket goes even if it is not full.
type Memory struct {
	now      func() time.Time
	perShard int
	seed     maphash.Seed
	shard    [shards]memShard
}

type memShard struct {
	mu   sync.Mutex
	m    map[string]*bucket
	head bucket // sentinel of the LRU ring: head.next is the newest
}

type bucket struct {
	key        string
	tat        int64 // theoretical arrival time, unix ns
	prev, next *bucket
}

// NewMemory returns an in-memory backend holding at most maxKeys buckets
// (default 1,000,000), reading time from now (default time.Now).
func NewMemory(maxKeys int, now func() time.Time) *Memory {
	if maxKeys <= 0 {
		maxKeys = 1_000_000
	}
	if now == nil {
		now = time.Now
	}
	m := &Memory{now: now, perShard: max(1, maxKeys/shards), seed: maphash.MakeSeed()}
	for i := range m.shard {
		s := &m.shard[i]
		s.m = make(map[string]*bucket)
		s.head.next, s.head.prev = &s.head, &s.head
	}
	return m
}

// Len returns the number of buckets held.
func (m *Memory) Len() int {
	n := 0
	for i := range m.shard {
		s := &m.shard[i]
		s.mu.Lock()
		n += len(s.m)
		s.mu.Unlock()
	}
	return n
}

// Allow implements Backend.
func (m *Memory) Allow(_ context.Context, key string, r Rate) (bool, time.Duration, error) {
	if r.PerSecond <= 0 {
		return true, 0, nil
	}
	interval, tau := gcraParams(r)
	now := m.now().UnixNano()
	s := &m.shard[maphash.String(m.seed, key)%shards]
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.m[key]
	tat := now
	if b != nil && b.tat > now {
		tat = b.tat
	}
	next := tat + interval
	if allowAt := next - tau; allowAt > now {
		if b != nil {
			s.touch(b)
		}
		return false, time.Duration(allowAt - now), nil
	}
	if b == nil {
		b = &bucket{key: key, tat: next}
		s.m[key] = b
		s.pushFront(b)
		s.evict(m.perShard, now)
		return true, 0, nil
	}
	s.touch(b)
	b.tat = next
	return true, 0, nil
}

// gcraParams returns the emission interval and the burst tolerance in ns.
func gcraParams(r Rate) (interval, tau int64) {
	burst := max(r.Burst, 1)
	iv := float64(time.Second) / r.PerSecond
	if iv > math.MaxInt64/float64(burst+1) {
		iv = math.MaxInt64 / float64(burst+1)
	}
	interval = max(int64(iv), 1)
	return interval, interval * int64(burst)
}

func (s *memShard) pushFront(b *bucket) {
	b.prev, b.next = &s.head, s.head.next
	s.head.next.prev = b
	s.head.next = b
}

func (s *memShard) unlink(b *bucket) {
	b.prev.next, b.next.prev = b.next, b.prev
	b.prev, b.next = nil, nil
}

func (s *memShard) touch(b *bucket) {
	if s.head.next != b {
		s.unlink(b)
		s.pushFront(b)
	}
}

// evict drops the oldest buckets past the cap, and a few more from the
// old end if they are full anyway (idle), so memory shrinks after a
// flood without a sweeper goroutine.
func (s *memShard) evict(limit int, now int64) {
	for len(s.m) > limit {
		s.drop(s.head.prev)
	}
	for i := 0; i < 2; i++ {
		old := s.head.prev
		if old == &s.head || old.tat > now {
			return
		}
		s.drop(old)
	}
}

func (s *memShard) drop(b *bucket) {
	s.unlink(b)
	delete(s.m, b.key)
}
