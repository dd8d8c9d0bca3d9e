package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chronik-stream/chronik/adapters/httpapi"
	"github.com/chronik-stream/chronik/adapters/metastore/memmeta"
	"github.com/chronik-stream/chronik/application/registry"
	"github.com/chronik-stream/chronik/ports/schemaformat"
	"github.com/chronik-stream/chronik/ports/schemaformat/schemaformattest"
)

// The bytes of registry bodies handled at once are bounded: a request that
// does not fit waits, then is answered 503 with Retry-After; once the
// bodies ahead of it are done, it goes through.
func TestRegistryBodyBudget(t *testing.T) {
	g := schemaformattest.NewGated(4)
	t.Cleanup(g.Open)
	f := newFixture(t, func(c *httpapi.Config, svc *httpapi.Services) {
		c.RegistryMaxBodyBytes, c.RegistryBodyBudget, c.RegistryBodyWait = 100, 100, 200*time.Millisecond
		reg, err := registry.New(context.Background(), memmeta.New(), []schemaformat.Parser{g}, quiet())
		if err != nil {
			t.Fatal(err)
		}
		svc.Registry = reg
	})
	slow := `{"schema":" [\"` + strings.Repeat("a", 40) + `\"]"}` // 53 bytes, parsed slowly
	done := make(chan response, 1)
	go func() { done <- do(t, "POST", f.unified.URL+"/subjects/s/versions", slow) }()
	<-g.Entered

	// 53 + 53 > 100: a second body waits, then is refused; an open route too.
	other := `{"schema":"[\"` + strings.Repeat("b", 40) + `\"]"}`
	start := time.Now()
	r := do(t, "POST", f.unified.URL+"/compatibility/subjects/s/versions", other)
	e := r.isError(t, http.StatusServiceUnavailable, 50302)
	if r.header.Get("Retry-After") == "" || !strings.Contains(e.Message, "100 bytes") {
		t.Fatalf("answer %q, Retry-After %q", e.Message, r.header.Get("Retry-After"))
	}
	if waited := time.Since(start); waited < 150*time.Millisecond {
		t.Fatalf("refused after %v, before waiting", waited)
	}
	// A request without a body needs no room.
	doAnon(t, "GET", f.unified.URL+"/subjects", nil).decode(t, http.StatusOK, nil)

	g.Open()
	(<-done).decode(t, http.StatusOK, nil)
	do(t, "POST", f.unified.URL+"/compatibility/subjects/s/versions", other).decode(t, http.StatusOK, nil)
}
