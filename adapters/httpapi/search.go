package httpapi

// Full-text search, Elasticsearch-shaped, on both ports (index = topic):
//
//	GET|HEAD /                         cluster info (the official clients check it)
//	GET|POST /_search, /{index}/_search
//	GET|POST /_count, /{index}/_count
//	GET|POST /_msearch, /{index}/_msearch
//	GET      /_mapping, /{index}/_mapping
//	GET      /{index}/_doc/{id}        id = <partition>-<offset>
//	GET      /_cat/indices[/{index}]   text, or ?format=json
//	GET|POST /_field_caps, /{index}/_field_caps
//	HEAD|GET /{index}
//
// Writes through Elasticsearch's APIs (_bulk, _doc, _create, _update) are
// refused: records are produced to the topic. Every answer carries
// X-Elastic-Product: Elasticsearch; every error is Elasticsearch's error
// body (adapters/httpapi/esdsl).

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/chronik-stream/chronik/adapters/httpapi/esdsl"
	"github.com/chronik-stream/chronik/application/textsearch"
	"github.com/chronik-stream/chronik/domain/search"
)

// esMaxBody bounds a search request's body: the reader's tree costs up
// to ~15 times the body.
const esMaxBody = 4 << 20

// esVersion is the Elasticsearch version GET / reports: the API level the
// search routes follow.
const esVersion = "8.11.0"

func (s *Server) searchRoutes(e *echo.Echo) {
	if s.svc.Search == nil {
		return
	}
	es := e.Group("", esProduct)
	es.GET("/", s.esInfo)
	es.HEAD("/", s.esInfo)
	for _, p := range []string{"/_search", "/:index/_search"} {
		es.GET(p, s.esSearch)
		es.POST(p, s.esSearch)
	}
	for _, p := range []string{"/_count", "/:index/_count"} {
		es.GET(p, s.esCount)
		es.POST(p, s.esCount)
	}
	for _, p := range []string{"/_msearch", "/:index/_msearch"} {
		es.GET(p, s.esMsearch)
		es.POST(p, s.esMsearch)
	}
	es.GET("/_mapping", s.esMapping)
	es.GET("/:index/_mapping", s.esMapping)
	es.GET("/:index/_doc/:id", s.esGet)
	es.GET("/_cat/indices", s.esCatIndices)
	es.GET("/_cat/indices/:index", s.esCatIndices)
	for _, p := range []string{"/_field_caps", "/:index/_field_caps"} {
		es.GET(p, s.esFieldCaps)
		es.POST(p, s.esFieldCaps)
	}
	es.HEAD("/:index", s.esIndexExists)
	es.GET("/:index", s.esIndex)
	for _, p := range []string{"/_bulk", "/:index/_bulk", "/:index/_doc", "/:index/_doc/:id", "/:index/_create/:id", "/:index/_update/:id"} {
		es.POST(p, s.esRefuseWrite)
		es.PUT(p, s.esRefuseWrite)
	}
	es.DELETE("/:index/_doc/:id", s.esRefuseWrite)
}

// esProduct marks answers as Elasticsearch's, which the official clients
// require.
func esProduct(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set("X-Elastic-Product", "Elasticsearch")
		return next(c)
	}
}

// esError answers err in Elasticsearch's shape.
func esError(c echo.Context, err error) error {
	var e *esdsl.Error
	var missing *textsearch.NoIndexError
	switch {
	case errors.As(err, &e):
	case errors.As(err, &missing):
		e = esdsl.IndexNotFound(missing.Name)
	case errors.Is(err, textsearch.ErrBusy):
		e = &esdsl.Error{Status: http.StatusTooManyRequests, Type: "es_rejected_execution_exception", Reason: "too many searches are running; retry later"}
	case errors.Is(err, textsearch.ErrWindow):
		e = &esdsl.Error{Status: http.StatusBadRequest, Type: esdsl.TypeIllegalArgument, Reason: err.Error()}
	default:
		e = esdsl.FromError(err)
	}
	body, merr := e.MarshalJSON()
	if merr != nil {
		return merr
	}
	if c.Request().Method == http.MethodHead {
		return c.NoContent(e.Status)
	}
	return c.JSONBlob(e.Status, body)
}

