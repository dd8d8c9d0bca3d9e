package pgwire

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgproto3"
)

// rawClient is a client that speaks the protocol by hand.
type rawClient struct {
	t  *testing.T
	nc net.Conn
	fe *pgproto3.Frontend
}

func dialRaw(t *testing.T, s *Server) *rawClient {
	t.Helper()
	nc, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	return &rawClient{t: t, nc: nc, fe: pgproto3.NewFrontend(nc, nc)}
}

// login sends a startup packet (no users configured) and reads up to
// ReadyForQuery.
func (r *rawClient) login() {
	r.t.Helper()
	r.fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber, Parameters: map[string]string{"user": "raw"}})
	if err := r.fe.Flush(); err != nil {
		r.t.Fatal(err)
	}
	r.until(func(m pgproto3.BackendMessage) bool { _, ok := m.(*pgproto3.ReadyForQuery); return ok })
}

// until reads messages until done says so; it fails on an error response.
func (r *rawClient) until(done func(pgproto3.BackendMessage) bool) {
	r.t.Helper()
	for {
		m, err := r.fe.Receive()
		if err != nil {
			r.t.Fatalf("receive: %v", err)
		}
		if done(m) {
			return
		}
	}
}

// fatalThenClose reads the server's last words: an ErrorResponse with
// code, then the end of the connection.
func (r *rawClient) fatalThenClose(code string) *pgproto3.ErrorResponse {
	r.t.Helper()
	var last *pgproto3.ErrorResponse
	for {
		m, err := r.fe.Receive()
		if err != nil {
			if last == nil {
				r.t.Fatalf("connection ended (%v) without an error response", err)
			}
			if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || strings.Contains(err.Error(), "reset") {
				if last.Code != code {
					r.t.Errorf("error code %s (%s), want %s", last.Code, last.Message, code)
				}
				return last
			}
			r.t.Fatalf("receive: %v", err)
		}
		if e, ok := m.(*pgproto3.ErrorResponse); ok {
			last = e
		}
	}
}

func TestProtocolGarbage(t *testing.T) {
	s := startServer(t, Config{}, newFake())
	// Before startup: a length that means nothing.
	r := dialRaw(t, s)
	r.nc.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	if e := r.fatalThenClose("08P01"); !strings.Contains(e.Message, "startup packet") {
		t.Errorf("garbage startup: %q", e.Message)
	}
	// After login: an unknown message type.
	r = dialRaw(t, s)
	r.login()
	r.nc.Write([]byte{'?', 0, 0, 0, 4})
	r.fatalThenClose("08P01")
	// After login: a Bind whose body lies about its lengths.
	r = dialRaw(t, s)
	r.login()
	r.nc.Write([]byte{'B', 0, 0, 0, 12, 0, 0, 0xff, 0xff, 0, 0, 0, 0})
	r.fatalThenClose("08P01")
	// The server still serves others.
	c := connect(t, s, "alice", "")
	if _, err := c.Exec(context.Background(), "SELECT 1"); err != nil {
		t.Fatal(err)
	}
}

func TestOversizedMessage(t *testing.T) {
	s := startServer(t, Config{MaxMessageBytes: 1 << 20}, newFake())
	r := dialRaw(t, s)
	r.login()
	// A Query claiming 1 GiB: refused from its header, before any body.
	hdr := []byte{'Q', 0, 0, 0, 0}
	binary.BigEndian.PutUint32(hdr[1:], 1<<30)
	r.nc.Write(hdr)
	if e := r.fatalThenClose("08P01"); !strings.Contains(e.Message, "larger than the limit of 1048576 bytes") {
		t.Errorf("oversized: %q", e.Message)
	}
	// A query just under the limit runs (and fails as bad SQL).
	r = dialRaw(t, s)
	r.login()
	r.fe.Send(&pgproto3.Query{String: "SELECT '" + strings.Repeat("a", 1<<20-100) + "'"})
	r.fe.Flush()
	var code string
	r.until(func(m pgproto3.BackendMessage) bool {
		if e, ok := m.(*pgproto3.ErrorResponse); ok {
			code = e.Code
		}
		_, ok := m.(*pgproto3.ReadyForQuery)
		return ok
	})
	if code != "42601" {
		t.Errorf("large query: code %q", code)
	}
	// An oversized startup packet.
	r = dialRaw(t, s)
	r.nc.Write([]byte{0, 0x10, 0, 0, 0, 3, 0, 0})
	r.fatalThenClose("08P01")
}

