package storetest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
)

// Cluster is a throwaway PostgreSQL server on loopback.
type Cluster struct {
	dir      string
	port     int
	password string
	ctl      string
	cred     *syscall.Credential
}

// FindBin returns the directory of Debian's PostgreSQL server binaries,
// the newest version installed.
func FindBin() (string, error) {
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		return filepath.Dir(p), nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool {
		a, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		b, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		return a > b
	})
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	return "", errors.New("no PostgreSQL server found (apt-get install postgresql, or run the README's test command)")
}

// StartCluster initialises and starts a new cluster in a temporary
// directory, listening on 127.0.0.1 at a free port, with password
// authentication for the user "citadel". PostgreSQL refuses to run as
// root, so as root it runs as the postgres user.
func StartCluster() (*Cluster, error) {
	bin, err := FindBin()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "citadel-pg-")
	if err != nil {
		return nil, err
	}
	c := &Cluster{dir: dir, ctl: filepath.Join(bin, "pg_ctl")}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("running as root and no postgres user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			return nil, err
		}
	}
	pw := make([]byte, 16)
	rand.Read(pw)
	c.password = hex.EncodeToString(pw)
	pwfile := filepath.Join(dir, "pw")
	if err := os.WriteFile(pwfile, []byte(c.password+"\n"), 0o600); err != nil {
		return nil, err
	}
	if c.cred != nil {
		os.Chown(pwfile, int(c.cred.Uid), int(c.cred.Gid))
	}
	data := filepath.Join(dir, "data")
	if err := c.run(filepath.Join(bin, "initdb"), "-D", data, "-U", "citadel", "--auth=scram-sha-256",
		"--pwfile="+pwfile, "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"); err != nil {
		c.Stop()
		return nil, fmt.Errorf("initdb: %w", err)
	}
	os.Remove(pwfile)
	port, err := freePort()
	if err != nil {
		c.Stop()
		return nil, err
	}
	c.port = port
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "+
		"-c full_page_writes=off -c max_connections=400 -c shared_buffers=128MB", port, dir)
	if err := c.run(c.ctl, "start", "-w", "-t", "60", "-D", data, "-l", filepath.Join(dir, "log"), "-o", opts); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "log"))
		c.Stop()
		return nil, fmt.Errorf("pg_ctl start: %w\n%s", err, log)
	}
	return c, nil
}

// URL returns the address of a database in the cluster.
func (c *Cluster) URL(db string) string {
	return fmt.Sprintf("postgres://citadel:%s@127.0.0.1:%d/%s?sslmode=disable", c.password, c.port, db)
}

// Stop stops the server and removes its files.
func (c *Cluster) Stop() {
	if c.port != 0 {
		c.run(c.ctl, "stop", "-m", "immediate", "-D", filepath.Join(c.dir, "data"))
	}
	os.RemoveAll(c.dir)
}

func (c *Cluster) run(name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Dir = c.dir
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%w: %s", err, bytes.TrimSpace(out.Bytes()))
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