// esBody reads a request body within esMaxBody.
func esBody(c echo.Context) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, esMaxBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, &esdsl.Error{Status: http.StatusRequestEntityTooLarge, Type: "content_too_long_exception",
				Reason: fmt.Sprintf("the request body is larger than %d bytes", esMaxBody)}
		}
		return nil, &esdsl.Error{Status: http.StatusBadRequest, Type: esdsl.TypeParsing, Reason: "the request body could not be read"}
	}
	return b, nil
}

func (s *Server) esOptions(c echo.Context) esdsl.Options {
	return esdsl.Options{Now: time.Now(), Path: c.Request().URL.Path, MaxResultWindow: s.svc.Search.MaxResultWindow()}
}

func (s *Server) esInfo(c echo.Context) error {
	if c.Request().Method == http.MethodHead {
		return c.NoContent(http.StatusOK)
	}
	name := fmt.Sprintf("chronik-%d", s.cfg.Node.ID)
	return c.JSON(http.StatusOK, map[string]any{
		"name":         name,
		"cluster_name": "chronik",
		"cluster_uuid": "chronik",
		"version": map[string]any{
			"number":                              esVersion,
			"build_flavor":                        "default",
			"build_type":                          "chronik",
			"build_hash":                          s.cfg.Node.Commit,
			"build_date":                          "2026-01-01T00:00:00.000Z",
			"build_snapshot":                      false,
			"lucene_version":                      "9.8.0",
			"minimum_wire_compatibility_version":  "7.17.0",
			"minimum_index_compatibility_version": "7.0.0",
			"chronik_version":                     s.cfg.Node.Version,
		},
		"tagline": "You Know, for Search",
	})
}

func (s *Server) esSearch(c echo.Context) error {
	body, err := esBody(c)
	if err != nil {
		return esError(c, err)
	}
	req, perr := esdsl.ParseSearch(body, c.QueryParams(), s.esOptions(c))
	if perr != nil {
		return esError(c, perr)
	}
	start := time.Now()
	res, err := s.svc.Search.Search(c.Request().Context(), param(c, "index"), req.Request)
	if err != nil {
		return esError(c, err)
	}
	out, err := esdsl.WriteSearch(&res, req, esdsl.ResponseOptions{Took: time.Since(start)})
	if err != nil {
		return esError(c, err)
	}
	return c.JSONBlob(http.StatusOK, out)
}

func (s *Server) esCount(c echo.Context) error {
	body, err := esBody(c)
	if err != nil {
		return esError(c, err)
	}
	req, perr := esdsl.ParseCount(body, c.QueryParams(), s.esOptions(c))
	if perr != nil {
		return esError(c, perr)
	}
	res, err := s.svc.Search.Search(c.Request().Context(), param(c, "index"),
		search.Request{Query: req.Query, TrackTotalHits: -1, Now: time.Now()})
	if err != nil {
		return esError(c, err)
	}
	n := 0
	for _, ps := range res.Watermarks {
		n += len(ps)
	}
	out, err := esdsl.WriteCount(res.Total.Value, esdsl.ShardInfo{Total: n, Successful: n}, req.Pretty)
	if err != nil {
		return esError(c, err)
	}
	return c.JSONBlob(http.StatusOK, out)
}

func (s *Server) esMsearch(c echo.Context) error {
	body, err := esBody(c)
	if err != nil {
		return esError(c, err)
	}
	req, perr := esdsl.ParseMsearch(body, c.QueryParams(), s.esOptions(c))
	if perr != nil {
		return esError(c, perr)
	}
	start := time.Now()
	answers := make([]esdsl.MsearchAnswer, len(req.Items))
	for i, it := range req.Items {
		if it.Err != nil {
			answers[i].Err = it.Err
			continue
		}
		expr := param(c, "index")
		if len(it.Indexes) > 0 {
			expr = strings.Join(it.Indexes, ",")
		}
		t := time.Now()
		res, err := s.svc.Search.Search(c.Request().Context(), expr, it.Request.Request)
		if err != nil {
			answers[i].Err = esErrorOf(err)
			continue
		}
		answers[i].Result, answers[i].Options = &res, esdsl.ResponseOptions{Took: time.Since(t)}
	}
	out, err := esdsl.WriteMsearch(answers, req, time.Since(start))
	if err != nil {
		return esError(c, err)
	}
	return c.JSONBlob(http.StatusOK, out)
}

