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
	"sync/atomic"
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
// order, first waiting for whatever each one deferred (an fsync, a long
// poll). The reader keeps reading meanwhile, so it notices when the client
// goes away and ends the connection's context.
type conn struct {
	srv  *Server
	nc   net.Conn
	addr string // the client's IP address, for the per-address limit
	out  chan *exchange

	// ctx ends when the connection stops reading (the client left, broke
	// the protocol, or the server shuts down): deferred work such as a long
	// poll answers at once.
	ctx    context.Context
	cancel context.CancelFunc

	pending  atomic.Int32 // requests read and not yet answered
	lastDone atomic.Int64 // when the last response was written (unix ns)
	ticket   ticket       // the frame being read, in the server's budget

	mu      sync.Mutex // guards stopped and the read deadline
	stopped bool
}

// exchange is one request on its way to becoming a response.
type exchange struct {
	key, version int16
	correlation  int32
	resp         kmsg.Response
	finish       func() // runs in the writer before encoding; may block
	noResponse   bool   // acks=0 produce: Kafka sends nothing back
	held         int64  // request bytes taken from the server's budget
	fetchHeld    int64  // response bytes taken from the server's fetch memory
	start        time.Time
}

// request is what a handler sees of one request.
type request struct {
	ctx      context.Context // ends when the connection or the server closes
	conn     *conn
	clientID string
	ex       *exchange
}

// Defer makes fn run before the response is written, off the reading
// goroutine, so that later requests of the connection are read meanwhile
// and a client that leaves is noticed (r.ctx ends).
func (r *request) Defer(fn func()) { r.ex.finish = fn }

// NoResponse suppresses the response (acks=0).
func (r *request) NoResponse() { r.ex.noResponse = true }

func newConn(s *Server, nc net.Conn, addr string) *conn {
	ctx, cancel := context.WithCancel(s.ctx)
	return &conn{srv: s, nc: nc, addr: addr, out: make(chan *exchange, pipelineDepth), ctx: ctx, cancel: cancel}
}

// stopReading makes the reader return at once, and keeps it from arming a
// later deadline.
func (c *conn) stopReading() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopped = true
	_ = c.nc.SetReadDeadline(time.Now())
}

func (c *conn) readDeadline(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.stopped {
		_ = c.nc.SetReadDeadline(time.Now().Add(d))
	}
}

func (c *conn) isStopped() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stopped
}

func (c *conn) serve() {
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.write()
	}()
	err := c.read()
	c.cancel()
	close(c.out)
	<-done
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
		c.discardUnread()
	}
	c.nc.Close()
	switch {
	case err == nil, errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed), errors.Is(err, context.Canceled):
	case errors.Is(err, errIdle):
		c.srv.metrics.closed(closeIdle)
		c.srv.logger.Debug("closing idle kafka connection", "remote", c.nc.RemoteAddr().String())
	case errors.Is(err, os.ErrDeadlineExceeded) && c.isStopped():
	case errors.Is(err, os.ErrDeadlineExceeded):
		c.srv.metrics.closed(closeSlow)
		c.srv.logger.Debug("closing kafka connection: request not received in time", "remote", c.nc.RemoteAddr().String(), "timeout", c.srv.cfg.RequestReadTimeout)
	default:
		// Bad frames are a client's problem, and one line each at a higher
		// level would let any client flood the log.
		c.srv.metrics.closed(closeProtocol)
		c.srv.logger.Debug("closing kafka connection", "remote", c.nc.RemoteAddr().String(), "reason", err)
	}
}

// discardUnread reads what the client already sent, briefly, so that
// closing the socket ends it with FIN rather than a reset that would hide
// the close from the client.
func (c *conn) discardUnread() {
	c.mu.Lock()
	_ = c.nc.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
	c.mu.Unlock()
	_, _ = io.CopyN(io.Discard, c.nc, 64<<10)
}

// errIdle ends a connection that sent no request for the idle timeout
// while nothing of it was in flight.
var errIdle = errors.New("connection idle")

// readers are the buffered readers of connections that are reading a
// request; an idle connection holds none.
var readers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 32<<10) }}

