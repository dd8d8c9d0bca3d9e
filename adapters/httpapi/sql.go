package httpapi

// SQL over topics, on both ports:
//
//	POST /_sql                  {"query": "...", "params": [...]} → {columns, rows, watermarks, took_ms, truncated}
//	                            ?format=csv: CSV with a header row;
//	                            Accept: application/vnd.apache.arrow.stream: an Arrow IPC stream
//	                            (watermarks in the X-Chronik-Watermarks header, as JSON)
//	POST /_sql/explain          {"query": "..."} → the engine's plan, as an answer
//	GET  /_sql/tables           {"tables": [{name, partitions}]}
//	GET  /_sql/describe/:topic  the table's columns, as an answer
//
// Bad SQL is 400, a refused statement 403 (see errorCodes).

import (
	"bytes"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/chronik-stream/chronik/application/sql"
)

// sqlMaxBody bounds a /_sql request's body.
const sqlMaxBody = 1 << 20

// arrowStream is the media type of an Arrow IPC stream.
const arrowStream = "application/vnd.apache.arrow.stream"

func (s *Server) sqlRoutes(e *echo.Echo) {
	if s.svc.SQL == nil {
		return
	}
	e.POST("/_sql", s.sqlQuery)
	e.POST("/_sql/explain", s.sqlExplain)
	e.GET("/_sql/tables", s.sqlTables)
	e.GET("/_sql/describe/:topic", s.sqlDescribe)
}

type sqlRequest struct {
	Query  string `json:"query"`
	Params []any  `json:"params"`
}

func readSQLRequest(c echo.Context) (sqlRequest, error) {
	var req sqlRequest
	data, err := io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, sqlMaxBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return req, newAPIError(http.StatusRequestEntityTooLarge, "the request body is larger than %d bytes", int64(sqlMaxBody))
		}
		return req, newAPIError(http.StatusBadRequest, "reading the request body: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&req); err != nil {
		return req, newAPIError(http.StatusBadRequest, "the body must be a JSON object {\"query\": \"SELECT ...\", \"params\": [...]}: %v", err)
	}
	if strings.TrimSpace(req.Query) == "" {
		return req, newAPIError(http.StatusBadRequest, "the body has no query: send {\"query\": \"SELECT ...\"}")
	}
	for i, p := range req.Params {
		if n, ok := p.(json.Number); ok {
			if v, err := n.Int64(); err == nil {
				req.Params[i] = v
			} else if v, err := n.Float64(); err == nil {
				req.Params[i] = v
			}
		}
		switch req.Params[i].(type) {
		case nil, bool, int64, float64, string:
		default:
			return req, newAPIError(http.StatusBadRequest, "parameter %d must be null, a boolean, a number or a string", i+1)
		}
	}
	return req, nil
}

// answerJSON is an answer as /_sql sends it.
type answerJSON struct {
	Columns    any                        `json:"columns"`
	Rows       [][]any                    `json:"rows"`
	Watermarks map[string]map[int32]int64 `json:"watermarks"`
	TookMs     float64                    `json:"took_ms"`
	Truncated  bool                       `json:"truncated"`
}

func (s *Server) sqlQuery(c echo.Context) error {
	req, err := readSQLRequest(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if strings.Contains(c.Request().Header.Get(echo.HeaderAccept), arrowStream) {
		var buf bytes.Buffer
		marks, err := s.svc.SQL.QueryArrow(ctx, req.Query, req.Params, &buf)
		if err != nil {
			return err
		}
		m, _ := json.Marshal(marks)
		c.Response().Header().Set("X-Chronik-Watermarks", string(m))
		return c.Blob(http.StatusOK, arrowStream, buf.Bytes())
	}
	a, err := s.svc.SQL.Query(ctx, req.Query, req.Params)
	if err != nil {
		return err
	}
	if c.QueryParam("format") == "csv" {
		m, _ := json.Marshal(a.Watermarks)
		c.Response().Header().Set("X-Chronik-Watermarks", string(m))
		return c.Blob(http.StatusOK, "text/csv; charset=utf-8", answerCSV(a))
	}
	return c.JSON(http.StatusOK, toJSON(a))
}

func (s *Server) sqlExplain(c echo.Context) error {
	req, err := readSQLRequest(c)
	if err != nil {
		return err
	}
	a, err := s.svc.SQL.Explain(c.Request().Context(), req.Query)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toJSON(a))
}

func (s *Server) sqlTables(c echo.Context) error {
	tables := s.svc.SQL.Tables()
	if tables == nil {
		tables = []sql.TableInfo{}
	}
	return c.JSON(http.StatusOK, map[string]any{"tables": tables})
}

func (s *Server) sqlDescribe(c echo.Context) error {
	a, err := s.svc.SQL.Describe(c.Request().Context(), param(c, "topic"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toJSON(a))
}

func toJSON(a sql.Answer) answerJSON {
	// 128-bit integers (SUM of a BIGINT is one) come as text; those that
	// fit 64 bits go out as numbers.
	huge := make([]bool, len(a.Columns))
	for j, col := range a.Columns {
		huge[j] = col.Type == "HUGEINT" || col.Type == "UHUGEINT"
	}
	rows := make([][]any, len(a.Rows))
	for i, r := range a.Rows {
		rows[i] = make([]any, len(r))
		for j, v := range r {
			if s, ok := v.(string); ok && j < len(huge) && huge[j] {
				if n, err := strconv.ParseInt(s, 10, 64); err == nil {
					rows[i][j] = n
					continue
				}
			}
			rows[i][j] = jsonValue(v)
		}
	}
	return answerJSON{Columns: a.Columns, Rows: rows, Watermarks: a.Watermarks,
		TookMs: float64(a.Took.Microseconds()) / 1000, Truncated: a.Truncated}
}

// jsonValue makes a result value encodable: times as RFC 3339, bytes as
// base64, NaN and infinities as strings.
func jsonValue(v any) any {
	switch x := v.(type) {
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case []byte:
		return base64.StdEncoding.EncodeToString(x)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return strconv.FormatFloat(x, 'g', -1, 64)
		}
		return x
	case float32:
		return jsonValue(float64(x))
	case []any:
		out := make([]any, len(x))
		for i := range x {
			out[i] = jsonValue(x[i])
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = jsonValue(e)
		}
		return out
	}
	return v
}

// answerCSV writes a header row and one line per row; lists and structs
// as JSON text, bytes as base64, NULL as an empty field.
func answerCSV(a sql.Answer) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	header := make([]string, len(a.Columns))
	for i, col := range a.Columns {
		header[i] = col.Name
	}
	_ = w.Write(header)
	line := make([]string, len(a.Columns))
	for _, r := range a.Rows {
		for i, v := range r {
			switch x := jsonValue(v).(type) {
			case nil:
				line[i] = ""
			case string:
				line[i] = x
			case []any, map[string]any:
				b, _ := json.Marshal(x)
				line[i] = string(b)
			default:
				line[i] = fmt.Sprint(x)
			}
		}
		_ = w.Write(line)
	}
	w.Flush()
	return buf.Bytes()
}
