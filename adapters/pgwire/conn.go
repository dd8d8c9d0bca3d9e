package pgwire

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/chronik-stream/chronik/ports/columnar"
)

// conn is one client session. Its goroutine (serve) owns everything but
// the fields under mu, which CancelRequest reaches from another session.
type conn struct {
	srv    *Server
	nc     net.Conn
	rd     *deadlineReader
	be     *pgproto3.Backend
	pid    uint32
	secret []byte
	remote net.Addr

	user     string
	settings map[string]string // session settings SET may change
	tx       byte              // 'I' idle, 'T' in a transaction, 'E' in a failed one
	stmts    map[string]*statement
	portals  map[string]*portal
	stmtText int // bytes of SQL held by stmts

	// skipToSync: an extended-protocol message failed, so the ones up
	// to the next Sync are skipped.
	skipToSync bool

	mu       sync.Mutex         // guards running, canceled
	running  context.CancelFunc // the running query's, nil between queries
	canceled bool               // running was cancelled by a CancelRequest
}

// statement is a prepared statement (Parse).
type statement struct {
	sql       string
	paramOIDs []uint32
	described *result // columns learnt by Describe, nil until then
}

// portal is a bound statement (Bind) and, once executed or described,
// its result.
type portal struct {
	stmt    *statement
	params  []any
	formats []int16 // result formats as the client gave them
	res     *result
	sent    int // rows already sent by Execute
}

// deadlineReader gives a message ReadTimeout once its first bytes came
// in, while the wait for a message may last IdleTimeout.
type deadlineReader struct {
	nc      net.Conn
	timeout time.Duration
	waiting bool
}

func (r *deadlineReader) Read(p []byte) (int, error) {
	n, err := r.nc.Read(p)
	if n > 0 && r.waiting && r.timeout > 0 {
		r.waiting = false
		r.nc.SetReadDeadline(time.Now().Add(r.timeout))
	}
	return n, err
}

func newConn(s *Server, nc net.Conn) *conn {
	rd := &deadlineReader{nc: nc}
	c := &conn{srv: s, nc: nc, rd: rd, be: pgproto3.NewBackend(rd, nc), secret: randomBytes(4), remote: nc.RemoteAddr(),
		settings: defaultSettings(s.cfg.ServerVersion), tx: 'I', stmts: map[string]*statement{}, portals: map[string]*portal{}}
	c.be.SetMaxBodyLen(s.cfg.MaxMessageBytes)
	return c
}

// flush writes what is buffered, within WriteTimeout. A write that
// failed may have sent part of a message, after which nothing else can be
// framed: the connection is closed, and the session ends at its next read.
func (c *conn) flush() error {
	c.nc.SetWriteDeadline(time.Now().Add(c.srv.cfg.WriteTimeout))
	err := c.be.Flush()
	if err != nil {
		c.srv.met.closed("write_failed")
		c.nc.Close()
	}
	return err
}

func (c *conn) serve() {
	defer c.nc.Close()
	c.nc.SetDeadline(time.Now().Add(c.srv.cfg.StartupTimeout))
	sm, ok := c.readStartup()
	if !ok || !c.startup(sm) {
		return
	}
	c.nc.SetDeadline(time.Time{})
	c.rd.timeout = c.srv.cfg.ReadTimeout
	for {
		c.rd.waiting = true
		c.nc.SetReadDeadline(time.Now().Add(c.srv.cfg.IdleTimeout))
		msg, err := c.be.Receive()
		if err != nil {
			c.readFailed(err)
			return
		}
		if !c.handle(msg) {
			return
		}
	}
}

