package pgwire

import (
	"context"
	"math"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/jackc/pgx/v5/pgtype"
)

// TestMoreTypesBothFormats reads the remaining types in binary and in
// text and checks pgx decodes the same values from both.
func TestMoreTypesBothFormats(t *testing.T) {
	s := startServer(t, Config{}, newFake())
	c := connect(t, s, "alice", "")
	var got [2][]any
	for i, mode := range []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeSimpleProtocol} {
		rows, err := c.Query(context.Background(), "SELECT more_types", mode)
		if err != nil {
			t.Fatal(err)
		}
		if !rows.Next() {
			t.Fatalf("no row: %v", rows.Err())
		}
		got[i], err = rows.Values()
		if err != nil {
			t.Fatalf("mode %v: %v", mode, err)
		}
		rows.Close()
	}
	bin, txt := got[0], got[1]
	if bin[0] != int16(-32768) || bin[1] != float32(1.5) || !bin[2].(time.Time).Equal(ts) {
		t.Errorf("binary i2, f4, tz = %v %v %v", bin[0], bin[1], bin[2])
	}
	if tm := bin[3].(pgtype.Time); tm.Microseconds != (13*3600+14*60+15)*1e6+5e5 {
		t.Errorf("binary time = %v", tm)
	}
	wantU8, _ := new(big.Int).SetString("18446744073709551615", 10)
	if n := bin[4].(pgtype.Numeric); n.Int.Cmp(wantU8) != 0 || n.Exp != 0 {
		t.Errorf("binary ubigint = %v", n)
	}
	if n := bin[5].(pgtype.Numeric); n.Int.String() != "-170141183460469231731687303715884105728" {
		t.Errorf("binary hugeint = %v", n)
	}
	if bin[6] != int64(4294967295) || bin[7] != "1 day 02:00:00" || bin[8].(map[string]any)["k"] != float64(1) || !math.IsInf(bin[9].(float64), 1) {
		t.Errorf("binary uinteger, interval, map, inf = %v %v %v %v", bin[6], bin[7], bin[8], bin[9])
	}
	if n := bin[10].(pgtype.Numeric); n.Int.Int64() != 1 || n.Exp != -10 {
		t.Errorf("binary decimal = %+v", n)
	}
	for i := range bin {
		if b, ok := bin[i].(pgtype.Numeric); ok {
			tn := txt[i].(pgtype.Numeric)
			bf, _ := b.Float64Value()
			tf, _ := tn.Float64Value()
			if bf != tf {
				t.Errorf("column %d: binary %v, text %v", i, bf, tf)
			}
			continue
		}
		if bt, ok := bin[i].(time.Time); ok {
			if !bt.Equal(txt[i].(time.Time)) {
				t.Errorf("column %d: binary %v, text %v", i, bt, txt[i])
			}
			continue
		}
		if m, ok := bin[i].(map[string]any); ok {
			if m["k"] != txt[i].(map[string]any)["k"] {
				t.Errorf("column %d: binary %v, text %v", i, m, txt[i])
			}
			continue
		}
		if bin[i] != txt[i] {
			t.Errorf("column %d: binary %#v, text %#v", i, bin[i], txt[i])
		}
	}
}

// TestPortalPaging executes a portal a few rows at a time
// (PortalSuspended), as JDBC does with a fetch size.
func TestPortalPaging(t *testing.T) {
	f := newFake()
	f.bigRows = 7
	s := startServer(t, Config{}, f)
	r := dialRaw(t, s)
	r.login()
	r.fe.Send(&pgproto3.Parse{Name: "s1", Query: "SELECT big"})
	r.fe.Send(&pgproto3.Bind{DestinationPortal: "p1", PreparedStatement: "s1", ResultFormatCodes: []int16{1, 0}})
	r.fe.Send(&pgproto3.Describe{ObjectType: 'P', Name: "p1"})
	for range 3 {
		r.fe.Send(&pgproto3.Execute{Portal: "p1", MaxRows: 3})
	}
	r.fe.Send(&pgproto3.Sync{})
	r.fe.Flush()
	var trace []string
	var first int64 = -1
	rows := 0
	r.until(func(m pgproto3.BackendMessage) bool {
		switch m := m.(type) {
		case *pgproto3.ParseComplete:
			trace = append(trace, "parse")
		case *pgproto3.BindComplete:
			trace = append(trace, "bind")
		case *pgproto3.RowDescription:
			trace = append(trace, "rowdesc")
			if m.Fields[0].Format != 1 || m.Fields[1].Format != 0 || m.Fields[0].DataTypeOID != oidInt8 {
				t.Errorf("fields = %+v", m.Fields)
			}
		case *pgproto3.DataRow:
			if rows == 0 {
				first = int64(m.Values[0][7])
			}
			rows++
		case *pgproto3.PortalSuspended:
			trace = append(trace, "suspended")
		case *pgproto3.CommandComplete:
			trace = append(trace, string(m.CommandTag))
		case *pgproto3.ErrorResponse:
			t.Fatalf("error: %s", m.Message)
		case *pgproto3.ReadyForQuery:
			trace = append(trace, "ready")
			return true
		}
		return false
	})
	want := "parse bind rowdesc suspended suspended SELECT 7 ready"
	if got := strings.Join(trace, " "); got != want || rows != 7 || first != 0 {
		t.Errorf("trace %q, %d rows (first %d); want %q, 7 rows", got, rows, first, want)
	}
	// After Sync the unnamed and named portals of the implicit
	// transaction are gone; the statement stays.
	r.fe.Send(&pgproto3.Execute{Portal: "p1"})
	r.fe.Send(&pgproto3.Sync{})
	r.fe.Flush()
	var code string
	r.until(func(m pgproto3.BackendMessage) bool {
		if e, ok := m.(*pgproto3.ErrorResponse); ok {
			code = e.Code
		}
		_, ok := m.(*pgproto3.ReadyForQuery)
		return ok
	})
	if code != "34000" {
		t.Errorf("portal after Sync: code %q", code)
	}
	// An error skips the rest up to Sync; the next batch runs.
	r.fe.Send(&pgproto3.Bind{PreparedStatement: "nope"})
	r.fe.Send(&pgproto3.Execute{})
	r.fe.Send(&pgproto3.Sync{})
	r.fe.Send(&pgproto3.Bind{PreparedStatement: "s1"})
	r.fe.Send(&pgproto3.Execute{})
	r.fe.Send(&pgproto3.Sync{})
	r.fe.Flush()
	trace = nil
	for len(trace) < 2 || trace[len(trace)-1] != "ready" || len(trace) < 5 {
		m, err := r.fe.Receive()
		if err != nil {
			t.Fatal(err)
		}
		switch m := m.(type) {
		case *pgproto3.ErrorResponse:
			trace = append(trace, m.Code)
		case *pgproto3.BindComplete:
			trace = append(trace, "bind")
		case *pgproto3.CommandComplete:
			trace = append(trace, string(m.CommandTag))
		case *pgproto3.ReadyForQuery:
			trace = append(trace, "ready")
		}
	}
	if got := strings.Join(trace, " "); got != "26000 ready bind SELECT 7 ready" {
		t.Errorf("error then batch: %q", got)
	}
}

