package app

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/citadel-store/citadel/internal/guard/limit"
)

// newLimiter builds the rate limiter: in memory on one node, or shared
// through Redis (--redis) by every node.
func (s *Server) newLimiter() (*limit.Limiter, error) {
	cfg := limit.DefaultConfig()
	// A whole household or office shares one address: pages are
	// generous, the costly and abusable routes are not.
	cfg[limit.ClassPage] = limit.Rate{PerSecond: 50, Burst: 200}
	cfg[limit.ClassSignin] = limit.Rate{PerSecond: 2, Burst: 30}
	if s.opts.LoadTest {
		// A load generator is one address asking for thousands of pages
		// a second: lift every class far out of its way (the limiter
		// still runs, so its cost is measured).
		for c := range cfg {
			cfg[c] = limit.Rate{PerSecond: 1e6, Burst: 1e6}
		}
	}
	o := limit.Options{Config: cfg, Logger: s.log}
	if s.cfg.RedisURL != "" {
		ro, err := redis.ParseURL(s.cfg.RedisURL)
		if err != nil {
			return nil, fmt.Errorf("--redis: %v", err)
		}
		ro.ContextTimeoutEnabled = true
		ro.DialTimeout, ro.ReadTimeout, ro.WriteTimeout, ro.MaxRetries = 500*time.Millisecond, 200*time.Millisecond, 200*time.Millisecond, 1
		o.Redis = redis.NewClient(ro)
	}
	return limit.New(o), nil
}

// classify maps a request to its rate-limit class.
func classify(r *http.Request) limit.Class {
	p := r.URL.Path
	switch {
	case strings.HasPrefix(p, "/api/"):
		return limit.ClassAPI
	case r.Method == http.MethodPost && (p == "/signin" || strings.HasPrefix(p, "/signin/") || p == "/reset" || p == "/unlock"):
		return limit.ClassSignin
	case r.Method == http.MethodPost && p == "/register":
		return limit.ClassRegister
	case strings.HasPrefix(p, "/search"):
		return limit.ClassSearch
	case strings.HasPrefix(p, "/checkout"):
		return limit.ClassCheckout
	case strings.HasPrefix(p, "/pay"):
		return limit.ClassPayment
	}
	return limit.ClassPage
}