// esErrorOf is esError's choice of error without answering.
func esErrorOf(err error) *esdsl.Error {
	var e *esdsl.Error
	var missing *textsearch.NoIndexError
	switch {
	case errors.As(err, &e):
		return e
	case errors.As(err, &missing):
		return esdsl.IndexNotFound(missing.Name)
	}
	return esdsl.FromError(err)
}

func (s *Server) esMapping(c echo.Context) error {
	ctx := c.Request().Context()
	topics, err := s.svc.Search.Resolve(param(c, "index"))
	if err != nil {
		return esError(c, err)
	}
	out := make(map[string]search.Mapping, len(topics))
	for _, t := range topics {
		m, err := s.svc.Search.Mapping(ctx, t)
		if err != nil {
			return esError(c, err)
		}
		out[t.Name] = m
	}
	b, err := esdsl.WriteMapping(out, c.QueryParams().Has("pretty"))
	if err != nil {
		return esError(c, err)
	}
	return c.JSONBlob(http.StatusOK, b)
}

func (s *Server) esGet(c echo.Context) error {
	index, id := param(c, "index"), param(c, "id")
	d, found, err := s.svc.Search.Get(c.Request().Context(), index, id)
	if err != nil {
		return esError(c, err)
	}
	n, off, perr := search.ParseDocID(id)
	if perr != nil {
		b, _ := esdsl.WriteDoc(index, 0, 0, nil, false, false)
		return c.JSONBlob(http.StatusNotFound, b)
	}
	b, err := esdsl.WriteDoc(index, n, off, d.Source, found, c.QueryParams().Has("pretty"))
	if err != nil {
		return esError(c, err)
	}
	status := http.StatusOK
	if !found {
		status = http.StatusNotFound
	}
	return c.JSONBlob(status, b)
}

func (s *Server) esCatIndices(c echo.Context) error {
	infos, err := s.svc.Search.Indexes(c.Request().Context(), param(c, "index"))
	if err != nil {
		return esError(c, err)
	}
	rows := make([]map[string]string, len(infos))
	for i, in := range infos {
		rows[i] = map[string]string{
			"health": "green", "status": "open", "index": in.Name, "uuid": in.Name,
			"pri": strconv.Itoa(int(in.Partitions)), "rep": "0",
			"docs.count": strconv.FormatInt(in.Docs, 10), "docs.deleted": "0",
			"store.size": catSize(in.Bytes), "pri.store.size": catSize(in.Bytes), "dataset.size": catSize(in.Bytes),
		}
	}
	if c.QueryParam("format") == "json" {
		return c.JSON(http.StatusOK, rows)
	}
	cols := []string{"health", "status", "index", "uuid", "pri", "rep", "docs.count", "docs.deleted", "store.size", "pri.store.size", "dataset.size"}
	if h := c.QueryParam("h"); h != "" {
		cols = strings.Split(h, ",")
	}
	var b strings.Builder
	if c.QueryParams().Has("v") {
		b.WriteString(strings.Join(cols, " ") + "\n")
	}
	for _, r := range rows {
		vals := make([]string, len(cols))
		for i, col := range cols {
			vals[i] = r[col]
		}
		b.WriteString(strings.Join(vals, " ") + "\n")
	}
	return c.Blob(http.StatusOK, "text/plain; charset=UTF-8", []byte(b.String()))
}