// TestDescribedTypesHold: a client decodes an execution's rows by the
// types Describe gave for the statement, so those types are kept even if
// the engine types a column differently once parameters are bound.
func TestDescribedTypesHold(t *testing.T) {
	s := startServer(t, Config{}, newFake())
	c := connect(t, s, "alice", "")
	ctx := context.Background()
	pc := c.PgConn()
	// $1 declared int8: described with a NULL parameter, the column is
	// untyped (text); executed, the engine returns a BIGINT.
	sd, err := pc.Prepare(ctx, "p", "SELECT $1", []uint32{oidInt8})
	if err != nil {
		t.Fatal(err)
	}
	if sd.Fields[0].DataTypeOID != oidText {
		t.Fatalf("described as OID %d", sd.Fields[0].DataTypeOID)
	}
	res := pc.ExecPrepared(ctx, "p", [][]byte{[]byte("7")}, nil, []int16{1}).Read()
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if got := string(res.Rows[0][0]); got != "7" {
		t.Errorf("row sent as %q, not as the described text", got)
	}
}

// TestSessionBounds: prepared statements and open portals are bounded
// per session.
func TestSessionBounds(t *testing.T) {
	s := startServer(t, Config{MaxStatements: 3, MaxPortals: 2}, newFake())
	r := dialRaw(t, s)
	r.login()
	codes := func() []string {
		var out []string
		r.until(func(m pgproto3.BackendMessage) bool {
			switch m := m.(type) {
			case *pgproto3.ErrorResponse:
				out = append(out, m.Code)
			case *pgproto3.ParseComplete:
				out = append(out, "parse")
			case *pgproto3.BindComplete:
				out = append(out, "bind")
			case *pgproto3.CloseComplete:
				out = append(out, "close")
			case *pgproto3.ReadyForQuery:
				return true
			}
			return false
		})
		return out
	}
	for _, name := range []string{"a", "b", "c"} {
		r.fe.Send(&pgproto3.Parse{Name: name, Query: "SELECT 1"})
	}
	r.fe.Send(&pgproto3.Sync{})
	r.fe.Send(&pgproto3.Parse{Name: "d", Query: "SELECT 1"})
	r.fe.Send(&pgproto3.Sync{})
	r.fe.Flush()
	if got := strings.Join(codes(), " "); got != "parse parse parse" {
		t.Errorf("three statements: %s", got)
	}
	if got := strings.Join(codes(), " "); got != "54000" {
		t.Errorf("fourth statement: %s", got)
	}
	// In a transaction portals outlive Sync; the third is refused.
	r.fe.Send(&pgproto3.Query{String: "BEGIN"})
	r.fe.Flush()
	codes()
	r.fe.Send(&pgproto3.Bind{DestinationPortal: "p1", PreparedStatement: "a"})
	r.fe.Send(&pgproto3.Bind{DestinationPortal: "p2", PreparedStatement: "a"})
	r.fe.Send(&pgproto3.Sync{})
	r.fe.Send(&pgproto3.Bind{DestinationPortal: "p3", PreparedStatement: "a"})
	r.fe.Send(&pgproto3.Sync{})
	r.fe.Send(&pgproto3.Close{ObjectType: 'P', Name: "p1"})
	r.fe.Send(&pgproto3.Bind{DestinationPortal: "p3", PreparedStatement: "a"})
	r.fe.Send(&pgproto3.Sync{})
	r.fe.Flush()
	if got := strings.Join(codes(), " "); got != "bind bind" {
		t.Errorf("two portals: %s", got)
	}
	if got := strings.Join(codes(), " "); got != "54000" {
		t.Errorf("third portal: %s", got)
	}
	if got := strings.Join(codes(), " "); got != "close bind" {
		t.Errorf("after closing one: %s", got)
	}
}
