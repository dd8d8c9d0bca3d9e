package pgwire

import (
	"context"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/chronik-stream/chronik/ports/columnar"
)

// Querier runs one read-only statement over the topics' tables. Its
// errors wrap ports/columnar's sentinels (ErrInvalid, ErrRefused,
// ErrTimeout, ErrResources, ErrClosed), whose messages may be shown to
// the user; any other error is logged and reaches the client as an
// internal error. params are nil, bool, int64, float64, string, []byte or
// time.Time. It must honour ctx: a cancelled ctx (CancelRequest,
// statement_timeout, Close) ends the query. Safe for concurrent use.
type Querier interface {
	Query(ctx context.Context, sql string, params []any) (columnar.Result, error)
	// Catalog runs a query of the Postgres catalogs (pg_catalog,
	// information_schema) and session functions, which list the topics'
	// tables and columns, as sess (columnar.Engine.Catalog); same errors.
	Catalog(ctx context.Context, sql string, params []any, sess columnar.Session) (columnar.Result, error)
}

// Config is the listener's configuration; zero values take the defaults.
type Config struct {
	Addr string // host:port to listen on (bootstrap builds it from CHRONIK_PG_PORT)
	// Users maps user names to passwords (CHRONIK_SQL_USERS, read by
	// bootstrap's parseUsers). Empty: only loopback clients are accepted,
	// as any user, without a password.
	Users map[string]string
	Auth  string // AuthSCRAM (default), AuthMD5 or AuthPassword

	MaxConnections  int           // open sessions at most; more are refused with 53300
	StartupTimeout  time.Duration // startup and authentication must end within this
	IdleTimeout     time.Duration // a session waiting this long for a message is closed
	ReadTimeout     time.Duration // a message's bytes must all arrive within this once it began
	WriteTimeout    time.Duration // a client must take an answer's bytes within this
	MaxMessageBytes int           // larger messages close the session (08P01)
	// MaxStatements bounds a session's prepared statements.
	MaxStatements int
	// MaxPortals bounds a session's open portals: each holds its query's
	// whole result (up to the engine's row limit) until it is closed, or
	// until Sync outside a transaction.
	MaxPortals int
	// ServerVersion is reported as server_version and in version().
	ServerVersion string
	// Metrics receives the listener's Prometheus series; nil keeps them
	// private.
	Metrics prometheus.Registerer
}

// Defaults of Config.
const (
	DefaultPort            = 15432 // not 5432: a local Postgres, or another service, usually has it
	DefaultMaxConnections  = 100   // Postgres's max_connections
	DefaultStartupTimeout  = 30 * time.Second
	DefaultIdleTimeout     = 30 * time.Minute
	DefaultReadTimeout     = 30 * time.Second
	DefaultWriteTimeout    = 30 * time.Second
	DefaultMaxMessageBytes = 1 << 20
	DefaultMaxStatements   = 256
	DefaultMaxPortals      = 8
	DefaultServerVersion   = "15.0"
	// refusers bounds the connections over MaxConnections still being
	// told so; beyond it they are closed without a word.
	refusers = 16
)

// Server accepts Postgres connections and runs their queries through a
// Querier.
type Server struct {
	cfg    Config
	q      Querier
	logger *slog.Logger
	users  *users
	met    *metrics

	ctx    context.Context // cancelled when Close begins: ends running queries
	cancel context.CancelFunc

	mu       sync.Mutex // guards ln, conns, refusing, closing
	ln       net.Listener
	conns    map[uint32]*conn // by process id (BackendKeyData)
	refusing map[net.Conn]struct{}
	closing  bool
	wg       sync.WaitGroup // the accept loop and every connection's goroutine
}

