package pgwire

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	s := startServer(t, Config{Users: map[string]string{"u": "p"}, Metrics: reg}, newFake())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := pgx.Connect(ctx, connString(s, "u", "bad")); err == nil {
		t.Fatal("bad password accepted")
	}
	c := connect(t, s, "u", "p")
	c.Exec(ctx, "SELECT 1", pgx.QueryExecModeSimpleProtocol)
	c.Exec(ctx, "SELEC", pgx.QueryExecModeSimpleProtocol)
	c.Exec(ctx, "SET application_name = 'x'") // answered by the session: not a query
	for name, got := range map[string]float64{
		"auth_failed": testutil.ToFloat64(s.met.closes.WithLabelValues("auth_failed")),
		"ok":          testutil.ToFloat64(s.met.queries.WithLabelValues("ok")),
		"error":       testutil.ToFloat64(s.met.queries.WithLabelValues("error")),
		"open":        testutil.ToFloat64(s.met.connections),
	} {
		if got != 1 {
			t.Errorf("%s = %v, want 1", name, got)
		}
	}
	if n, err := testutil.GatherAndCount(reg, "chronik_pg_connections", "chronik_pg_connections_closed_total", "chronik_pg_queries_total", "chronik_pg_query_duration_seconds"); err != nil || n < 4 {
		t.Errorf("gathered %d series: %v", n, err)
	}
}