func TestSilentClientTimesOut(t *testing.T) {
	s := startServer(t, Config{StartupTimeout: 200 * time.Millisecond, IdleTimeout: 300 * time.Millisecond, ReadTimeout: 200 * time.Millisecond}, newFake())
	start := time.Now()
	r := dialRaw(t, s)
	if e := r.fatalThenClose("08P01"); !strings.Contains(e.Message, "startup did not complete") {
		t.Errorf("silent: %q", e.Message)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("silent client closed after %s", d)
	}
	// Logged in, then silent: the idle timeout.
	r = dialRaw(t, s)
	r.login()
	if e := r.fatalThenClose("57P05"); !strings.Contains(e.Message, "idle-session timeout") {
		t.Errorf("idle: %q", e.Message)
	}
	// Half a message, then silence: the read timeout, well before the
	// idle timeout would end it.
	r = dialRaw(t, s)
	r.login()
	r.nc.Write([]byte{'Q', 0, 0, 0, 100, 'S'})
	start = time.Now()
	if e := r.fatalThenClose("08P01"); !strings.Contains(e.Message, "read timeout") {
		t.Errorf("half message: %q", e.Message)
	}
	if d := time.Since(start); d > 290*time.Millisecond {
		t.Errorf("half message closed after %s, not the read timeout", d)
	}
}

func TestConnectionLimit(t *testing.T) {
	s := startServer(t, Config{MaxConnections: 2}, newFake())
	connect(t, s, "a", "")
	connect(t, s, "b", "")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := pgx.Connect(ctx, connString(s, "c", ""))
	if pgCode(err) != "53300" || !strings.Contains(err.Error(), "too many clients") {
		t.Fatalf("third connection: %v", err)
	}
	// A client over the limit that says nothing does not hold Close up.
	dialRaw(t, s)
	time.Sleep(50 * time.Millisecond) // let the accept loop take it
	start := time.Now()
	s.Close()
	if d := time.Since(start); d > time.Second {
		t.Errorf("Close took %s with a refused client pending", d)
	}
}

func TestCancelRunningQuery(t *testing.T) {
	f := newFake()
	s := startServer(t, Config{}, f)
	c := connect(t, s, "alice", "")
	ctx := context.Background()
	done := make(chan error, 1)
	go func() {
		_, err := c.Exec(ctx, "SELECT sleep")
		done <- err
	}()
	<-f.started
	// A wrong secret cancels nothing.
	wrong := dialRaw(t, s)
	wrong.fe.Send(&pgproto3.CancelRequest{ProcessID: c.PgConn().PID(), SecretKey: []byte{1, 2, 3, 4}})
	wrong.fe.Flush()
	select {
	case err := <-done:
		t.Fatalf("query ended on a wrong cancel key: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	if err := c.PgConn().CancelRequest(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if pgCode(err) != "57014" || !strings.Contains(err.Error(), "user request") {
			t.Errorf("cancelled query: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("cancel did not end the query")
	}
	if err := <-f.ctxErr; !errors.Is(err, context.Canceled) {
		t.Errorf("querier's ctx: %v", err)
	}
	// The session goes on.
	if _, err := c.Exec(ctx, "SELECT 1"); err != nil {
		t.Errorf("after cancel: %v", err)
	}
	// statement_timeout ends a query the same way.
	if _, err := c.Exec(ctx, "SET statement_timeout = 100"); err != nil {
		t.Fatal(err)
	}
	_, err := c.Exec(ctx, "SELECT sleep")
	<-f.started
	if pgCode(err) != "57014" || !strings.Contains(err.Error(), "statement timeout") {
		t.Errorf("statement_timeout: %v", err)
	}
}

func TestCloseEndsSessions(t *testing.T) {
	before := runtime.NumGoroutine()
	f := newFake()
	s, err := New(Config{Addr: "127.0.0.1:0"}, f, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	c := connect(t, s, "alice", "")
	idle := dialRaw(t, s) // connected, never logs in
	done := make(chan error, 1)
	go func() {
		_, err := c.Exec(context.Background(), "SELECT sleep")
		done <- err
	}()
	<-f.started
	closed := make(chan struct{})
	go func() { s.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return")
	}
	if err := <-done; err == nil {
		t.Error("the running query succeeded across Close")
	}
	if _, err := idle.nc.Read(make([]byte, 1)); err == nil {
		t.Error("a connection outlived Close")
	}
	if _, err := net.Dial("tcp", s.Addr().String()); err == nil {
		t.Error("still accepting after Close")
	}
	s.Close() // idempotent
	c.Close(context.Background())
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before+1 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before+1 {
		t.Errorf("%d goroutines after Close, %d before", n, before)
	}
}

// TestConcurrentSessions runs many sessions at once (run with -race).
func TestConcurrentSessions(t *testing.T) {
	f := newFake()
	f.bigRows = 500
	s := startServer(t, Config{Users: map[string]string{"u": "p"}}, f)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := context.Background()
			c, err := pgx.Connect(ctx, connString(s, "u", "p"))
			if err != nil {
				errs <- err
				return
			}
			defer c.Close(ctx)
			for j := range 20 {
				mode := pgx.QueryExecModeCacheStatement
				if (i+j)%2 == 0 {
					mode = pgx.QueryExecModeSimpleProtocol
				}
				rows, err := c.Query(ctx, "SELECT big", mode)
				if err != nil {
					errs <- err
					return
				}
				n := 0
				for rows.Next() {
					n++
				}
				if rows.Err() != nil || n != 500 {
					errs <- rows.Err()
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestStartupVariants: encryption requests are answered 'N' and the
// session goes on; a client asking for protocol 3.2 is told 3.0.
func TestStartupVariants(t *testing.T) {
	s := startServer(t, Config{}, newFake())
	r := dialRaw(t, s)
	for _, req := range []pgproto3.FrontendMessage{&pgproto3.GSSEncRequest{}, &pgproto3.SSLRequest{}} {
		r.fe.Send(req)
		r.fe.Flush()
		b := make([]byte, 1)
		if _, err := io.ReadFull(r.nc, b); err != nil || b[0] != 'N' {
			t.Fatalf("%T answered %q, %v", req, b, err)
		}
	}
	r.login()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, connString(s, "alice", "")+"&max_protocol_version=3.2")
	if err != nil {
		t.Fatalf("3.2 client: %v", err)
	}
	defer c.Close(ctx)
	var n int
	if err := c.QueryRow(ctx, "SELECT 1").Scan(&n); err != nil || n != 1 {
		t.Errorf("3.2 client query: %v", err)
	}
	// The negotiation itself: 3.2 and an unknown protocol option.
	r = dialRaw(t, s)
	r.fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion32, Parameters: map[string]string{"user": "x", "_pq_.compression": "on"}})
	r.fe.Flush()
	m, err := r.fe.Receive()
	if npv, ok := m.(*pgproto3.NegotiateProtocolVersion); err != nil || !ok || npv.NewestMinorProtocol != 0 ||
		len(npv.UnrecognizedOptions) != 1 || npv.UnrecognizedOptions[0] != "_pq_.compression" {
		t.Errorf("first answer to a 3.2 startup: %#v, %v", m, err)
	}
	// A startup packet without a user.
	r = dialRaw(t, s)
	r.fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber, Parameters: map[string]string{"database": "x"}})
	r.fe.Flush()
	r.fatalThenClose("28000")
}

func (s *Server) sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// TestClientThatDoesNotRead: a client that asks for a large result and
// never reads it loses its session after the write timeout.
func TestClientThatDoesNotRead(t *testing.T) {
	f := newFake()
	f.bigRows = 300_000 // ~40 MB of rows: more than the sockets buffer
	s := startServer(t, Config{WriteTimeout: 200 * time.Millisecond}, f)
	r := dialRaw(t, s)
	r.login()
	r.fe.Send(&pgproto3.Query{String: "SELECT big"})
	r.fe.Flush()
	deadline := time.Now().Add(10 * time.Second)
	for s.sessions() > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := s.sessions(); n != 0 {
		t.Fatalf("%d sessions still open after the write timeout", n)
	}
	// What the client does get is whole messages, then the end: never a
	// message cut short and followed by another.
	for {
		_, err := r.fe.Receive()
		if err == nil {
			continue
		}
		if !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) && !strings.Contains(err.Error(), "reset") {
			t.Errorf("client read: %v", err)
		}
		break
	}
}

