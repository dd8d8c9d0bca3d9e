package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/chronik-stream/chronik/adapters/httpapi"
	"github.com/chronik-stream/chronik/application/groups"
	"github.com/chronik-stream/chronik/application/topics"
)

func TestHealthFollowsReadiness(t *testing.T) {
	f := newFixture(t, nil)
	f.srv.SetReady(false)
	do(t, "GET", f.unified.URL+"/health", nil).isError(t, http.StatusServiceUnavailable, 503)
	do(t, "GET", f.admin.URL+"/admin/health", nil).isError(t, http.StatusServiceUnavailable, 503)

	f.srv.SetReady(true)
	for _, url := range []string{f.unified.URL + "/health", f.unified.URL + "/admin/health", f.admin.URL + "/admin/health"} {
		var body map[string]string
		do(t, "GET", url, nil).decode(t, http.StatusOK, &body)
		if body["status"] != "ok" || len(body) != 1 {
			t.Fatalf("%s: %v, want {\"status\":\"ok\"}", url, body)
		}
	}
}

func TestMetricsServesTheRegistry(t *testing.T) {
	f := newFixture(t, nil)
	r := do(t, "GET", f.unified.URL+"/metrics", nil)
	if r.status != http.StatusOK || !strings.Contains(string(r.body), "go_goroutines") {
		t.Fatalf("HTTP %d without go_goroutines:\n%.500s", r.status, r.body)
	}
	// Not on the admin port.
	do(t, "GET", f.admin.URL+"/metrics", nil, httpapi.HeaderAPIKey, testKey).isError(t, http.StatusNotFound, 404)
}

func TestAdminKey(t *testing.T) {
	f := newFixture(t, nil)
	for _, tc := range []struct {
		name, method, path string
	}{
		{"status", "GET", "/admin/status"},
		{"topics", "GET", "/admin/topics"},
		{"groups", "GET", "/admin/groups"},
		{"registry_read", "GET", "/subjects"},
		{"registry_write", "PUT", "/config"},
		{"pprof", "GET", "/debug/pprof/"},
		{"unknown_route", "GET", "/no/such/route"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := f.admin.URL + tc.path
			var body any
			if tc.method == "PUT" {
				body = map[string]string{"compatibility": "FULL"}
			}
			e := doAnon(t, tc.method, url, body).isError(t, http.StatusUnauthorized, 401)
			if !strings.Contains(e.Message, "X-API-Key") {
				t.Errorf("the message does not say what is missing: %q", e.Message)
			}
			do(t, tc.method, url, body, httpapi.HeaderAPIKey, "wrong-key").isError(t, http.StatusUnauthorized, 401)
			do(t, tc.method, url, body, httpapi.HeaderAPIKey, testKey+"x").isError(t, http.StatusUnauthorized, 401)
			r := do(t, tc.method, url, body, httpapi.HeaderAPIKey, testKey)
			if tc.name == "unknown_route" {
				r.isError(t, http.StatusNotFound, 404)
			} else if r.status != http.StatusOK {
				t.Fatalf("with the key: HTTP %d: %s", r.status, r.body)
			}
		})
	}
	// The unified port's read-only admin routes need no key; the profiler
	// is not there at all.
	do(t, "GET", f.unified.URL+"/admin/status", nil).decode(t, http.StatusOK, nil)
	do(t, "GET", f.unified.URL+"/debug/pprof/", nil).isError(t, http.StatusNotFound, 404)
}

