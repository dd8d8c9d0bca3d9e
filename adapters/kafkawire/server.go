// Package kafkawire is the inbound adapter that speaks the Kafka wire
// protocol. It decodes requests with franz-go's kmsg, calls the application
// services, and encodes responses; kmsg types never leave this package.
//
// One file per API key (00_produce.go, 01_fetch.go, …) registers its handler
// and version range in init, in the API-key table of apis.go; ApiVersions is
// built from that table.
package kafkawire

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/chronik-stream/chronik/application/fetch"
	"github.com/chronik-stream/chronik/application/groups"
	"github.com/chronik-stream/chronik/application/produce"
	"github.com/chronik-stream/chronik/application/registry"
	"github.com/chronik-stream/chronik/application/topics"
	"github.com/chronik-stream/chronik/ports/compression"
)

// Config is the listener's configuration.
type Config struct {
	Addr            string // host:port to listen on
	AdvertisedHost  string // host clients are told to connect to; never 0.0.0.0
	AdvertisedPort  int32
	NodeID          int32
	ClusterID       string
	MaxRequestBytes int32 // frames above this are refused before they are read
	InFlightBytes   int64 // requests held across connections, at their decoded size (DefaultInFlightBytes when 0)

	// Connection limits; zero values take the defaults below.
	MaxConnections      int           // open connections in all (Kafka's max.connections)
	MaxConnectionsPerIP int           // open connections from one address (max.connections.per.ip)
	IdleTimeout         time.Duration // a connection with no request for this long is closed (connections.max.idle.ms)
	RequestReadTimeout  time.Duration // a request's bytes must all arrive within this once its size is read

	// Fetch limits; zero values take the defaults below.
	FetchMaxBytes int32         // bound on every fetch response, whatever the client asks (fetch.max.bytes)
	FetchMaxWait  time.Duration // longest a fetch waits for min_bytes, whatever the client asks
	// FetchResponseBytes bounds the record bytes of fetch responses held
	// across connections (DefaultFetchResponseBytes when 0); a fetch that
	// finds too little of it free is answered at once, throttled.
	FetchResponseBytes int64

	DataDir       string
	BrokerConfigs []BrokerConfig // reported by DescribeConfigs for the broker
	// Metrics receives the listener's Prometheus series; nil keeps them
	// private.
	Metrics prometheus.Registerer

	// MaxUncompressedBatchBytes bounds what a compressed batch may
	// decompress to (DefaultMaxUncompressedBatchBytes when 0).
	MaxUncompressedBatchBytes int64
}

// BrokerConfig is one broker setting that DescribeConfigs reports, under
// Kafka's name. The values of "listeners" and "advertised.listeners" are
// replaced by the address the listener actually uses once it is open.
type BrokerConfig struct {
	Name    string
	Value   string
	Default string // the value when the operator sets nothing; "" when there is none
	Set     bool   // set by the operator (STATIC_BROKER_CONFIG), else DEFAULT_CONFIG
	Type    string // Kafka's type: boolean, string, int, short, long, double, list or password
	Doc     string // one sentence, sent to clients that ask for documentation (v3+)
}

// Defaults of the limits in Config.
const (
	DefaultMaxRequestBytes     = 100 << 20 // Kafka's socket.request.max.bytes
	DefaultMaxConnections      = 10000
	DefaultMaxConnectionsPerIP = 1000
	DefaultIdleTimeout         = 10 * time.Minute // Kafka's connections.max.idle.ms
	DefaultRequestReadTimeout  = 30 * time.Second
	DefaultFetchMaxBytes       = 55 << 20 // Kafka's fetch.max.bytes
	DefaultFetchMaxWait        = 30 * time.Second
	// DefaultMaxUncompressedBatchBytes bounds what one compressed batch
	// (or one legacy compressed message) may decompress to, and what one
	// Fetch response's down-conversion may produce.
	DefaultMaxUncompressedBatchBytes = 64 << 20
)

// Services are the application use cases the protocol calls.
type Services struct {
	Topics  *topics.Service
	Produce *produce.Service
	Fetch   *fetch.Service
	Groups  *groups.Service
	// Registry answers broker-side schema validation; nil refuses every
	// record of a topic that validates.
	Registry *registry.Service
}

func (s Services) schemaIDs() schemaIDs {
	if s.Registry == nil {
		return nil
	}
	return func(id int) bool { _, err := s.Registry.SchemaByID(id); return err == nil }
}

// Server accepts Kafka connections.
type Server struct {
	cfg    Config
	svc    Services
	logger *slog.Logger
	// inflate decompresses records; its buffers bound how many
	// decompressions are live at once across connections.
	inflate compression.Decompressor

	budget   *byteBudget
	fetchMem *byteBudget // record bytes of fetch responses, from their read until written
	metrics  *metrics

	ln     net.Listener
	ctx    context.Context // cancelled when Close begins: ends long polls
	cancel context.CancelFunc

	mu      sync.Mutex // guards conns, perAddr, closing
	conns   map[*conn]struct{}
	perAddr map[string]int // open connections by client IP
	closing bool
	wg      sync.WaitGroup // accept loop and connections
}

