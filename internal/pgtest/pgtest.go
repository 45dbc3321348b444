// Package pgtest starts a throwaway PostgreSQL 15 server for tests: a new
// cluster in a temporary folder, listening on a free loopback port and on a
// unix socket in that folder, with password authentication, stopped and
// removed when the test ends. Tests that need it skip, saying why, when the
// server binaries are missing or the server cannot start.
//
// initdb and pg_ctl refuse to run as root, so under root they run as the
// postgres user (runuser), in a folder that user owns.
package pgtest

import (
	"bytes"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"testing"
)

// BinDir is where Debian's postgresql-15 package puts the server binaries;
// $ORDERHIST_PG_BINDIR overrides it.
const BinDir = "/usr/lib/postgresql/15/bin"

// Server is a running test server.
type Server struct {
	Host     string
	Port     int
	User     string
	Password string
	Database string
}

// URI is the server's connection URI for database db.
func (s *Server) URI(db string) string {
	u := url.URL{Scheme: "postgres", User: url.UserPassword(s.User, s.Password), Host: net.JoinHostPort(s.Host, strconv.Itoa(s.Port)), Path: "/" + db}
	u.RawQuery = "sslmode=disable"
	return u.String()
}

// Start starts a server for t and stops it when t ends. It skips t when
// PostgreSQL 15 is not installed or does not start.
func Start(t testing.TB) *Server {
	t.Helper()
	bin := os.Getenv("ORDERHIST_PG_BINDIR")
	if bin == "" {
		bin = BinDir
	}
	for _, b := range []string{"initdb", "pg_ctl"} {
		if _, err := os.Stat(filepath.Join(bin, b)); err != nil {
			t.Skipf("PostgreSQL 15 is not installed (%s missing; apt-get install postgresql-15): skipping", filepath.Join(bin, b))
		}
	}
	var asUser []string // the command prefix that runs a server binary
	var owner *user.User
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Skipf("running as root and there is no postgres user to run PostgreSQL as: skipping")
		}
		if _, err := exec.LookPath("runuser"); err != nil {
			t.Skipf("running as root and runuser is missing: cannot start PostgreSQL: skipping")
		}
		owner = u
		asUser = []string{"runuser", "-u", "postgres", "--"}
	}
	dir, err := os.MkdirTemp("", "orderhist-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if owner != nil {
		uid, _ := strconv.Atoi(owner.Uid)
		gid, _ := strconv.Atoi(owner.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Skipf("cannot hand %s to the postgres user: %v: skipping", dir, err)
		}
	}
	s := &Server{Host: "127.0.0.1", User: "orderhist", Password: "pg-test-secret-7Qx", Database: "postgres"}
	pwfile := filepath.Join(dir, "pwfile")
	if err := os.WriteFile(pwfile, []byte(s.Password+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(name string, args ...string) error {
		argv := append(append(append([]string{}, asUser...), filepath.Join(bin, name)), args...)
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Dir = dir
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("%s: %v: %s", name, err, bytes.TrimSpace(out.Bytes()))
		}
		return nil
	}
	data := filepath.Join(dir, "data")
	if err := run("initdb", "-D", data, "-U", s.User, "--pwfile", pwfile, "--auth", "scram-sha-256", "--encoding", "UTF8", "--locale", "C"); err != nil {
		t.Skipf("PostgreSQL does not start: %v: skipping", err)
	}
	for attempt := 0; ; attempt++ {
		s.Port = freePort(t)
		opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -c port=%d -c unix_socket_directories=%s -c fsync=off -c max_connections=20 -c shared_buffers=16MB", s.Port, dir)
		err := run("pg_ctl", "-D", data, "-l", filepath.Join(dir, "log"), "-o", opts, "-w", "-t", "30", "start")
		if err == nil {
			break
		}
		if attempt == 2 {
			log, _ := os.ReadFile(filepath.Join(dir, "log"))
			t.Skipf("PostgreSQL does not start: %v\n%s: skipping", err, log)
		}
	}
	t.Cleanup(func() {
		if err := run("pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"); err != nil {
			t.Errorf("stopping PostgreSQL: %v", err)
		}
	})
	return s
}

// freePort is a loopback port nothing listens on right now. Another
// process may take it before the server does; Start then tries again.
func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Skipf("no loopback port for PostgreSQL: %v: skipping", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
