package httpapi

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/chronik-stream/chronik/application/fetch"
	"github.com/chronik-stream/chronik/application/groups"
	"github.com/chronik-stream/chronik/application/indexing"
	"github.com/chronik-stream/chronik/application/registry"
	"github.com/chronik-stream/chronik/application/sql"
	"github.com/chronik-stream/chronik/application/textsearch"
	"github.com/chronik-stream/chronik/application/tiering"
	"github.com/chronik-stream/chronik/application/topics"
)

// Defaults of Config's zero fields.
const (
	DefaultMaxBodyBytes    = 16 << 20
	DefaultShutdownTimeout = 10 * time.Second
	// DefaultRegistryMaxBodyBytes: Confluent's schemas are rarely above
	// 1 MiB, and a schema's text grows a little when escaped into the
	// request's JSON string.
	DefaultRegistryMaxBodyBytes = 2 << 20
	// DefaultRegistryBodyBudget: one body of the largest size, or hundreds
	// of ordinary ones, handled at once. Compiling a 2 MiB Protobuf schema
	// holds about 170 MB; two at once took the node past 1.9 GB of RSS
	// under the node's GC target of 400%.
	DefaultRegistryBodyBudget = 2 << 20
	// DefaultRegistryBodyWait is how long a registry request waits for room
	// in the budget before it is answered 503.
	DefaultRegistryBodyWait = 5 * time.Second
)

// Config is what the two HTTP servers are started with.
type Config struct {
	// UnifiedAddr is the unified API's listen address, host:port; port 0
	// picks a free port (UnifiedAddr() tells which).
	UnifiedAddr string
	// AdminAddr is the admin API's listen address, host:port; port 0 picks
	// a free port.
	AdminAddr string
	// AdminKey is the X-API-Key every admin API call but /admin/health must
	// carry. Required.
	AdminKey string
	// AdminTLSCert and AdminTLSKey are PEM files: with both set the admin
	// API speaks HTTPS only.
	AdminTLSCert, AdminTLSKey string
	// RegistryAuth turns on HTTP Basic auth for the schema registry routes
	// (on both ports), with RegistryUsers (user → password) as the users.
	RegistryAuth  bool
	RegistryUsers map[string]string
	// MaxBodyBytes bounds request bodies (0: DefaultMaxBodyBytes).
	MaxBodyBytes int64
	// RegistryMaxBodyBytes bounds a schema registry request's body (0:
	// DefaultRegistryMaxBodyBytes); RegistryBodyBudget the bytes of
	// registry bodies handled at once (0: DefaultRegistryBodyBudget), at
	// least RegistryMaxBodyBytes; RegistryBodyWait how long a request waits
	// for room in it (0: DefaultRegistryBodyWait).
	RegistryMaxBodyBytes int64
	RegistryBodyBudget   int64
	RegistryBodyWait     time.Duration
	// ShutdownTimeout bounds how long Close waits for requests in flight
	// before cutting connections (0: DefaultShutdownTimeout).
	ShutdownTimeout time.Duration
	// Node describes the broker in /admin/status.
	Node NodeInfo
}

// NodeInfo is what /admin/status says about the broker besides counts.
type NodeInfo struct {
	ID         int32
	Version    string
	Commit     string
	DataDir    string
	Advertised string // host:port Kafka clients are told to use
	// KafkaAddr returns the Kafka listener's bound address; nil: unknown.
	KafkaAddr func() string
}

// Services are the use cases the routes call. Tiering and Metrics may be
// nil (no tiering section in /admin/status; no /metrics).
type Services struct {
	Topics   *topics.Service
	Fetch    *fetch.Service
	Groups   *groups.Service
	Tiering  *tiering.Store
	Registry *registry.Service
	SQL      *sql.Service        // nil: no /_sql routes
	Search   *textsearch.Service // nil: no search routes
	Indexing *indexing.Pipeline  // nil: no indexing section in /admin/status
	Metrics  http.Handler
}

// Server is the unified API and the admin API: two listeners, each with
// its own routes, started by Start and stopped by Close. Health answers
// 503 until SetReady(true).
type Server struct {
	cfg     Config
	svc     Services
	logger  *slog.Logger
	unified *echo.Echo
	admin   *echo.Echo
	tls     *tls.Config
	ready   atomic.Bool
	started atomic.Pointer[time.Time]

	mu      sync.Mutex // guards the fields below
	servers []*http.Server
	addrs   [2]net.Addr // unified, admin
	closed  bool
	wg      sync.WaitGroup // one per serving goroutine
}