// read decodes and handles requests until the connection ends or a request
// breaks the protocol.
func (c *conn) read() error {
	var br *bufio.Reader
	defer func() {
		if br != nil {
			br.Reset(nil)
			readers.Put(br)
		}
	}()
	var sizeBuf [4]byte
	for {
		if br == nil || br.Buffered() == 0 {
			// Nothing buffered: give the reader back while waiting.
			if br != nil {
				br.Reset(nil)
				readers.Put(br)
				br = nil
			}
			if err := c.awaitRequest(sizeBuf[:]); err != nil {
				return err
			}
			br = readers.Get().(*bufio.Reader)
			br.Reset(c.nc)
			c.readDeadline(c.srv.cfg.RequestReadTimeout)
		} else {
			c.readDeadline(c.srv.cfg.RequestReadTimeout)
			if _, err := io.ReadFull(br, sizeBuf[:]); err != nil {
				return err
			}
		}
		size := int32(binary.BigEndian.Uint32(sizeBuf[:]))
		if size < 8 || size > c.srv.cfg.MaxRequestBytes {
			return fmt.Errorf("request frame of %d bytes refused (allowed 8 to %d)", size, c.srv.cfg.MaxRequestBytes)
		}
		// A request other than Produce that would be too large decoded is
		// refused on its key, before its body is read.
		if head, err := br.Peek(2); err != nil {
			return err
		} else if key := int16(binary.BigEndian.Uint16(head)); key != 0 {
			if est, limit := keyDecodedSize(key, int(size)), c.srv.maxDecoded(); est > limit {
				return fmt.Errorf("%s request of %d bytes refused: decoded it would take about %d bytes (allowed %d)",
					kmsg.NameForKey(key), size, est, limit)
			}
		}
		ex, err := c.readAndHandle(br, int(size))
		if err != nil {
			return err
		}
		c.pending.Add(1)
		c.out <- ex
	}
}

// awaitRequest reads the 4-byte size of the next request straight from the
// socket, for up to the idle timeout. While a request of the connection is
// still being answered (a long poll), the connection is not idle.
func (c *conn) awaitRequest(buf []byte) error {
	idle := c.srv.cfg.IdleTimeout
	wait := idle
	for got := 0; got < len(buf); {
		c.readDeadline(wait)
		n, err := c.nc.Read(buf[got:])
		got += n
		if err == nil {
			continue
		}
		if errors.Is(err, os.ErrDeadlineExceeded) && !c.isStopped() {
			if c.pending.Load() > 0 {
				wait = idle
				continue
			}
			// Idle counts from the last answer too.
			if since := time.Since(time.Unix(0, c.lastDone.Load())); since < idle {
				wait = idle - since
				continue
			}
			return errIdle
		}
		if got > 0 && errors.Is(err, io.EOF) {
			return io.ErrUnexpectedEOF
		}
		return err
	}
	return nil
}

// firstChunk is the least a frame's buffer starts with; it grows by
// growFactor as bytes arrive, and takes budget for each growth, so a client
// holds at most about growFactor times the bytes it has sent.
const (
	firstChunk = 16 << 10
	growFactor = 8
)

// readAndHandle reads one frame of size bytes and handles it. Budget is
// taken as the frame's bytes arrive, then for its decoded size; it is held
// until the response is written.
func (c *conn) readAndHandle(br *bufio.Reader, size int) (*exchange, error) {
	b, t := c.srv.budget, &c.ticket
	b.begin(t)
	frame, held, err := c.readFrameCharged(b, t, br, size)
	b.end(t) // the request now holds its budget until answered
	if err != nil {
		b.release(held)
		return nil, err
	}
	ex, err := c.handle(frame)
	if err != nil {
		b.release(held)
		return nil, err
	}
	ex.held = held
	return ex, nil
}

// readFrameCharged reads a frame and takes budget for its decoded size.
func (c *conn) readFrameCharged(b *byteBudget, t *ticket, br *bufio.Reader, size int) ([]byte, int64, error) {
	frame, held, err := readFrame(c.ctx, b, t, br, size)
	if err != nil {
		return nil, held, err
	}
	// Decoding builds Go values much larger than their wire bytes: take
	// budget for that too, before decoding.
	decoded := decodedSize(frame)
	if limit := c.srv.maxDecoded(); decoded > limit {
		key := int16(binary.BigEndian.Uint16(frame))
		return nil, held, fmt.Errorf("%s request of %d bytes refused: decoded it would take about %d bytes (allowed %d)",
			kmsg.NameForKey(key), size, decoded, limit)
	}
	if extra := decoded - held; extra > 0 {
		if err := b.acquire(c.ctx, t, extra); err != nil {
			return nil, held, err
		}
		held += extra
	}
	return frame, held, nil
}