// readFailed ends a session whose read failed, telling the client why
// when it is still there to hear it.
func (c *conn) readFailed(err error) {
	var ne net.Error
	var tooBig *pgproto3.ExceededMaxBodyLenErr
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed):
		// The client went away (pgproto3 reports every EOF as unexpected)
		// or Close closed the connection: nobody to tell.
		c.srv.logger.Debug("postgres session ended", "remote", c.remote.String(), "err", err)
		return
	case errors.As(err, &tooBig):
		c.srv.met.closed("too_large")
		c.be.Send(fatal(codeProtocol, fmt.Sprintf("message of %d bytes is larger than the limit of %d bytes", tooBig.ActualBodyLen, tooBig.MaxExpectedBodyLen)))
	case errors.As(err, &ne) && ne.Timeout():
		if c.rd.waiting {
			c.srv.met.closed("idle")
			c.be.Send(fatal(codeIdleTimeout, fmt.Sprintf("terminating connection due to idle-session timeout (%s)", c.srv.cfg.IdleTimeout)))
		} else {
			c.srv.met.closed("read_timeout")
			c.be.Send(fatal(codeProtocol, fmt.Sprintf("a message did not arrive whole within the read timeout (%s)", c.srv.cfg.ReadTimeout)))
		}
	default:
		c.srv.met.closed("protocol_error")
		c.be.Send(fatal(codeProtocol, "invalid message: "+err.Error()))
	}
	c.srv.logger.Debug("postgres session closed", "remote", c.remote.String(), "err", err)
	_ = c.flush()
}

// readStartup reads the startup packet, answering SSLRequest and
// GSSENCRequest with 'N' (no TLS, no GSS encryption) and serving a
// CancelRequest. ok is false when the connection should close.
func (c *conn) readStartup() (*pgproto3.StartupMessage, bool) {
	for range 3 {
		msg, err := c.be.ReceiveStartupMessage()
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					c.srv.met.closed("startup_timeout")
					c.be.Send(fatal(codeProtocol, fmt.Sprintf("startup did not complete within %s", c.srv.cfg.StartupTimeout)))
				} else {
					c.srv.met.closed("protocol_error")
					c.be.Send(fatal(codeProtocol, "invalid startup packet: "+err.Error()))
				}
				_ = c.flush()
			}
			return nil, false
		}
		switch m := msg.(type) {
		case *pgproto3.SSLRequest, *pgproto3.GSSEncRequest:
			c.nc.SetWriteDeadline(time.Now().Add(c.srv.cfg.WriteTimeout))
			if _, err := c.nc.Write([]byte{'N'}); err != nil {
				return nil, false
			}
		case *pgproto3.CancelRequest:
			c.srv.cancelQuery(m.ProcessID, m.SecretKey)
			return nil, false
		case *pgproto3.StartupMessage:
			return m, true
		}
	}
	c.be.Send(fatal(codeProtocol, "too many encryption requests before the startup packet"))
	_ = c.flush()
	return nil, false
}

// startup authenticates the session and tells the client its settings.
func (c *conn) startup(sm *pgproto3.StartupMessage) bool {
	var unrecognized []string
	for k := range sm.Parameters {
		if strings.HasPrefix(k, "_pq_.") {
			unrecognized = append(unrecognized, k)
		}
	}
	if sm.ProtocolVersion != pgproto3.ProtocolVersion30 || len(unrecognized) > 0 {
		// Speak 3.0, the version every client knows.
		c.be.Send(&pgproto3.NegotiateProtocolVersion{NewestMinorProtocol: 0, UnrecognizedOptions: unrecognized})
	}
	user := sm.Parameters["user"]
	if user == "" {
		c.be.Send(fatal(codeAuthSpec, "no PostgreSQL user name specified in startup packet"))
		_ = c.flush()
		return false
	}
	c.user = user
	if len(c.srv.cfg.Users) == 0 {
		if !isLoopback(c.remote) {
			c.srv.met.closed("not_loopback")
			c.be.Send(fatal(codeAuthSpec, "no SQL users are configured (CHRONIK_SQL_USERS), so only connections from this machine (loopback) are accepted"))
			_ = c.flush()
			c.srv.logger.Info("postgres connection refused: not loopback and no users configured", "remote", c.remote.String())
			return false
		}
	} else if err := c.authenticate(user); err != nil {
		c.srv.met.closed("auth_failed")
		if errors.Is(err, errAuthFailed) {
			c.be.Send(fatal(codeBadPassword, fmt.Sprintf("password authentication failed for user %q", user)))
		} else {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				c.be.Send(fatal(codeProtocol, fmt.Sprintf("authentication did not complete within %s", c.srv.cfg.StartupTimeout)))
			} else {
				c.be.Send(fatal(codeProtocol, "authentication failed: "+err.Error()))
			}
		}
		_ = c.flush()
		c.srv.logger.Info("postgres authentication failed", "remote", c.remote.String(), "user", user, "err", err)
		return false
	}
	if r := strings.ToLower(sm.Parameters["replication"]); r != "" && r != "false" && r != "off" && r != "no" && r != "0" {
		c.be.Send(fatal(codeFeature, "replication connections are not supported: this server answers SQL over topics"))
		_ = c.flush()
		return false
	}
	c.startupSettings(sm.Parameters)
	c.be.Send(&pgproto3.AuthenticationOk{})
	c.settings["session_authorization"] = user
	for _, name := range reported {
		c.be.Send(&pgproto3.ParameterStatus{Name: name, Value: c.settings[strings.ToLower(name)]})
	}
	c.be.Send(&pgproto3.BackendKeyData{ProcessID: c.pid, SecretKey: c.secret})
	c.be.Send(&pgproto3.ReadyForQuery{TxStatus: c.tx})
	return c.flush() == nil
}

