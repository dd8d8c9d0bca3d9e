package httpapi_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/chronik-stream/chronik/adapters/httpapi"
)

// registryWrites are the schema registry's routes that change it.
var registryWrites = []struct {
	name, method, path string
	body               any
}{
	{"register", "POST", "/subjects/s/versions", map[string]string{"schema": `["a"]`}},
	{"import", "POST", "/subjects/s/versions", map[string]any{"schema": `["a"]`, "id": 7, "version": 1}},
	{"delete_subject", "DELETE", "/subjects/s", nil},
	{"delete_version", "DELETE", "/subjects/s/versions/1", nil},
	{"set_global_level", "PUT", "/config", map[string]string{"compatibility": "NONE"}},
	{"set_level", "PUT", "/config/s", map[string]string{"compatibility": "NONE"}},
	{"delete_level", "DELETE", "/config/s", nil},
	{"set_global_mode", "PUT", "/mode", map[string]string{"mode": "READONLY"}},
	{"set_mode", "PUT", "/mode/s", map[string]string{"mode": "READONLY"}},
	{"delete_mode", "DELETE", "/mode/s", nil},
}

// On the unified port, without registry users, every write needs the admin
// key, as X-API-Key or as a Basic password under any user name; reads,
// lookups and compatibility tests stay open. On main every write was open
// to anyone.
func TestRegistryWritesNeedTheKey(t *testing.T) {
	f := newFixture(t, nil)
	u := f.unified.URL
	do(t, "POST", u+"/subjects/s/versions", map[string]string{"schema": `["a","b"]`}).decode(t, http.StatusOK, nil)
	basic := func(user, pass string) []string {
		r, _ := http.NewRequest("GET", "/", nil)
		r.SetBasicAuth(user, pass)
		return []string{"Authorization", r.Header.Get("Authorization")}
	}
	for _, w := range registryWrites {
		t.Run(w.name, func(t *testing.T) {
			for _, h := range [][]string{nil, {httpapi.HeaderAPIKey, "wrong-key-0123456789"}, basic("any", "wrong"), basic(testKey, "")} {
				r := doAnon(t, w.method, u+w.path, w.body, h...)
				e := r.isError(t, http.StatusUnauthorized, 401)
				if !strings.Contains(e.Message, "admin API key") || !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Basic ") {
					t.Fatalf("answer %q, WWW-Authenticate %q", e.Message, r.header.Get("WWW-Authenticate"))
				}
			}
		})
	}
	// Nothing changed.
	do(t, "GET", u+"/mode", nil).decode(t, http.StatusOK, nil)
	var mode struct{ Mode string }
	doAnon(t, "GET", u+"/mode", nil).decode(t, http.StatusOK, &mode)
	if mode.Mode != "READWRITE" {
		t.Fatalf("mode %q after refused writes", mode.Mode)
	}
	// Reads stay open, lookups and compatibility tests too (Confluent's
	// RBAC counts them as reads).
	doAnon(t, "GET", u+"/subjects", nil).decode(t, http.StatusOK, nil)
	doAnon(t, "GET", u+"/schemas/ids/1", nil).decode(t, http.StatusOK, nil)
	doAnon(t, "POST", u+"/subjects/s", map[string]string{"schema": `["b","a"]`}).decode(t, http.StatusOK, nil)
	doAnon(t, "POST", u+"/compatibility/subjects/s/versions/latest", map[string]string{"schema": `["a"]`}).decode(t, http.StatusOK, nil)
	// The key as X-API-Key, or as a Basic password with any user name.
	doAnon(t, "PUT", u+"/config/s", map[string]string{"compatibility": "NONE"}, httpapi.HeaderAPIKey, testKey).decode(t, http.StatusOK, nil)
	doAnon(t, "PUT", u+"/config/s", map[string]string{"compatibility": "FULL"}, basic("whoever", testKey)...).decode(t, http.StatusOK, nil)
	// A Confluent-style client with basic.auth.user.info=any:<key>.
	cl, err := sr.NewClient(sr.URLs(u), sr.BasicAuth("any", testKey))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl.CreateSchema(context.Background(), "t", sr.Schema{Schema: `["x"]`}); err != nil {
		t.Fatal(err)
	}
	anon, _ := sr.NewClient(sr.URLs(u))
	var re *sr.ResponseError
	if _, err := anon.CreateSchema(context.Background(), "t", sr.Schema{Schema: `["y"]`}); !errors.As(err, &re) || re.StatusCode != 401 || re.ErrorCode != 401 {
		t.Fatalf("anonymous register: %v", err)
	}
	if _, err := anon.SchemaByID(context.Background(), 1); err != nil {
		t.Fatalf("anonymous read: %v", err)
	}
}

// With registry users configured, they govern writes on the unified port:
// a user writes without the admin key.
func TestRegistryUsersGovernWrites(t *testing.T) {
	f := newFixture(t, func(c *httpapi.Config, _ *httpapi.Services) {
		c.RegistryAuth = true
		c.RegistryUsers = map[string]string{"bob": "hunter2"}
	})
	cl, _ := sr.NewClient(sr.URLs(f.unified.URL), sr.BasicAuth("bob", "hunter2"))
	if _, err := cl.CreateSchema(context.Background(), "s", sr.Schema{Schema: `["a"]`}); err != nil {
		t.Fatal(err)
	}
	byKey, _ := sr.NewClient(sr.URLs(f.unified.URL), sr.BasicAuth("any", testKey))
	var re *sr.ResponseError
	if _, err := byKey.CreateSchema(context.Background(), "s", sr.Schema{Schema: `["b"]`}); !errors.As(err, &re) || re.StatusCode != 401 {
		t.Fatalf("the admin key as a Basic password when users are configured: %v", err)
	}
}

// A registry body over the registry's limit is refused with 413 before it
// is parsed, whether its length is declared or not. On main the limit was
// the general 16 MiB one.
func TestRegistryBodyLimit(t *testing.T) {
	f := newFixture(t, func(c *httpapi.Config, _ *httpapi.Services) { c.MaxBodyBytes = 64 << 20 })
	big := `{"schema":"[\"` + strings.Repeat("a", 2<<20) + `\"]"}`
	for _, path := range []string{"/subjects/s/versions", "/subjects/s", "/compatibility/subjects/s/versions"} {
		e := do(t, "POST", f.unified.URL+path, big).isError(t, http.StatusRequestEntityTooLarge, 413)
		if !strings.Contains(e.Message, "2097152 bytes") {
			t.Fatalf("message %q does not give the limit", e.Message)
		}
		// Chunked: no declared length.
		r, _ := http.NewRequest("POST", f.unified.URL+path, io.MultiReader(strings.NewReader(big)))
		r.Header.Set(httpapi.HeaderAPIKey, testKey)
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("chunked: HTTP %d", resp.StatusCode)
		}
	}
	do(t, "POST", f.unified.URL+"/subjects/s/versions", `{"schema":"[\"a\"]"}`).decode(t, http.StatusOK, nil)
}
