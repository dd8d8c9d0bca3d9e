package httpapi

import (
	"net/http"
	"net/http/pprof"
	"net/url"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/chronik-stream/chronik/domain/topic"
)

// routes registers both APIs' routes; doc.go has the table.
func (s *Server) routes() {
	maxBody := min(s.cfg.MaxBodyBytes, s.cfg.RegistryMaxBodyBytes)
	reg := &registryAPI{svc: s.svc.Registry, maxBody: maxBody,
		body: newBodyBudget(maxBody, s.cfg.RegistryBodyBudget, s.cfg.RegistryBodyWait).middleware}
	regMW := []echo.MiddlewareFunc{registryContentType}
	if s.cfg.RegistryAuth {
		regMW = append(regMW, basicAuth(s.cfg.RegistryUsers))
	}
	// Without registry users, writes on the unified port need the admin
	// key (reads stay open); with them, the users govern, as on the admin
	// port, where the key is needed for everything anyway.
	unifiedWrites := regMW
	if !s.cfg.RegistryAuth {
		unifiedWrites = append(slices.Clip(regMW), requireWriteKey(s.cfg.AdminKey))
	}

	u := s.unified
	u.GET("/health", s.health)
	u.GET("/admin/health", s.health)
	if s.svc.Metrics != nil {
		u.GET("/metrics", echo.WrapHandler(s.svc.Metrics))
	}
	s.adminRoutes(u)
	s.sqlRoutes(u)
	reg.routes(u, regMW, unifiedWrites)
	s.searchRoutes(u)

	a := s.admin
	a.Use(requireAPIKey(s.cfg.AdminKey))
	a.GET("/admin/health", s.health)
	s.adminRoutes(a)
	s.sqlRoutes(a)
	reg.routes(a, regMW, regMW)
	s.searchRoutes(a)
	// Go's profiler, for operators, behind the admin key only.
	a.GET("/debug/pprof/*", echo.WrapHandler(http.HandlerFunc(pprof.Index)))
	a.GET("/debug/pprof/cmdline", echo.WrapHandler(http.HandlerFunc(pprof.Cmdline)))
	a.GET("/debug/pprof/profile", echo.WrapHandler(http.HandlerFunc(pprof.Profile)))
	a.GET("/debug/pprof/symbol", echo.WrapHandler(http.HandlerFunc(pprof.Symbol)))
	a.GET("/debug/pprof/trace", echo.WrapHandler(http.HandlerFunc(pprof.Trace)))
}

func (s *Server) adminRoutes(e *echo.Echo) {
	e.GET("/admin/status", s.status)
	e.GET("/admin/topics", s.listTopics)
	e.GET("/admin/topics/:topic", s.describeTopic)
	e.GET("/admin/groups", s.listGroups)
}

// param returns path parameter name, unescaped (routing runs on the
// escaped path).
func param(c echo.Context, name string) string {
	v := c.Param(name)
	if u, err := url.PathUnescape(v); err == nil {
		return u
	}
	return v
}

