// Package testpg runs a private PostgreSQL server for a test that needs to
// stop and start it (an outage test), so the shared server other tests use
// is never touched. As root it runs the server as the postgres user, since
// initdb refuses root.
package testpg

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"
)

// Cluster is a private PostgreSQL server.
type Cluster struct {
	t    testing.TB
	bin  string
	dir  string
	port int
	// URL connects to its postgres database.
	URL string
}

// Start creates and starts a cluster, stopped and removed when t ends.
func Start(t testing.TB) *Cluster {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(bins) == 0 {
		t.Fatal("testpg: no PostgreSQL server binaries under /usr/lib/postgresql (run `make db`, which installs them)")
	}
	sort.Strings(bins)
	c := &Cluster{t: t, bin: filepath.Dir(bins[len(bins)-1])}
	dir, err := os.MkdirTemp("", "clipcabinet-pg-")
	if err != nil {
		t.Fatal(err)
	}
	c.dir = dir
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatal("testpg: running as root needs the postgres user: ", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c.port = ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	c.URL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.port)
	c.run("initdb", "-D", filepath.Join(dir, "data"), "-U", "postgres", "--auth=trust", "--no-sync")
	c.Up()
	t.Cleanup(func() {
		// Already stopped when a test failed during its outage: fine.
		cmd := exec.Command("runuser", "-u", "postgres", "--", filepath.Join(c.bin, "pg_ctl"), "-D", filepath.Join(dir, "data"), "stop", "-m", "immediate")
		if os.Geteuid() != 0 {
			cmd = exec.Command(filepath.Join(c.bin, "pg_ctl"), "-D", filepath.Join(dir, "data"), "stop", "-m", "immediate")
		}
		_ = cmd.Run()
	})
	return c
}

func (c *Cluster) run(name string, args ...string) {
	c.t.Helper()
	cmd := exec.Command(filepath.Join(c.bin, name), args...)
	if os.Geteuid() == 0 {
		cmd = exec.Command("runuser", append([]string{"-u", "postgres", "--", filepath.Join(c.bin, name)}, args...)...)
	}
	cmd.Dir = c.dir
	if out, err := cmd.CombinedOutput(); err != nil {
		c.t.Fatalf("testpg: %s: %v\n%s", name, err, out)
	}
}

func (c *Cluster) pgctl(args ...string) {
	c.t.Helper()
	base := []string{"-D", filepath.Join(c.dir, "data"), "-w", "-t", "30"}
	c.run("pg_ctl", append(base, args...)...)
}

// Up starts the server and waits until it accepts connections.
func (c *Cluster) Up() {
	c.t.Helper()
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=off", c.port, c.dir)
	c.pgctl("start", "-l", filepath.Join(c.dir, "server.log"), "-o", opts)
	deadline := time.Now().Add(20 * time.Second)
	for {
		conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", c.port))
		if err == nil {
			conn.Close()
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("testpg: server did not come up: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Down stops the server at once, dropping every connection.
func (c *Cluster) Down() {
	c.t.Helper()
	c.pgctl("stop", "-m", "fast")
}
