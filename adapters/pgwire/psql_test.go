package pgwire

import (
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// psql runs the real psql client against s and returns its stdout, its
// stderr and whether it exited 0.
func psql(t *testing.T, s *Server, user, password string, args ...string) (string, string, bool) {
	t.Helper()
	bin, err := exec.LookPath("psql")
	if err != nil {
		t.Skip("psql is not installed (Debian: postgresql-client)")
	}
	full := append([]string{"-h", "127.0.0.1", "-p", strconv.Itoa(port(s)), "-U", user, "-d", "chronik", "-X", "-w"}, args...)
	cmd := exec.Command(bin, full...)
	cmd.Env = append(os.Environ(), "PGCONNECT_TIMEOUT=5", "PGSSLMODE=prefer", "PGPASSWORD="+password, "PGAPPNAME=psql-test")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("psql %v hung", args)
	}
	return out.String(), errb.String(), err == nil
}

func TestPsql(t *testing.T) {
	s := startServer(t, Config{Users: map[string]string{"u": "pw"}}, newFake())
	t.Run("query_unaligned", func(t *testing.T) {
		out, errOut, ok := psql(t, s, "u", "pw", "-At", "-c", "SELECT * FROM orders")
		want := "0|41|2026-12-07 21:30:15.123456|\\xdead|ada|12.5|t|1234.50|2026-12-07|[\"a\",\"b\"]|{\"city\":\"Paris\",\"zip\":75001}|\n" +
			"2|7|2026-12-07 21:30:16.123456||bob|-0.25|f|-0.05|1999-01-02|[]||x\n"
		if !ok || out != want {
			t.Errorf("psql -At: ok=%v\n got: %q\nwant: %q\nstderr: %s", ok, out, want, errOut)
		}
	})
	t.Run("aligned_with_header", func(t *testing.T) {
		out, _, ok := psql(t, s, "u", "pw", "-c", "SELECT 1")
		if !ok || !strings.Contains(out, "(1 row)") || !strings.Contains(out, " 1\n") {
			t.Errorf("psql aligned: %q", out)
		}
	})
	t.Run("several_statements", func(t *testing.T) {
		out, _, ok := psql(t, s, "u", "pw", "-At", "-c", "SELECT 1; SHOW statement_timeout; SELECT version()")
		if !ok || out != "1\n0\nPostgreSQL 15.0 (Chronik: SQL over topics, DuckDB engine)\n" {
			t.Errorf("multi: %q", out)
		}
	})
	t.Run("backslash_d_lists_tables", func(t *testing.T) {
		out, errOut, ok := psql(t, s, "u", "pw", "-At", "-c", `\d`)
		if !ok || out != "public|clicks|table|chronik\npublic|order-events|table|chronik\npublic|orders|table|chronik\n" {
			t.Errorf(`\d: ok=%v %q %s`, ok, out, errOut)
		}
		out, _, ok = psql(t, s, "u", "pw", "-At", "-c", `\dt order*`)
		if !ok || out != "public|order-events|table|chronik\npublic|orders|table|chronik\n" {
			t.Errorf(`\dt order*: %q`, out)
		}
		out, _, ok = psql(t, s, "u", "pw", "-At", "-c", `\d+`)
		if !ok || !strings.Contains(out, "public|orders|table|chronik|permanent") {
			t.Errorf(`\d+: %q`, out)
		}
		out, _, ok = psql(t, s, "u", "pw", "-At", "-c", `\dv`)
		if !ok || out != "" {
			t.Errorf(`\dv: %q`, out)
		}
	})
	t.Run("backslash_d_table_describes_it", func(t *testing.T) {
		out, errOut, ok := psql(t, s, "u", "pw", "-c", `\d orders`)
		for _, want := range []string{`Table "public.orders"`, " _offset    | bigint ", " price      | numeric(10,2) ",
			" addr       | json (struct(city varchar, zip integer)) ", " _timestamp | timestamp without time zone ", " note       | text "} {
			if !ok || !strings.Contains(out, want) {
				t.Errorf(`\d orders: ok=%v, no %q in:\n%s%s`, ok, want, out, errOut)
			}
		}
		out, _, ok = psql(t, s, "u", "pw", "-c", `\d+ "order-events"`)
		if !ok || !strings.Contains(out, `Table "public.order-events"`) || !strings.Contains(out, "| plain ") || strings.Contains(out, "???") {
			t.Errorf(`\d+ "order-events": %s`, out)
		}
		_, errOut, ok = psql(t, s, "u", "pw", "-c", `\d nope`)
		if ok || !strings.Contains(errOut, `Did not find any relation named "nope"`) {
			t.Errorf(`\d nope: ok=%v %s`, ok, errOut)
		}
	})
	t.Run("errors", func(t *testing.T) {
		_, errOut, ok := psql(t, s, "u", "pw", "-c", "SELEC 1")
		if ok || !strings.Contains(errOut, "syntax error") {
			t.Errorf("bad SQL: ok=%v %s", ok, errOut)
		}
		_, errOut, ok = psql(t, s, "u", "pw", "-c", "COPY orders TO '/tmp/x'")
		if ok || !strings.Contains(errOut, "do not run here") {
			t.Errorf("COPY: ok=%v %s", ok, errOut)
		}
		_, errOut, ok = psql(t, s, "u", "pw", "-c", "SELECT 1")
		if !ok {
			t.Errorf("good query after errors: %s", errOut)
		}
	})
	t.Run("bad_password", func(t *testing.T) {
		_, errOut, ok := psql(t, s, "u", "nope", "-c", "SELECT 1")
		if ok || !strings.Contains(errOut, `password authentication failed for user "u"`) {
			t.Errorf("bad password: ok=%v %s", ok, errOut)
		}
	})
	t.Run("truncated_warns", func(t *testing.T) {
		out, errOut, ok := psql(t, s, "u", "pw", "-At", "-c", "SELECT truncated")
		if !ok || out != "1\n2\n" || !strings.Contains(errOut, "cut at 2 rows") {
			t.Errorf("truncated: %q %q", out, errOut)
		}
	})
}