// readFrame reads size bytes into a buffer that grows as they arrive,
// taking budget for each growth under ticket t. It returns the budget held,
// also on error.
func readFrame(ctx context.Context, b *byteBudget, t *ticket, br *bufio.Reader, size int) (frame []byte, held int64, err error) {
	n := min(size, max(firstChunk, br.Buffered()))
	if err := b.acquire(ctx, t, int64(n)); err != nil {
		return nil, 0, err
	}
	held = int64(n)
	frame = make([]byte, 0, n)
	for len(frame) < size {
		if len(frame) == cap(frame) {
			grown := min(size, growFactor*cap(frame))
			if err := b.acquire(ctx, t, int64(grown-cap(frame))); err != nil {
				return nil, held, err
			}
			held += int64(grown - cap(frame))
			frame = append(make([]byte, 0, grown), frame...)
		}
		m, err := br.Read(frame[len(frame):cap(frame)])
		frame = frame[:len(frame)+m]
		if err != nil && len(frame) < size {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, held, err
		}
	}
	return frame, held, nil
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
	if version < h.min || version > h.max {
		// Metric labels only ever come from validated keys and versions.
		c.srv.metrics.unsupported(key)
		if key == apiVersionsKey {
			// KIP-511: answer an unknown ApiVersions version with a v0
			// response naming the versions we do support.
			ex.version = 0
			ex.resp = unsupportedAPIVersions()
			return ex, nil
		}
		return nil, fmt.Errorf("%s v%d is not supported (v%d to v%d are)", kmsg.NameForKey(key), version, h.min, h.max)
	}
	c.srv.metrics.request(key, version)
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
			c.srv.fetchMem.release(ex.fetchHeld)
			c.srv.logger.Error("handler panicked", "api", kmsg.NameForKey(key), "version", version, "panic", r, "stack", string(debug.Stack()))
			ex, err = nil, fmt.Errorf("internal error handling %s", kmsg.NameForKey(key))
		}
	}()
	var cid string
	if clientID != nil {
		cid = *clientID
	}
	r := &request{ctx: c.ctx, conn: c, clientID: cid, ex: ex}
	resp, err := h.fn(r, req)
	if err != nil {
		c.srv.fetchMem.release(ex.fetchHeld)
		return nil, err
	}
	resp.SetVersion(version)
	ex.resp = resp
	return ex, nil
}

// write encodes responses in request order. Responses that are ready
// together go out in one write; the buffer is pooled and held only while
// responses are pending.
func (c *conn) write() {
	var (
		bp     *[]byte
		buf    []byte
		broken bool
		// fetch memory of the responses encoded in buf: released once
		// buf is written, as their bytes live in it until then.
		encoded int64
	)
	flush := func() {
		if len(buf) > 0 && !broken {
			// A client that stops reading its responses is cut off after the
			// idle timeout rather than holding its requests' budget forever.
			_ = c.nc.SetWriteDeadline(time.Now().Add(c.srv.cfg.IdleTimeout))
			if _, err := c.nc.Write(buf); err != nil {
				broken = true
				c.cancel()
				c.nc.Close()
			}
		}
		if cap(buf) <= maxPooledBuffer {
			*bp = buf[:0]
			responseBuffers.Put(bp)
		}
		bp, buf = nil, nil
		c.srv.fetchMem.release(encoded)
		encoded = 0
	}
	for ex := range c.out {
		if bp != nil && ex.finish != nil {
			flush() // what is ready goes out before work that may wait (a long poll)
		}
		if !broken && ex.finish != nil && !c.finish(ex) {
			broken = true
			c.cancel()
			c.nc.Close()
		}
		if !broken {
			if !ex.noResponse {
				if bp == nil {
					bp = responseBuffers.Get().(*[]byte)
					buf = (*bp)[:0]
				}
				buf = encodeResponse(buf, ex)
			}
		}
		// The response's bytes now live in buf: drop the decoded response
		// (a fetch's records) so that only one copy is held while buf is
		// written to a client that may read slowly.
		ex.resp, ex.finish = nil, nil
		c.srv.budget.release(ex.held)
		if bp != nil {
			encoded += ex.fetchHeld
		} else {
			c.srv.fetchMem.release(ex.fetchHeld)
		}
		if bp != nil && (len(c.out) == 0 || len(buf) >= maxCoalesced) {
			flush()
		}
		if !broken {
			c.srv.metrics.done(ex.key, ex.start)
		}
		c.lastDone.Store(time.Now().UnixNano())
		c.pending.Add(-1)
	}
	if bp != nil {
		flush()
	}
}

// finish runs the work a handler deferred; false if it panicked, which
// closes the connection as a handler panic does.
func (c *conn) finish(ex *exchange) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			if panicHook != nil {
				panicHook(r)
			}
			c.srv.logger.Error("deferred handler work panicked", "api", kmsg.NameForKey(ex.key), "version", ex.version, "panic", r, "stack", string(debug.Stack()))
			ok = false
		}
	}()
	ex.finish()
	return true
}

// maxCoalesced: responses are written once this many bytes are encoded,
// even if more are ready.
const maxCoalesced = 1 << 20

// responseBuffers recycles encoding buffers across connections, so that
// large fetch responses do not allocate (and fault in) fresh memory each time.
var responseBuffers = sync.Pool{New: func() any { return new([]byte) }}

// maxPooledBuffer: larger buffers are left to the garbage collector.
const maxPooledBuffer = 64 << 20

// encodeResponse appends ex's response, with its size prefix, to dst.
func encodeResponse(dst []byte, ex *exchange) []byte {
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0)
	dst = binary.BigEndian.AppendUint32(dst, uint32(ex.correlation))
	// Flexible responses carry header tags, except ApiVersions, whose
	// response header is always v0 so that any client can read it.
	if ex.resp.IsFlexible() && ex.key != apiVersionsKey {
		dst = append(dst, 0)
	}
	dst = ex.resp.AppendTo(dst)
	binary.BigEndian.PutUint32(dst[start:], uint32(len(dst)-start-4))
	return dst
}
