package kafkawire

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime/debug"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kbin"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// pipelineDepth bounds how many requests of one connection may be read ahead
// of their responses (Kafka clients keep up to 5 produce requests in flight).
const pipelineDepth = 16

// durabilityTimeout bounds how long a response waits for its writes to
// become durable before it reports a timeout.
const durabilityTimeout = 30 * time.Second

// panicHook, when set (by tests), sees every recovered handler panic.
var panicHook func(any)

// conn serves one client connection. A reader goroutine (serve) decodes and
// handles requests in order; a writer goroutine encodes responses in the same
// order, first waiting for whatever each one deferred (e.g. an fsync).
type conn struct {
	srv *Server
	nc  net.Conn
	out chan *exchange
}

// exchange is one request on its way to becoming a response.
type exchange struct {
	key, version int16
	correlation  int32
	resp         kmsg.Response
	finish       func() // runs in the writer before encoding; may block
	noResponse   bool   // acks=0 produce: Kafka sends nothing back
	held         int64  // request bytes taken from the server's budget
	start        time.Time
}

// request is what a handler sees of one request.
type request struct {
	ctx      context.Context // ends when the server shuts down
	conn     *conn
	clientID string
	ex       *exchange
}

// Defer makes fn run before the response is written, off the reading
// goroutine, so that later requests of the connection are read meanwhile.
func (r *request) Defer(fn func()) { r.ex.finish = fn }

// NoResponse suppresses the response (acks=0).
func (r *request) NoResponse() { r.ex.noResponse = true }

func newConn(s *Server, nc net.Conn) *conn {
	return &conn{srv: s, nc: nc, out: make(chan *exchange, pipelineDepth)}
}

func (c *conn) stopReading() { _ = c.nc.SetReadDeadline(time.Now()) }

func (c *conn) serve() {
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.write()
	}()
	err := c.read()
	close(c.out)
	<-done
	c.nc.Close()
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) && !errors.Is(err, os.ErrDeadlineExceeded) {
		c.srv.logger.Info("closing kafka connection", "remote", c.nc.RemoteAddr().String(), "reason", err)
	}
}

// read decodes and handles requests until the connection ends or a request
// breaks the protocol.
func (c *conn) read() error {
	br := bufio.NewReaderSize(c.nc, 64<<10)
	var sizeBuf [4]byte
	for {
		if _, err := io.ReadFull(br, sizeBuf[:]); err != nil {
			return err
		}
		size := int32(binary.BigEndian.Uint32(sizeBuf[:]))
		if size < 8 || size > c.srv.cfg.MaxRequestBytes {
			return fmt.Errorf("request frame of %d bytes refused (allowed 8 to %d)", size, c.srv.cfg.MaxRequestBytes)
		}
		// Connections share one budget of request bytes in memory, so that
		// many clients pipelining large requests cannot exhaust it.
		if err := c.srv.budget.acquire(c.srv.ctx, int64(size)); err != nil {
			return err
		}
		frame := make([]byte, size)
		if _, err := io.ReadFull(br, frame); err != nil {
			c.srv.budget.release(int64(size))
			return err
		}
		ex, err := c.handle(frame)
		if err != nil {
			c.srv.budget.release(int64(size))
			return err
		}
		ex.held = int64(size)
		c.out <- ex
	}
}

// handle decodes one frame and runs its handler.
func (c *conn) handle(frame []byte) (ex *exchange, err error) {
	rd := kbin.Reader{Src: frame}
	key, version, corr := rd.Int16(), rd.Int16(), rd.Int32()
	clientID := rd.NullableString()
	if !rd.Ok() {
		return nil, fmt.Errorf("malformed request header")
	}
	h, ok := handlers[key]
	if !ok {
		return nil, fmt.Errorf("unknown API key %d", key)
	}
	ex = &exchange{key: key, version: version, correlation: corr, start: time.Now()}
	c.srv.metrics.request(key, version)
	if version < h.min || version > h.max {
		if key == apiVersionsKey {
			// KIP-511: answer an unknown ApiVersions version with a v0
			// response naming the versions we do support.
			ex.version = 0
			ex.resp = unsupportedAPIVersions()
			return ex, nil
		}
		return nil, fmt.Errorf("%s v%d is not supported (v%d to v%d are)", kmsg.NameForKey(key), version, h.min, h.max)
	}
	req := kmsg.RequestForKey(key)
	req.SetVersion(version)
	if req.IsFlexible() {
		kmsg.SkipTags(&rd)
		if !rd.Ok() {
			return nil, fmt.Errorf("malformed tags in %s v%d request header", kmsg.NameForKey(key), version)
		}
	}
	if err := req.ReadFrom(rd.Src); err != nil {
		return nil, fmt.Errorf("decoding %s v%d: %w", kmsg.NameForKey(key), version, err)
	}
	defer func() {
		if r := recover(); r != nil {
			if panicHook != nil {
				panicHook(r)
			}
			c.srv.logger.Error("handler panicked", "api", kmsg.NameForKey(key), "version", version, "panic", r, "stack", string(debug.Stack()))
			ex, err = nil, fmt.Errorf("internal error handling %s", kmsg.NameForKey(key))
		}
	}()
	var cid string
	if clientID != nil {
		cid = *clientID
	}
	r := &request{ctx: c.srv.ctx, conn: c, clientID: cid, ex: ex}
	resp, err := h.fn(r, req)
	if err != nil {
		return nil, err
	}
	resp.SetVersion(version)
	ex.resp = resp
	return ex, nil
}

// responseBuffers recycles encoding buffers across connections, so that
// large fetch responses do not allocate (and fault in) fresh memory each time.
var responseBuffers = sync.Pool{New: func() any { return new([]byte) }}

// maxPooledBuffer: larger buffers are left to the garbage collector.
const maxPooledBuffer = 64 << 20

// write encodes responses in request order.
func (c *conn) write() {
	bw := bufio.NewWriterSize(c.nc, 64<<10)
	broken := false
	for ex := range c.out {
		if broken {
			c.srv.budget.release(ex.held)
			continue // drain so the reader never blocks
		}
		if ex.finish != nil {
			ex.finish()
		}
		c.srv.budget.release(ex.held)
		if ex.noResponse {
			c.srv.metrics.done(ex.key, ex.start)
			continue
		}
		bp := responseBuffers.Get().(*[]byte)
		buf := encodeResponse((*bp)[:0], ex)
		_, err := bw.Write(buf)
		if cap(buf) <= maxPooledBuffer {
			*bp = buf
			responseBuffers.Put(bp)
		}
		if err == nil && len(c.out) == 0 {
			err = bw.Flush()
		}
		c.srv.metrics.done(ex.key, ex.start)
		if err != nil {
			broken = true
			c.nc.Close()
		}
	}
	if !broken {
		_ = bw.Flush()
	}
}

func encodeResponse(dst []byte, ex *exchange) []byte {
	dst = append(dst, 0, 0, 0, 0)
	dst = binary.BigEndian.AppendUint32(dst, uint32(ex.correlation))
	// Flexible responses carry header tags, except ApiVersions, whose
	// response header is always v0 so that any client can read it.
	if ex.resp.IsFlexible() && ex.key != apiVersionsKey {
		dst = append(dst, 0)
	}
	dst = ex.resp.AppendTo(dst)
	binary.BigEndian.PutUint32(dst, uint32(len(dst)-4))
	return dst
}