// startupSettings applies the session settings a client sends in its
// startup packet, directly (JDBC sends extra_float_digits, DateStyle,
// TimeZone...) or in options as -c name=value (libpq's PGOPTIONS). Those
// this server does not take, or with a value it does not accept, are
// ignored: the ParameterStatus messages that follow tell the client the
// values in force.
func (c *conn) startupSettings(params map[string]string) {
	pairs := map[string]string{}
	for k, v := range params {
		switch k {
		case "user", "database", "options", "replication":
		default:
			pairs[strings.ToLower(k)] = v
		}
	}
	fields := strings.Fields(params["options"])
	for i := 0; i < len(fields); i++ {
		f := fields[i]
		switch {
		case f == "-c" && i+1 < len(fields):
			i++
			f = fields[i]
		case strings.HasPrefix(f, "-c"):
			f = f[2:]
		case strings.HasPrefix(f, "--"):
			f = f[2:]
		default:
			continue
		}
		if k, v, ok := strings.Cut(f, "="); ok {
			pairs[strings.ToLower(strings.ReplaceAll(k, "-", "_"))] = v
		}
	}
	for k, v := range pairs {
		s, ok := settings[k]
		if !ok || s.fixed {
			continue
		}
		if s.check != nil {
			checked, err := s.check(v)
			if err != nil {
				c.srv.logger.Debug("postgres startup setting ignored", "name", k, "err", err)
				continue
			}
			v = checked
		}
		c.settings[k] = v
	}
}