// New builds a server; Start opens the listener. Every decompression of
// records (produce validation, schema validation, legacy conversions,
// ListOffsets by timestamp) goes through inflate, within
// cfg.MaxUncompressedBatchBytes, into its buffers; inflate must not be
// nil.
func New(cfg Config, svc Services, inflate compression.Decompressor, logger *slog.Logger) *Server {
	if inflate == nil {
		panic("kafkawire.New: nil compression.Decompressor")
	}
	if cfg.MaxRequestBytes <= 0 {
		cfg.MaxRequestBytes = DefaultMaxRequestBytes
	}
	if cfg.ClusterID == "" {
		cfg.ClusterID = "chronik"
	}
	if cfg.InFlightBytes <= 0 {
		cfg.InFlightBytes = DefaultInFlightBytes
	}
	orDefault(&cfg.MaxConnections, DefaultMaxConnections)
	orDefault(&cfg.MaxConnectionsPerIP, DefaultMaxConnectionsPerIP)
	orDefault(&cfg.IdleTimeout, DefaultIdleTimeout)
	orDefault(&cfg.RequestReadTimeout, DefaultRequestReadTimeout)
	orDefault(&cfg.FetchMaxBytes, DefaultFetchMaxBytes)
	orDefault(&cfg.FetchMaxWait, DefaultFetchMaxWait)
	orDefault(&cfg.FetchResponseBytes, DefaultFetchResponseBytes)
	ctx, cancel := context.WithCancel(context.Background())
	return &Server{cfg: cfg, svc: svc, inflate: inflate, logger: logger, budget: newByteBudget(cfg.InFlightBytes), fetchMem: newByteBudget(cfg.FetchResponseBytes), metrics: newMetrics(cfg.Metrics),
		ctx: ctx, cancel: cancel, conns: make(map[*conn]struct{}), perAddr: make(map[string]int)}
}

// Start listens and accepts connections in the background.
func (s *Server) Start() error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("kafka listener on %s: %w", s.cfg.Addr, err)
	}
	s.ln = ln
	if s.cfg.AdvertisedPort == 0 {
		if p, err := strconv.Atoi(portOf(ln.Addr().String())); err == nil {
			s.cfg.AdvertisedPort = int32(p)
		}
	}
	s.logger.Info("kafka listener started", "addr", ln.Addr().String(),
		"advertised", net.JoinHostPort(s.cfg.AdvertisedHost, strconv.Itoa(int(s.cfg.AdvertisedPort))))
	s.wg.Add(1)
	go s.accept()
	return nil
}

// Addr is the listening address (useful with port 0).
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

func portOf(hostport string) string {
	_, p, _ := net.SplitHostPort(hostport)
	return p
}

func (s *Server) accept() {
	defer s.wg.Done()
	var backoff time.Duration
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// Temporary failures (e.g. too many open files): back off, go on.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			s.logger.Warn("accept failed", "err", err, "retry_in", backoff)
			time.Sleep(backoff)
			continue
		}
		backoff = 0
		addr := nc.RemoteAddr().String()
		if host, _, err := net.SplitHostPort(addr); err == nil {
			addr = host
		}
		s.mu.Lock()
		if s.closing {
			s.mu.Unlock()
			nc.Close()
			return
		}
		// Over a limit, the connection is closed before anything is read.
		if refused := s.overLimit(addr); refused >= 0 {
			s.mu.Unlock()
			nc.Close()
			s.metrics.closed(refused)
			s.logger.Debug("kafka connection refused", "remote", addr, "reason", closeReasons[refused])
			continue
		}
		c := newConn(s, nc, addr)
		s.conns[c] = struct{}{}
		s.perAddr[addr]++
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			s.metrics.connections.Inc()
			defer s.metrics.connections.Dec()
			c.serve()
			s.mu.Lock()
			delete(s.conns, c)
			if s.perAddr[addr]--; s.perAddr[addr] <= 0 {
				delete(s.perAddr, addr)
			}
			s.mu.Unlock()
		}()
	}
}

// overLimit says which connection limit a new connection from addr would
// pass (a close reason), or -1. Called with s.mu held.
func (s *Server) overLimit(addr string) int {
	switch {
	case len(s.conns) >= s.cfg.MaxConnections:
		return closeMaxConnections
	case s.perAddr[addr] >= s.cfg.MaxConnectionsPerIP:
		return closeMaxPerAddress
	}
	return -1
}

// maxDecoded is the most one request may cost decoded: the in-flight
// budget, or twice the largest frame if that is more, so that a Produce of
// the largest frame is always served.
func (s *Server) maxDecoded() int64 {
	return max(s.cfg.InFlightBytes, 2*int64(s.cfg.MaxRequestBytes))
}

func orDefault[T int | int32 | int64 | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// Close stops accepting, lets every connection answer the requests it has
// read, and waits for them. Idempotent.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return nil
	}
	s.closing = true
	for c := range s.conns {
		c.stopReading()
	}
	s.mu.Unlock()
	s.cancel()
	var err error
	if s.ln != nil {
		err = s.ln.Close()
	}
	s.wg.Wait()
	s.logger.Info("kafka listener stopped")
	return err
}