// catSize writes bytes as _cat does (b, kb, mb, gb).
func catSize(n int64) string {
	switch {
	case n >= 1<<30:
		return strconv.FormatFloat(float64(n)/(1<<30), 'f', 1, 64) + "gb"
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + "mb"
	case n >= 1<<10:
		return strconv.FormatFloat(float64(n)/(1<<10), 'f', 1, 64) + "kb"
	}
	return strconv.FormatInt(n, 10) + "b"
}

func (s *Server) esFieldCaps(c echo.Context) error {
	ctx := c.Request().Context()
	topics, err := s.svc.Search.Resolve(param(c, "index"))
	if err != nil {
		return esError(c, err)
	}
	want := c.QueryParam("fields")
	var patterns []string
	for _, f := range strings.Split(want, ",") {
		if f = strings.TrimSpace(f); f != "" {
			patterns = append(patterns, f)
		}
	}
	names := make([]string, 0, len(topics))
	fields := map[string]map[string]any{}
	for _, t := range topics {
		names = append(names, t.Name)
		m, err := s.svc.Search.Mapping(ctx, t)
		if err != nil {
			return esError(c, err)
		}
		for path, fm := range m.Fields {
			if len(patterns) > 0 && !slices.ContainsFunc(patterns, func(p string) bool { return wildcardMatch(p, path) }) {
				continue
			}
			if fields[path] == nil {
				fields[path] = map[string]any{}
			}
			fields[path][string(fm.Type)] = map[string]any{
				"type": string(fm.Type), "metadata_field": strings.HasPrefix(path, "_"),
				"searchable": fm.Index, "aggregatable": fm.Type != search.Text && fm.Index,
			}
		}
	}
	return c.JSON(http.StatusOK, map[string]any{"indices": names, "fields": fields})
}

// wildcardMatch matches a field pattern with * against a path.
func wildcardMatch(pattern, s string) bool {
	if pattern == "*" {
		return true
	}
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for i, p := range parts[1:] {
		if i == len(parts)-2 {
			return strings.HasSuffix(s, p)
		}
		k := strings.Index(s, p)
		if k < 0 {
			return false
		}
		s = s[k+len(p):]
	}
	return true
}

func (s *Server) esIndexExists(c echo.Context) error {
	if _, err := s.svc.Search.Resolve(param(c, "index")); err != nil {
		return c.NoContent(http.StatusNotFound)
	}
	return c.NoContent(http.StatusOK)
}

func (s *Server) esIndex(c echo.Context) error {
	ctx := c.Request().Context()
	topics, err := s.svc.Search.Resolve(param(c, "index"))
	if err != nil {
		return esError(c, err)
	}
	out := map[string]any{}
	for _, t := range topics {
		m, err := s.svc.Search.Mapping(ctx, t)
		if err != nil {
			return esError(c, err)
		}
		mb, err := esdsl.WriteMapping(map[string]search.Mapping{t.Name: m}, false)
		if err != nil {
			return esError(c, err)
		}
		out[t.Name] = map[string]any{
			"aliases":  map[string]any{},
			"mappings": rawMappings(mb, t.Name),
			"settings": map[string]any{"index": map[string]any{
				"number_of_shards": strconv.Itoa(int(t.Partitions)), "number_of_replicas": "0",
				"provided_name": t.Name, "uuid": t.ID.String(),
				"max_result_window": strconv.Itoa(s.svc.Search.MaxResultWindow()),
			}},
		}
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) esRefuseWrite(c echo.Context) error {
	return esError(c, &esdsl.Error{Status: http.StatusBadRequest, Type: esdsl.TypeIllegalArgument,
		Reason: "Chronik indexes the records of topics: produce the document to the topic with a Kafka client instead of writing it through this API"})
}

// rawMappings is the "mappings" object of one index in WriteMapping's
// answer.
func rawMappings(answer []byte, index string) json.RawMessage {
	var all map[string]struct {
		Mappings json.RawMessage `json:"mappings"`
	}
	if err := json.Unmarshal(answer, &all); err != nil {
		return json.RawMessage(`{}`)
	}
	return all[index].Mappings
}