// TestStartupSettings: settings from the startup packet and from options
// (-c name=value) apply when valid; replication connections are refused.
func TestStartupSettings(t *testing.T) {
	s := startServer(t, Config{}, newFake())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cfg, err := pgx.ParseConfig(connString(s, "alice", ""))
	if err != nil {
		t.Fatal(err)
	}
	cfg.RuntimeParams["options"] = "-c statement_timeout=2s --search-path=public"
	cfg.RuntimeParams["extra_float_digits"] = "2"
	cfg.RuntimeParams["TimeZone"] = "Europe/Paris" // not taken: the session stays in UTC
	cfg.RuntimeParams["application_name"] = "grafana"
	c, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	for sql, want := range map[string]string{"SHOW statement_timeout": "2000ms", "SHOW search_path": "public",
		"SHOW extra_float_digits": "2", "SHOW timezone": "UTC", "SHOW application_name": "grafana"} {
		var got string
		if err := c.QueryRow(ctx, sql).Scan(&got); err != nil || got != want {
			t.Errorf("%s = %q, %v; want %q", sql, got, err, want)
		}
	}
	if tz := c.PgConn().ParameterStatus("TimeZone"); tz != "UTC" {
		t.Errorf("TimeZone reported %q", tz)
	}
	cfg.RuntimeParams = map[string]string{"replication": "database"}
	if _, err := pgx.ConnectConfig(ctx, cfg); pgCode(err) != "0A000" {
		t.Errorf("replication connection: %v", err)
	}
}

// TestTerminateEndsSession: a client's Terminate closes its session.
func TestTerminateEndsSession(t *testing.T) {
	s := startServer(t, Config{}, newFake())
	r := dialRaw(t, s)
	r.login()
	if s.sessions() != 1 {
		t.Fatalf("%d sessions", s.sessions())
	}
	r.fe.Send(&pgproto3.Terminate{})
	r.fe.Flush()
	if _, err := r.fe.Receive(); err == nil {
		t.Fatal("the server answered a Terminate")
	}
	deadline := time.Now().Add(5 * time.Second)
	for s.sessions() > 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if s.sessions() != 0 {
		t.Error("session still open after Terminate")
	}
}