// New builds a server; Start opens the listener.
func New(cfg Config, q Querier, logger *slog.Logger) (*Server, error) {
	switch cfg.Auth {
	case "":
		cfg.Auth = AuthSCRAM
	case AuthSCRAM, AuthMD5, AuthPassword:
	default:
		return nil, fmt.Errorf("postgres listener: auth method %q unknown (use %s, %s or %s)", cfg.Auth, AuthSCRAM, AuthMD5, AuthPassword)
	}
	for u := range cfg.Users {
		if u == "" {
			return nil, errors.New("postgres listener: a user name is empty")
		}
	}
	orDefault(&cfg.MaxConnections, DefaultMaxConnections)
	orDefault(&cfg.StartupTimeout, DefaultStartupTimeout)
	orDefault(&cfg.IdleTimeout, DefaultIdleTimeout)
	orDefault(&cfg.ReadTimeout, DefaultReadTimeout)
	orDefault(&cfg.WriteTimeout, DefaultWriteTimeout)
	orDefault(&cfg.MaxMessageBytes, DefaultMaxMessageBytes)
	orDefault(&cfg.MaxStatements, DefaultMaxStatements)
	orDefault(&cfg.MaxPortals, DefaultMaxPortals)
	if cfg.ServerVersion == "" {
		cfg.ServerVersion = DefaultServerVersion
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Server{cfg: cfg, q: q, logger: logger, users: newUsers(cfg.Users), met: newMetrics(cfg.Metrics), ctx: ctx, cancel: cancel,
		conns: make(map[uint32]*conn), refusing: make(map[net.Conn]struct{})}, nil
}

func orDefault[T int | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// Start listens and accepts connections in the background.
func (s *Server) Start() error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("postgres listener on %s: %w", s.cfg.Addr, err)
	}
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		ln.Close()
		return errors.New("postgres listener: closed")
	}
	s.ln = ln
	s.wg.Add(1)
	s.mu.Unlock()
	s.logger.Info("postgres listener started", "addr", ln.Addr().String(), "auth", s.authSummary())
	go s.accept(ln)
	return nil
}

func (s *Server) authSummary() string {
	if len(s.cfg.Users) == 0 {
		return "no users: loopback only, no password"
	}
	return s.cfg.Auth
}

// Addr is the listening address (useful with port 0); nil before Start.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// Close stops accepting, cancels running queries, closes every session
// and waits for their goroutines. Idempotent.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		s.wg.Wait()
		return nil
	}
	s.closing = true
	if s.ln != nil {
		s.ln.Close()
	}
	for _, c := range s.conns {
		c.nc.Close()
	}
	for nc := range s.refusing {
		nc.Close()
	}
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
	return nil
}

func (s *Server) accept(ln net.Listener) {
	defer s.wg.Done()
	var backoff time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			s.logger.Warn("postgres accept failed", "err", err, "retry_in", backoff)
			select {
			case <-time.After(backoff):
			case <-s.ctx.Done():
				return
			}
			continue
		}
		backoff = 0
		s.mu.Lock()
		if s.closing {
			s.mu.Unlock()
			nc.Close()
			return
		}
		if len(s.conns) >= s.cfg.MaxConnections {
			s.met.closed("max_connections")
			if len(s.refusing) >= refusers {
				s.mu.Unlock()
				nc.Close()
				continue
			}
			s.refusing[nc] = struct{}{}
			s.wg.Add(1)
			s.mu.Unlock()
			go s.refuse(nc)
			continue
		}
		c := newConn(s, nc)
		for {
			c.pid = binary.BigEndian.Uint32(randomBytes(4)) & 0x7fffffff
			if _, taken := s.conns[c.pid]; !taken && c.pid != 0 {
				break
			}
		}
		s.conns[c.pid] = c
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			s.met.connections.Inc()
			defer s.met.connections.Dec()
			c.serve()
			s.mu.Lock()
			delete(s.conns, c.pid)
			s.mu.Unlock()
		}()
	}
}

// refuse tells a client over the connection limit so, after reading its
// startup packet (answering an SSLRequest), as Postgres does.
func (s *Server) refuse(nc net.Conn) {
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		delete(s.refusing, nc)
		s.mu.Unlock()
	}()
	defer nc.Close()
	c := newConn(s, nc)
	nc.SetDeadline(time.Now().Add(5 * time.Second))
	if _, ok := c.readStartup(); !ok {
		return
	}
	c.be.Send(fatal(codeTooManyClients, fmt.Sprintf("sorry, too many clients already (the limit is %d connections)", s.cfg.MaxConnections)))
	_ = c.flush()
}

// cancelQuery answers a CancelRequest: the session with that process id
// and secret stops its running query, if any. A wrong secret is ignored
// without a word, as in Postgres.
func (s *Server) cancelQuery(pid uint32, secret []byte) {
	s.mu.Lock()
	c := s.conns[pid]
	s.mu.Unlock()
	if c == nil || subtle.ConstantTimeCompare(c.secret, secret) != 1 {
		return
	}
	c.cancelRunning()
}