func TestAdminState(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	if _, err := f.topics.Create(ctx, topics.Spec{Name: "orders", Partitions: 2, ReplicationFactor: -1, Configs: map[string]string{"retention.ms": "1000"}}, false); err != nil {
		t.Fatal(err)
	}
	f.appendRecords(t, "orders", 0, 5)
	f.appendRecords(t, "orders", 0, 10)
	commits := []groups.Commit{{Partition: topicPartition("orders", 0), Offset: groups.Offset{Offset: 9}}}
	if errs, err := f.groups.CommitOffsets(ctx, "billing", "", "", -1, commits); err != nil || errs[0] != nil {
		t.Fatalf("commit: %v %v", err, errs)
	}
	if _, err := f.registry.Register(ctx, "orders-value", registryRequest(`["a"]`)); err != nil {
		t.Fatal(err)
	}

	var st struct {
		NodeID        int32  `json:"node_id"`
		Version       string `json:"version"`
		Ready         bool   `json:"ready"`
		Kafka         string `json:"kafka_address"`
		DataDir       string `json:"data_dir"`
		Topics        int    `json:"topics"`
		Partitions    int    `json:"partitions"`
		Groups        int    `json:"groups"`
		Subjects      int    `json:"schema_subjects"`
		UptimeSeconds *int64 `json:"uptime_seconds"`
		Tiering       *struct {
			UploadedObjects *int64 `json:"uploaded_objects"`
		} `json:"tiering"`
	}
	do(t, "GET", f.admin.URL+"/admin/status", nil, httpapi.HeaderAPIKey, testKey).decode(t, http.StatusOK, &st)
	if st.NodeID != 7 || st.Version != "1.2.3" || !st.Ready || st.Kafka != "127.0.0.1:9092" || st.DataDir != "/var/lib/chronik" ||
		st.Topics != 1 || st.Partitions != 2 || st.Groups != 1 || st.Subjects != 1 || st.UptimeSeconds == nil ||
		st.Tiering == nil || st.Tiering.UploadedObjects == nil {
		t.Fatalf("status %+v", st)
	}

	var list struct {
		Topics []struct {
			Name       string            `json:"name"`
			ID         string            `json:"id"`
			Partitions int32             `json:"partitions"`
			Overrides  map[string]string `json:"config_overrides"`
		} `json:"topics"`
	}
	do(t, "GET", f.unified.URL+"/admin/topics", nil).decode(t, http.StatusOK, &list)
	if len(list.Topics) != 1 || list.Topics[0].Name != "orders" || list.Topics[0].Partitions != 2 || len(list.Topics[0].ID) != 32 ||
		list.Topics[0].Overrides["retention.ms"] != "1000" {
		t.Fatalf("topics %+v", list)
	}

	var one struct {
		Name  string `json:"name"`
		Parts []struct {
			Partition     int32 `json:"partition"`
			LogStart      int64 `json:"log_start_offset"`
			HighWatermark int64 `json:"high_watermark"`
			SizeBytes     int64 `json:"size_bytes"`
		} `json:"partition_info"`
		Configs []struct {
			Name    string `json:"name"`
			Value   string `json:"value"`
			Default bool   `json:"is_default"`
		} `json:"configs"`
	}
	do(t, "GET", f.unified.URL+"/admin/topics/orders", nil).decode(t, http.StatusOK, &one)
	if len(one.Parts) != 2 || one.Parts[0].HighWatermark != 15 || one.Parts[0].LogStart != 0 || one.Parts[0].SizeBytes <= 0 ||
		one.Parts[1].HighWatermark != 0 {
		t.Fatalf("partitions %+v", one.Parts)
	}
	found := 0
	for _, c := range one.Configs {
		if c.Name == "retention.ms" && c.Value == "1000" && !c.Default || c.Name == "cleanup.policy" && c.Value == "delete" && c.Default {
			found++
		}
	}
	if found != 2 {
		t.Fatalf("configs %+v: want retention.ms=1000 set and cleanup.policy=delete by default", one.Configs)
	}
	do(t, "GET", f.unified.URL+"/admin/topics/nope", nil).isError(t, http.StatusNotFound, 40450)

	var gs struct {
		Groups []struct {
			ID         string `json:"group_id"`
			Type       string `json:"type"`
			Lag        int64  `json:"lag"`
			Partitions []struct {
				Topic     string `json:"topic"`
				Committed int64  `json:"committed_offset"`
				HWM       int64  `json:"high_watermark"`
				Lag       int64  `json:"lag"`
			} `json:"partitions"`
		} `json:"groups"`
	}
	do(t, "GET", f.unified.URL+"/admin/groups", nil).decode(t, http.StatusOK, &gs)
	if len(gs.Groups) != 1 || gs.Groups[0].ID != "billing" || gs.Groups[0].Lag != 6 || gs.Groups[0].Type != "classic" ||
		len(gs.Groups[0].Partitions) != 1 || gs.Groups[0].Partitions[0].HWM != 15 || gs.Groups[0].Partitions[0].Committed != 9 {
		t.Fatalf("groups %+v", gs)
	}
}

func TestUnknownRouteAndMethod(t *testing.T) {
	f := newFixture(t, nil)
	do(t, "GET", f.unified.URL+"/nothing/here", nil).isError(t, http.StatusNotFound, 404)
	do(t, "PATCH", f.unified.URL+"/subjects", nil).isError(t, http.StatusMethodNotAllowed, 405)
}