// New builds the routes of both APIs; nothing listens until Start.
func New(cfg Config, svc Services, logger *slog.Logger) (*Server, error) {
	if cfg.AdminKey == "" {
		return nil, errors.New("httpapi: the admin API key is empty")
	}
	if cfg.RegistryAuth && len(cfg.RegistryUsers) == 0 {
		return nil, errors.New("httpapi: schema registry Basic auth is on but no user is configured")
	}
	if (cfg.AdminTLSCert == "") != (cfg.AdminTLSKey == "") {
		return nil, errors.New("httpapi: the admin TLS certificate and key must be given together")
	}
	if svc.Topics == nil || svc.Fetch == nil || svc.Groups == nil || svc.Registry == nil {
		return nil, errors.New("httpapi: the topics, fetch, groups and registry services are required")
	}
	orDefault(&cfg.MaxBodyBytes, DefaultMaxBodyBytes)
	orDefault(&cfg.ShutdownTimeout, DefaultShutdownTimeout)
	orDefault(&cfg.RegistryMaxBodyBytes, DefaultRegistryMaxBodyBytes)
	orDefault(&cfg.RegistryBodyBudget, DefaultRegistryBodyBudget)
	if cfg.RegistryBodyBudget < cfg.RegistryMaxBodyBytes {
		return nil, fmt.Errorf("httpapi: the registry body budget (%d bytes) is smaller than one registry body (%d bytes)", cfg.RegistryBodyBudget, cfg.RegistryMaxBodyBytes)
	}
	orDefault(&cfg.RegistryBodyWait, DefaultRegistryBodyWait)
	s := &Server{cfg: cfg, svc: svc, logger: logger}
	if cfg.AdminTLSCert != "" {
		cert, err := tls.LoadX509KeyPair(cfg.AdminTLSCert, cfg.AdminTLSKey)
		if err != nil {
			return nil, fmt.Errorf("httpapi: admin TLS certificate %s and key %s: %w", cfg.AdminTLSCert, cfg.AdminTLSKey, err)
		}
		s.tls = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
	}
	s.unified = s.newEcho()
	s.admin = s.newEcho()
	s.routes()
	return s, nil
}

func (s *Server) newEcho() *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	e.IPExtractor = echo.ExtractIPDirect()
	// Route on the escaped path, always, so that a subject holding '/' or
	// '%' reaches its handler as one path element; handlers unescape.
	e.Pre(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			u := c.Request().URL
			u.RawPath = u.EscapedPath()
			return next(c)
		}
	})
	return e
}

// UnifiedHandler is the unified API's routes, for tests.
func (s *Server) UnifiedHandler() http.Handler { return s.unified }

// AdminHandler is the admin API's routes (without TLS), for tests.
func (s *Server) AdminHandler() http.Handler { return s.admin }

// SetReady says whether /health answers 200 (ready) or 503.
func (s *Server) SetReady(ready bool) { s.ready.Store(ready) }

// Start listens on both addresses and serves in the background. A Server
// starts once; after Close it does not start again.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("httpapi: the server is closed")
	}
	if s.servers != nil {
		return errors.New("httpapi: the server is started already")
	}
	uln, err := net.Listen("tcp", s.cfg.UnifiedAddr)
	if err != nil {
		return fmt.Errorf("unified HTTP API: %w", err)
	}
	aln, err := net.Listen("tcp", s.cfg.AdminAddr)
	if err != nil {
		uln.Close()
		return fmt.Errorf("admin HTTP API: %w", err)
	}
	now := time.Now()
	s.started.Store(&now)
	s.addrs = [2]net.Addr{uln.Addr(), aln.Addr()}
	errLog := slog.NewLogLogger(s.logger.Handler(), slog.LevelDebug)
	newServer := func(h http.Handler) *http.Server {
		return &http.Server{
			Handler:           h,
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       time.Minute,
			IdleTimeout:       2 * time.Minute,
			MaxHeaderBytes:    64 << 10,
			ErrorLog:          errLog,
		}
	}
	unified, admin := newServer(s.unified), newServer(s.admin)
	admin.TLSConfig = s.tls
	s.servers = []*http.Server{unified, admin}
	s.serve("unified", func() error { return unified.Serve(uln) })
	s.serve("admin", func() error {
		if s.tls != nil {
			return admin.ServeTLS(aln, "", "")
		}
		return admin.Serve(aln)
	})
	s.logger.Info("HTTP APIs listening", "unified", uln.Addr().String(), "admin", aln.Addr().String(), "admin_tls", s.tls != nil, "registry_basic_auth", s.cfg.RegistryAuth)
	return nil
}

// serve runs fn on a goroutine Close waits for. Caller holds mu.
func (s *Server) serve(name string, fn func() error) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := fn(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.logger.Error("HTTP API stopped serving", "api", name, "err", err)
		}
	}()
}

// UnifiedAddr is the unified API's bound address (nil before Start).
func (s *Server) UnifiedAddr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addrs[0]
}

// orDefault sets a limit left at zero (or below) to its default.
func orDefault[T int64 | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// AdminAddr is the admin API's bound address (nil before Start).
func (s *Server) AdminAddr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addrs[1]
}

// Close stops both servers: health turns 503, listeners close, requests in
// flight get up to ShutdownTimeout to finish, then their connections are
// cut. It waits for the serving goroutines. Idempotent.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	servers := s.servers
	s.mu.Unlock()
	s.ready.Store(false)

	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	var wg sync.WaitGroup
	for _, srv := range servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := srv.Shutdown(ctx); err != nil {
				s.logger.Warn("HTTP requests still running at shutdown were cut off", "timeout", s.cfg.ShutdownTimeout, "err", err)
				_ = srv.Close()
			}
		}()
	}
	wg.Wait()
	s.wg.Wait()
	return nil
}
