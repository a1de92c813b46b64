package limit

import (
	"net"
	"net/netip"
	"sync"
)

// ConnListener limits concurrent connections per client (IPv4 address or
// IPv6 /64, as IPKey) and in total. Over either limit, a connection is
// accepted and closed at once, and Accept waits for the next one, so a
// flood from one source cannot hold every slot (issue 8, item 7).
type ConnListener struct {
	net.Listener
	perIP, total int
	// Deny, if set, refuses connections from the addresses it returns
	// true for, such as blocked ones (see Limiter.Deny).
	Deny func(netip.Addr) bool

	mu    sync.Mutex
	n     int
	byIP  map[netip.Prefix]int
	drops uint64
}

// ConnLimit wraps l. perIP or total of zero or less means no limit of
// that kind. Wrap the TCP listener, under any TLS listener, so that the
// handshake is only spent on admitted connections.
func ConnLimit(l net.Listener, perIP, total int) *ConnListener {
	return &ConnListener{Listener: l, perIP: perIP, total: total, byIP: make(map[netip.Prefix]int)}
}

// Accept returns the next connection within the limits.
func (c *ConnListener) Accept() (net.Conn, error) {
	for {
		conn, err := c.Listener.Accept()
		if err != nil {
			return nil, err
		}
		addr := peerAddr(conn)
		if c.Deny != nil && c.Deny(addr) {
			c.mu.Lock()
			c.drops++
			c.mu.Unlock()
			reset(conn)
			continue
		}
		key, _ := clientPrefix(addr)
		c.mu.Lock()
		if (c.total > 0 && c.n >= c.total) || (c.perIP > 0 && c.byIP[key] >= c.perIP) {
			c.drops++
			c.mu.Unlock()
			reset(conn)
			continue
		}
		c.n++
		c.byIP[key]++
		c.mu.Unlock()
		return &limitedConn{Conn: conn, l: c, key: key}, nil
	}
}

// Stats returns the open connections and how many were refused so far.
func (c *ConnListener) Stats() (open int, refused uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n, c.drops
}

func (c *ConnListener) release(key netip.Prefix) {
	c.mu.Lock()
	c.n--
	if c.byIP[key]--; c.byIP[key] <= 0 {
		delete(c.byIP, key)
	}
	c.mu.Unlock()
}

func peerAddr(conn net.Conn) netip.Addr {
	switch a := conn.RemoteAddr().(type) {
	case *net.TCPAddr:
		return a.AddrPort().Addr()
	case nil:
		return netip.Addr{}
	default:
		ap, _ := netip.ParseAddrPort(a.String())
		return ap.Addr()
	}
}

type limitedConn struct {
	net.Conn
	l    *ConnListener
	key  netip.Prefix
	once sync.Once
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.release(c.key) })
	return err
}

// reset closes a refused connection with a reset, freeing it at once
// (no TIME_WAIT).
func reset(conn net.Conn) {
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	conn.Close()
}