func isLoopback(a net.Addr) bool {
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// handle serves one message; false ends the session.
func (c *conn) handle(msg pgproto3.FrontendMessage) bool {
	switch m := msg.(type) {
	case *pgproto3.Query:
		c.skipToSync = false
		c.simpleQuery(m.String)
		c.be.Send(&pgproto3.ReadyForQuery{TxStatus: c.tx})
		return c.flush() == nil
	case *pgproto3.Sync:
		c.skipToSync = false
		if c.tx == 'I' {
			clear(c.portals)
		}
		c.be.Send(&pgproto3.ReadyForQuery{TxStatus: c.tx})
		return c.flush() == nil
	case *pgproto3.Flush:
		return c.flush() == nil
	case *pgproto3.Terminate:
		return false
	case *pgproto3.Parse, *pgproto3.Bind, *pgproto3.Describe, *pgproto3.Execute, *pgproto3.Close:
		if c.skipToSync {
			return true
		}
		if err := c.extended(msg); err != nil {
			c.sendError(err)
			c.skipToSync = true
		}
		return true
	default:
		c.srv.met.closed("protocol_error")
		c.be.Send(fatal(codeProtocol, fmt.Sprintf("message %T is not supported by this server (no COPY, no function calls)", msg)))
		_ = c.flush()
		return false
	}
}

// sendError sends err as an ErrorResponse and marks an open transaction
// failed.
func (c *conn) sendError(err error) {
	resp, shown := toResponse(err)
	if !shown {
		c.srv.logger.Warn("postgres query failed", "remote", c.remote.String(), "user", c.user, "err", err)
	}
	if c.tx == 'T' {
		c.tx = 'E'
	}
	c.be.Send(resp)
}

// simpleQuery runs each statement of a Query message in turn, stopping at
// the first error.
func (c *conn) simpleQuery(sql string) {
	sc := scanSQL(sql)
	if len(sc.statements) == 0 {
		c.be.Send(&pgproto3.EmptyQueryResponse{})
		return
	}
	for i, stmt := range sc.statements {
		if sc.maxParam[i] > 0 {
			c.sendError(errorf(codeSyntax, fmt.Sprintf("there is no parameter $%d: a simple query takes no parameters", sc.maxParam[i])))
			return
		}
		res, err := c.run(stmt, nil, false)
		if err != nil {
			c.sendError(err)
			return
		}
		if res.cols != nil {
			c.be.Send(res.rowDescription(nil))
		}
		if _, err := c.sendRows(res, nil, 0, 0); err != nil {
			c.sendError(err)
			return
		}
		c.complete(res)
	}
}

// complete ends a statement's answer: its notice when the rows were cut
// at the row limit, and its command tag.
func (c *conn) complete(res *result) {
	if res.empty {
		c.be.Send(&pgproto3.EmptyQueryResponse{})
		return
	}
	if res.truncated {
		c.be.Send(&pgproto3.NoticeResponse{Severity: "WARNING", SeverityUnlocalized: "WARNING", Code: "01000",
			Message: fmt.Sprintf("the result was cut at %d rows, the server's row limit for one query", len(res.rows))})
	}
	c.be.Send(&pgproto3.CommandComplete{CommandTag: []byte(res.commandTag())})
}

// flushEvery bounds the bytes buffered while rows stream out.
const flushEvery = 64 << 10

// sendRows sends res's rows from index from, at most limit of them (0:
// all), each column in its format; it returns the index after the last.
func (c *conn) sendRows(res *result, formats []int16, from, limit int) (int, error) {
	types := res.types()
	vals := make([][]byte, len(types))
	pending := 0
	i := from
	for ; i < len(res.rows) && (limit == 0 || i < from+limit); i++ {
		row := res.rows[i]
		for j := range types {
			var v any
			if j < len(row) {
				v = row[j]
			}
			var err error
			if formatOf(formats, j) == 1 {
				vals[j], err = encodeBinary(types[j], v)
			} else {
				vals[j], err = encodeText(types[j], v)
			}
			if err != nil {
				return i, errorf(codeInternal, fmt.Sprintf("column %q: %v", res.cols[j].Name, err))
			}
			pending += len(vals[j]) + 4
		}
		c.be.Send(&pgproto3.DataRow{Values: vals})
		if pending >= flushEvery {
			if err := c.flush(); err != nil {
				return i, err
			}
			pending = 0
		}
	}
	return i, nil
}

func formatOf(formats []int16, i int) int16 {
	switch len(formats) {
	case 0:
		return 0
	case 1:
		return formats[0]
	}
	if i < len(formats) {
		return formats[i]
	}
	return 0
}

// extended serves Parse, Bind, Describe, Execute and Close.
func (c *conn) extended(msg pgproto3.FrontendMessage) error {
	switch m := msg.(type) {
	case *pgproto3.Parse:
		sc := scanSQL(m.Query)
		if len(sc.statements) > 1 {
			return errorf(codeSyntax, "cannot insert multiple commands into a prepared statement")
		}
		if _, exists := c.stmts[m.Name]; exists && m.Name != "" {
			return errorf(codeDuplicateStmt, fmt.Sprintf("prepared statement %q already exists", m.Name))
		}
		n := 0
		sql := ""
		if len(sc.statements) == 1 {
			n, sql = sc.maxParam[0], sc.statements[0]
		}
		if n > maxParams || len(m.ParameterOIDs) > maxParams {
			return errorf(codeProgramLimit, fmt.Sprintf("a statement may have at most %d parameters", maxParams))
		}
		oids := make([]uint32, max(n, len(m.ParameterOIDs)))
		copy(oids, m.ParameterOIDs)
		if old := c.stmts[m.Name]; old != nil {
			c.stmtText -= len(old.sql)
			delete(c.stmts, m.Name)
		}
		if len(c.stmts) >= c.srv.cfg.MaxStatements || c.stmtText+len(sql) > 4*c.srv.cfg.MaxMessageBytes {
			return errorf(codeProgramLimit, fmt.Sprintf("too many prepared statements in this session (at most %d, of %d bytes of SQL in all): close some", c.srv.cfg.MaxStatements, 4*c.srv.cfg.MaxMessageBytes))
		}
		c.stmts[m.Name] = &statement{sql: sql, paramOIDs: oids}
		c.stmtText += len(sql)
		c.be.Send(&pgproto3.ParseComplete{})
	case *pgproto3.Bind:
		st := c.stmts[m.PreparedStatement]
		if st == nil {
			return errorf(codeUnknownStmt, fmt.Sprintf("prepared statement %q does not exist", m.PreparedStatement))
		}
		if len(m.Parameters) != len(st.paramOIDs) {
			return errorf(codeProtocol, fmt.Sprintf("bind message supplies %d parameters, but prepared statement %q requires %d", len(m.Parameters), m.PreparedStatement, len(st.paramOIDs)))
		}
		if n := len(m.ParameterFormatCodes); n > 1 && n != len(m.Parameters) {
			return errorf(codeProtocol, fmt.Sprintf("bind message has %d parameter formats but %d parameters", n, len(m.Parameters)))
		}
		params := make([]any, len(m.Parameters))
		for i, b := range m.Parameters {
			f := formatOf(m.ParameterFormatCodes, i)
			v, err := decodeParam(st.paramOIDs[i], f, b)
			if err != nil {
				code := codeInvalidParam
				if f == 1 {
					code = codeInvalidBinary
				}
				return errorf(code, fmt.Sprintf("parameter $%d: %v", i+1, err))
			}
			params[i] = v
		}
		for _, f := range m.ResultFormatCodes {
			if f != 0 && f != 1 {
				return errorf(codeProtocol, fmt.Sprintf("unsupported format code: %d", f))
			}
		}
		if _, exists := c.portals[m.DestinationPortal]; !exists && len(c.portals) >= c.srv.cfg.MaxPortals {
			return errorf(codeProgramLimit, fmt.Sprintf("too many open portals in this session (at most %d, each holding its result): close some", c.srv.cfg.MaxPortals))
		}
		c.portals[m.DestinationPortal] = &portal{stmt: st, params: params, formats: append([]int16(nil), m.ResultFormatCodes...)}
		c.be.Send(&pgproto3.BindComplete{})
	case *pgproto3.Describe:
		if m.ObjectType == 'S' {
			st := c.stmts[m.Name]
			if st == nil {
				return errorf(codeUnknownStmt, fmt.Sprintf("prepared statement %q does not exist", m.Name))
			}
			res, err := c.describe(st)
			if err != nil {
				return err
			}
			oids := make([]uint32, len(st.paramOIDs))
			copy(oids, st.paramOIDs)
			c.be.Send(&pgproto3.ParameterDescription{ParameterOIDs: oids})
			if res.cols == nil {
				c.be.Send(&pgproto3.NoData{})
			} else {
				c.be.Send(res.rowDescription(nil))
			}
			return nil
		}
		p := c.portals[m.Name]
		if p == nil {
			return errorf(codeUnknownPortal, fmt.Sprintf("portal %q does not exist", m.Name))
		}
		if err := c.execute(p); err != nil {
			return err
		}
		if p.res.cols == nil {
			c.be.Send(&pgproto3.NoData{})
			return nil
		}
		if n := len(p.formats); n > 1 && n != len(p.res.cols) {
			return errorf(codeProtocol, fmt.Sprintf("bind message has %d result formats but query has %d columns", n, len(p.res.cols)))
		}
		c.be.Send(p.res.rowDescription(p.formats))
	case *pgproto3.Execute:
		p := c.portals[m.Portal]
		if p == nil {
			return errorf(codeUnknownPortal, fmt.Sprintf("portal %q does not exist", m.Portal))
		}
		if err := c.execute(p); err != nil {
			return err
		}
		if n := len(p.formats); n > 1 && p.res.cols != nil && n != len(p.res.cols) {
			return errorf(codeProtocol, fmt.Sprintf("bind message has %d result formats but query has %d columns", n, len(p.res.cols)))
		}
		next, err := c.sendRows(p.res, p.formats, p.sent, int(m.MaxRows))
		p.sent = next
		if err != nil {
			return err
		}
		if p.sent < len(p.res.rows) {
			c.be.Send(&pgproto3.PortalSuspended{})
			return nil
		}
		c.complete(p.res)
	case *pgproto3.Close:
		if m.ObjectType == 'S' {
			if st := c.stmts[m.Name]; st != nil {
				c.stmtText -= len(st.sql)
				delete(c.stmts, m.Name)
			}
		} else {
			delete(c.portals, m.Name)
		}
		c.be.Send(&pgproto3.CloseComplete{})
	}
	return nil
}

// execute runs a portal's statement once; later Executes page its rows.
func (c *conn) execute(p *portal) error {
	if p.res != nil {
		return nil
	}
	res, err := c.run(p.stmt.sql, p.params, false)
	if err != nil {
		return err
	}
	// A client that described the statement decodes by those types.
	if d := p.stmt.described; d != nil && res.cols != nil && len(d.cols) == len(res.cols) {
		res.pg = d.types()
	}
	p.res = res
	return nil
}

// cancelRunning stops the running query, if any (CancelRequest).
func (c *conn) cancelRunning() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running != nil {
		c.canceled = true
		c.running()
	}
}