func (s *Server) health(c echo.Context) error {
	if !s.ready.Load() {
		return &apiError{status: http.StatusServiceUnavailable, code: codeNotReady, msg: "not ready: the node is starting or stopping"}
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

type statusBody struct {
	NodeID        int32        `json:"node_id"`
	Version       string       `json:"version"`
	Commit        string       `json:"commit,omitempty"`
	Ready         bool         `json:"ready"`
	StartedAt     *time.Time   `json:"started_at,omitempty"`
	UptimeSeconds int64        `json:"uptime_seconds"`
	KafkaAddress  string       `json:"kafka_address,omitempty"`
	Advertised    string       `json:"advertised_address,omitempty"`
	DataDir       string       `json:"data_dir"`
	Topics        int          `json:"topics"`
	Partitions    int64        `json:"partitions"`
	Groups        int          `json:"groups"`
	Subjects      int          `json:"schema_subjects"`
	Tiering       *tieringBody `json:"tiering,omitempty"`
	Indexing      []indexBody  `json:"indexing,omitempty"`
}

// indexBody is one (sink, partition) of the indexing pipeline.
type indexBody struct {
	Sink          string  `json:"sink"`
	Topic         string  `json:"topic"`
	Partition     int32   `json:"partition"`
	Indexed       int64   `json:"indexed_offset"`
	Durable       int64   `json:"durable_offset"`
	HighWatermark int64   `json:"high_watermark"`
	LagRecords    int64   `json:"lag_records"`
	LagSeconds    float64 `json:"lag_seconds"`
	Skipped       int64   `json:"skipped_records"`
	Undecodable   int64   `json:"undecodable_records"`
}

type tieringBody struct {
	UploadedObjects int64 `json:"uploaded_objects"`
	UploadedBytes   int64 `json:"uploaded_bytes"`
	UploadLagBytes  int64 `json:"upload_lag_bytes"`
	UploadErrors    int64 `json:"upload_errors"`
	DeletedObjects  int64 `json:"deleted_objects"`
	RemoteReads     int64 `json:"remote_reads"`
	CacheHits       int64 `json:"cache_hits"`
	CacheMisses     int64 `json:"cache_misses"`
	CacheBytes      int64 `json:"cache_bytes"`
	Snapshots       int64 `json:"snapshots"`
	SnapshotErrors  int64 `json:"snapshot_errors"`
}

func (s *Server) status(c echo.Context) error {
	n := s.cfg.Node
	b := statusBody{
		NodeID: n.ID, Version: n.Version, Commit: n.Commit, Ready: s.ready.Load(),
		Advertised: n.Advertised, DataDir: n.DataDir,
		Groups:   len(s.svc.Groups.List(nil)),
		Subjects: len(s.svc.Registry.Subjects("", false)),
	}
	if t := s.started.Load(); t != nil {
		b.StartedAt = t
		b.UptimeSeconds = int64(time.Since(*t) / time.Second)
	}
	if n.KafkaAddr != nil {
		b.KafkaAddress = n.KafkaAddr()
	}
	for _, t := range s.svc.Topics.List() {
		b.Topics++
		b.Partitions += int64(t.Partitions)
	}
	if s.svc.Tiering != nil {
		st := s.svc.Tiering.Stats()
		b.Tiering = &tieringBody{
			UploadedObjects: st.UploadedObjects, UploadedBytes: st.UploadedBytes, UploadLagBytes: st.UploadLagBytes,
			UploadErrors: st.UploadErrors, DeletedObjects: st.DeletedObjects, RemoteReads: st.RemoteReads,
			CacheHits: st.CacheHits, CacheMisses: st.CacheMisses, CacheBytes: st.CacheBytes,
			Snapshots: st.Snapshots, SnapshotErrors: st.SnapshotErrors,
		}
	}
	if s.svc.Indexing != nil {
		for _, st := range s.svc.Indexing.Stats() {
			b.Indexing = append(b.Indexing, indexBody{Sink: st.Sink, Topic: st.Partition.Topic, Partition: st.Partition.Index,
				Indexed: st.Indexed, Durable: st.Durable, HighWatermark: st.HighWatermark, LagRecords: st.LagRecords,
				LagSeconds: st.LagSeconds, Skipped: st.Skipped, Undecodable: st.Undecodable})
		}
	}
	return c.JSON(http.StatusOK, b)
}

type topicSummary struct {
	Name       string            `json:"name"`
	ID         string            `json:"id"`
	Partitions int32             `json:"partitions"`
	Internal   bool              `json:"internal"`
	Overrides  map[string]string `json:"config_overrides"`
}

func (s *Server) listTopics(c echo.Context) error {
	out := []topicSummary{}
	for _, t := range s.svc.Topics.List() {
		out = append(out, summarize(t))
	}
	return c.JSON(http.StatusOK, map[string]any{"topics": out})
}

func summarize(t topic.Topic) topicSummary {
	overrides := map[string]string{}
	for k, v := range t.Configs {
		overrides[k] = v
	}
	return topicSummary{Name: t.Name, ID: t.ID.String(), Partitions: t.Partitions, Internal: topic.IsInternal(t.Name), Overrides: overrides}
}

type partitionBody struct {
	Partition     int32  `json:"partition"`
	LogStart      int64  `json:"log_start_offset"`
	HighWatermark int64  `json:"high_watermark"`
	LogEnd        int64  `json:"log_end_offset"`
	SizeBytes     int64  `json:"size_bytes"`
	Error         string `json:"error,omitempty"`
}

type configBody struct {
	Name    string `json:"name"`
	Value   string `json:"value"`
	Default bool   `json:"is_default"`
}

type topicBody struct {
	topicSummary
	PartitionInfo []partitionBody `json:"partition_info"`
	Configs       []configBody    `json:"configs"`
}

func (s *Server) describeTopic(c echo.Context) error {
	name := param(c, "topic")
	t, ok := s.svc.Topics.Get(name)
	if !ok {
		return errorf(topic.ErrUnknown, "topic %q", name)
	}
	b := topicBody{topicSummary: summarize(t), PartitionInfo: []partitionBody{}, Configs: []configBody{}}
	for i := range t.Partitions {
		p := topic.Partition{Topic: t.Name, Index: i}
		pb := partitionBody{Partition: i}
		if o, err := s.svc.Fetch.Offsets(p); err != nil {
			pb.Error = err.Error()
		} else {
			pb.LogStart, pb.HighWatermark, pb.LogEnd = o.LogStart, o.HighWatermark, o.LogEnd
		}
		if n, err := s.svc.Fetch.Size(p); err == nil {
			pb.SizeBytes = n
		} else if pb.Error == "" {
			pb.Error = err.Error()
		}
		b.PartitionInfo = append(b.PartitionInfo, pb)
	}
	for _, k := range t.ConfigKeys() {
		v, explicit := t.Value(k)
		b.Configs = append(b.Configs, configBody{Name: k, Value: v, Default: !explicit})
	}
	return c.JSON(http.StatusOK, b)
}

type lagBody struct {
	Topic         string `json:"topic"`
	Partition     int32  `json:"partition"`
	Committed     int64  `json:"committed_offset"`
	HighWatermark int64  `json:"high_watermark"`
	Lag           int64  `json:"lag"`
}

type groupBody struct {
	ID           string    `json:"group_id"`
	State        string    `json:"state"`
	ProtocolType string    `json:"protocol_type"`
	Type         string    `json:"type"` // classic or consumer (KIP-848)
	Lag          int64     `json:"lag"`  // sum over partitions with a known lag
	Partitions   []lagBody `json:"partitions"`
	Error        string    `json:"error,omitempty"`
}

func (s *Server) listGroups(c echo.Context) error {
	out := []groupBody{}
	for _, g := range s.svc.Groups.List(nil) {
		b := groupBody{ID: g.ID, State: g.State.String(), ProtocolType: g.ProtocolType, Type: "classic", Partitions: []lagBody{}}
		if g.Consumer {
			b.Type = "consumer"
		}
		lags, err := s.svc.Groups.Lag(c.Request().Context(), g.ID)
		if err != nil {
			b.Error = err.Error()
		}
		for _, l := range lags {
			b.Partitions = append(b.Partitions, lagBody{Topic: l.Partition.Topic, Partition: l.Partition.Index, Committed: l.Committed, HighWatermark: l.HighWatermark, Lag: l.Lag})
			if l.Lag > 0 {
				b.Lag += l.Lag
			}
		}
		out = append(out, b)
	}
	return c.JSON(http.StatusOK, map[string]any{"groups": out})
}
