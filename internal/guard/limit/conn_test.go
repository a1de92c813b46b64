package limit

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"testing"
	"time"
)

func TestConnLimitRefusesNPlusOneth(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	const perIP = 3
	ln := ConnLimit(inner, perIP, 10)
	defer ln.Close()
	accepted := make(chan net.Conn, 100)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				close(accepted)
				return
			}
			accepted <- c
		}
	}()
	dial := func(from string) net.Conn {
		t.Helper()
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: time.Second}
		c, err := d.Dial("tcp", inner.Addr().String())
		if err != nil {
			t.Fatalf("dial from %s: %v", from, err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	// closed reports whether the server closed c.
	closed := func(c net.Conn) bool {
		c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		_, err := c.Read(make([]byte, 1))
		return !errors.Is(err, os.ErrDeadlineExceeded)
	}
	var slow []net.Conn
	for i := 0; i < perIP; i++ {
		slow = append(slow, dial("127.0.0.2"))
	}
	var held []net.Conn
	for i := 0; i < perIP; i++ {
		select {
		case c := <-accepted:
			held = append(held, c)
		case <-time.After(2 * time.Second):
			t.Fatalf("connection %d from 127.0.0.2 not accepted", i+1)
		}
	}
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}, Timeout: time.Second}
	if extra, err := d.Dial("tcp", inner.Addr().String()); err == nil && !closed(extra) { // err: reset already
		t.Fatal("connection N+1 from 127.0.0.2 was not closed")
	}
	if closed(slow[0]) {
		t.Fatal("an admitted connection was closed")
	}
	// Another address still gets in.
	dial("127.0.0.1")
	select {
	case c := <-accepted:
		if got := c.RemoteAddr().(*net.TCPAddr).AddrPort().Addr(); got != netip.MustParseAddr("127.0.0.1") {
			t.Fatalf("accepted %v, want 127.0.0.1", got)
		}
		held = append(held, c)
	case <-time.After(2 * time.Second):
		t.Fatal("connection from 127.0.0.1 not accepted while 127.0.0.2 is at its limit")
	}
	if open, refused := ln.Stats(); open != perIP+1 || refused != 1 {
		t.Fatalf("Stats = %d open, %d refused", open, refused)
	}
	// Closing one frees its slot.
	held[0].Close()
	held[0].Close() // twice: counted once
	dial("127.0.0.2")
	select {
	case c := <-accepted:
		held = append(held, c)
	case <-time.After(2 * time.Second):
		t.Fatal("slot not freed by Close")
	}
	if open, _ := ln.Stats(); open != perIP+1 {
		t.Fatalf("%d open, want %d", open, perIP+1)
	}
	for _, c := range held {
		c.Close()
	}
}

func TestConnLimitTotalAndDeny(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := ConnLimit(inner, 0, 2)
	ln.Deny = func(a netip.Addr) bool { return a == netip.MustParseAddr("127.0.0.3") }
	defer ln.Close()
	accepted := make(chan net.Conn, 10)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	// dialFrom connects from ip; a refused connection may already be
	// reset by the time the dial returns.
	dialFrom := func(ip string) {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
		if c, err := d.Dial("tcp", inner.Addr().String()); err == nil {
			t.Cleanup(func() { c.Close() })
		}
	}
	dialFrom("127.0.0.3") // denied
	dialFrom("127.0.0.1")
	dialFrom("127.0.0.4")
	dialFrom("127.0.0.5") // over the total
	for i := 0; i < 2; i++ {
		c := <-accepted
		if a := c.RemoteAddr().(*net.TCPAddr).AddrPort().Addr(); a == netip.MustParseAddr("127.0.0.3") {
			t.Fatal("denied address accepted")
		}
		defer c.Close()
	}
	time.Sleep(100 * time.Millisecond)
	select {
	case c := <-accepted:
		t.Fatalf("accepted %v over the total", c.RemoteAddr())
	default:
	}
	if open, refused := ln.Stats(); open != 2 || refused != 2 {
		t.Fatalf("Stats = %d, %d", open, refused)
	}
}