// query runs sql through the Querier under the session's
// statement_timeout, cancellable by a CancelRequest and by Close.
func (c *conn) query(sql string, params []any) (*result, error) {
	return c.call(func(ctx context.Context) (columnar.Result, error) { return c.srv.q.Query(ctx, sql, params) })
}

// catalogQuery runs a query of the Postgres catalogs through the
// Querier, as this session.
func (c *conn) catalogQuery(sql string, params []any) (*result, error) {
	sess := columnar.Session{User: c.user, Database: database, ServerVersion: c.settings["server_version"], Settings: map[string]string{}}
	for k := range settings {
		sess.Settings[k] = c.showValue(k)
	}
	return c.call(func(ctx context.Context) (columnar.Result, error) { return c.srv.q.Catalog(ctx, sql, params, sess) })
}

// call runs one Querier call under the session's statement_timeout, as
// the running query a CancelRequest or Close may cancel.
func (c *conn) call(run func(ctx context.Context) (columnar.Result, error)) (*result, error) {
	ctx, cancel := context.WithCancel(c.srv.ctx)
	defer cancel()
	timeout := time.Duration(0)
	if ms, err := strconv.ParseInt(c.settings["statement_timeout"], 10, 64); err == nil && ms > 0 {
		timeout = time.Duration(ms) * time.Millisecond
		var cancelT context.CancelFunc
		ctx, cancelT = context.WithTimeout(ctx, timeout)
		defer cancelT()
	}
	c.mu.Lock()
	c.running, c.canceled = cancel, false
	c.mu.Unlock()
	start := time.Now()
	r, err := run(ctx)
	c.mu.Lock()
	c.running = nil
	canceled := c.canceled
	c.mu.Unlock()
	switch {
	case ctx.Err() != nil:
		c.srv.met.query("canceled", time.Since(start))
	case err != nil:
		c.srv.met.query("error", time.Since(start))
	default:
		c.srv.met.query("ok", time.Since(start))
	}
	if err != nil || ctx.Err() != nil {
		switch {
		case c.srv.ctx.Err() != nil:
			return nil, errorf(codeAdminShutdown, "terminating query: the server is shutting down")
		case canceled:
			return nil, errorf(codeCanceled, "canceling statement due to user request")
		case timeout > 0 && errors.Is(ctx.Err(), context.DeadlineExceeded):
			return nil, errorf(codeCanceled, fmt.Sprintf("canceling statement due to statement timeout (%s)", timeout))
		}
		if err == nil {
			err = ctx.Err()
		}
		return nil, err
	}
	return &result{cols: r.Columns, rows: r.Rows, truncated: r.Truncated, tag: "SELECT"}, nil
}
