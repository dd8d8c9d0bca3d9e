package httpapi_test

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/chronik-stream/chronik/adapters/httpapi"
	"github.com/chronik-stream/chronik/application/registry"
	"github.com/chronik-stream/chronik/domain/schema"
)

func registryRequest(text string) registry.Request {
	return registry.Request{Type: schema.Avro, Text: text}
}

type versionResp struct {
	Subject    string             `json:"subject"`
	Version    int                `json:"version"`
	ID         int                `json:"id"`
	SchemaType *string            `json:"schemaType"`
	References []schema.Reference `json:"references"`
	Schema     string             `json:"schema"`
}

// The registry's routes, answers and error codes, as Confluent's API
// reference has them.
func TestRegistryRoutes(t *testing.T) {
	f := newFixture(t, nil)
	u := f.unified.URL
	reg := func(subject, text string, query string) response {
		return do(t, "POST", u+"/subjects/"+subject+"/versions"+query, map[string]any{"schema": text})
	}

	var id struct{ ID int }
	r := reg("orders-value", `["b","a"]`, "")
	r.decode(t, http.StatusOK, &id)
	if id.ID != 1 || r.header.Get("Content-Type") != httpapi.ContentTypeRegistry {
		t.Fatalf("register: id %d, content type %q", id.ID, r.header.Get("Content-Type"))
	}
	reg("orders-value", `["a","b"]`, "?normalize=true").decode(t, http.StatusOK, &id)
	if id.ID != 1 {
		t.Fatalf("the same schema registered again got id %d", id.ID)
	}
	// BACKWARD by default: adding a field is incompatible.
	e := reg("orders-value", `["a","b","c"]`, "").isError(t, http.StatusConflict, 409)
	if !strings.Contains(e.Message, "missing c") {
		t.Fatalf("the incompatibility message does not give the reason: %q", e.Message)
	}
	reg("orders-value", `["a"]`, "").decode(t, http.StatusOK, &id)
	if id.ID != 2 {
		t.Fatalf("second schema id %d", id.ID)
	}
	reg("orders-value", `not json`, "").isError(t, http.StatusUnprocessableEntity, 42201)
	do(t, "POST", u+"/subjects/orders-value/versions", map[string]any{"schema": `["x"]`, "schemaType": "XML"}).isError(t, http.StatusUnprocessableEntity, 42201)
	// A type without a parser is an invalid schema too.
	do(t, "POST", u+"/subjects/orders-value/versions", map[string]any{"schema": `{}`, "schemaType": "PROTOBUF"}).isError(t, http.StatusUnprocessableEntity, 42201)
	do(t, "POST", u+"/subjects/orders-value/versions", map[string]any{"schema": `["q"]`, "id": 99}).isError(t, http.StatusUnprocessableEntity, 42205)

	// Look up.
	var v versionResp
	do(t, "POST", u+"/subjects/orders-value", map[string]any{"schema": `["b","a"]`}).decode(t, http.StatusOK, &v)
	if v.Subject != "orders-value" || v.Version != 1 || v.ID != 1 || v.Schema != `["a","b"]` || v.SchemaType != nil {
		t.Fatalf("lookup %+v (Avro's schemaType must be left out)", v)
	}
	do(t, "POST", u+"/subjects/orders-value", map[string]any{"schema": `["z"]`}).isError(t, http.StatusNotFound, 40403)
	do(t, "POST", u+"/subjects/nope", map[string]any{"schema": `["a"]`}).isError(t, http.StatusNotFound, 40401)

	// Subjects and versions.
	var subjects []string
	do(t, "GET", u+"/subjects", nil).decode(t, http.StatusOK, &subjects)
	if !slices.Equal(subjects, []string{"orders-value"}) {
		t.Fatalf("subjects %v", subjects)
	}
	do(t, "GET", u+"/subjects?subjectPrefix=pay", nil).decode(t, http.StatusOK, &subjects)
	if len(subjects) != 0 {
		t.Fatalf("subjects with prefix pay: %v", subjects)
	}
	var versions []int
	do(t, "GET", u+"/subjects/orders-value/versions", nil).decode(t, http.StatusOK, &versions)
	if !slices.Equal(versions, []int{1, 2}) {
		t.Fatalf("versions %v", versions)
	}
	do(t, "GET", u+"/subjects/nope/versions", nil).isError(t, http.StatusNotFound, 40401)
	do(t, "GET", u+"/subjects/orders-value/versions/latest", nil).decode(t, http.StatusOK, &v)
	if v.Version != 2 || v.ID != 2 || v.Schema != `["a"]` {
		t.Fatalf("latest %+v", v)
	}
	do(t, "GET", u+"/subjects/orders-value/versions/-1", nil).decode(t, http.StatusOK, &v)
	if v.Version != 2 {
		t.Fatalf("version -1 %+v", v)
	}
	if r := do(t, "GET", u+"/subjects/orders-value/versions/1/schema", nil); r.status != http.StatusOK || string(r.body) != `["a","b"]` {
		t.Fatalf("raw schema: HTTP %d %s", r.status, r.body)
	}
	do(t, "GET", u+"/subjects/orders-value/versions/9", nil).isError(t, http.StatusNotFound, 40402)
	do(t, "GET", u+"/subjects/orders-value/versions/zero", nil).isError(t, http.StatusUnprocessableEntity, 42202)

	// By id.
	var byID map[string]any
	do(t, "GET", u+"/schemas/ids/1", nil).decode(t, http.StatusOK, &byID)
	if byID["schema"] != `["a","b"]` || len(byID) != 1 {
		t.Fatalf("schema 1: %v", byID)
	}
	do(t, "GET", u+"/schemas/ids/1?subject=nope", nil).isError(t, http.StatusNotFound, 40403)
	do(t, "GET", u+"/schemas/ids/77", nil).isError(t, http.StatusNotFound, 40403)
	do(t, "GET", u+"/schemas/ids/x", nil).isError(t, http.StatusNotFound, 40403)
	if r := do(t, "GET", u+"/schemas/ids/2/schema", nil); string(r.body) != `["a"]` {
		t.Fatalf("raw schema 2: %s", r.body)
	}
	do(t, "GET", u+"/schemas/ids/1/subjects", nil).decode(t, http.StatusOK, &subjects)
	if !slices.Equal(subjects, []string{"orders-value"}) {
		t.Fatalf("subjects of 1: %v", subjects)
	}
	var svs []struct {
		Subject string
		Version int
	}
	do(t, "GET", u+"/schemas/ids/2/versions", nil).decode(t, http.StatusOK, &svs)
	if len(svs) != 1 || svs[0].Subject != "orders-value" || svs[0].Version != 2 {
		t.Fatalf("versions of 2: %+v", svs)
	}
	var all []versionResp
	do(t, "GET", u+"/schemas?latestOnly=true", nil).decode(t, http.StatusOK, &all)
	if len(all) != 1 || all[0].Version != 2 {
		t.Fatalf("latest schemas %+v", all)
	}
	var types []string
	do(t, "GET", u+"/schemas/types", nil).decode(t, http.StatusOK, &types)
	if !slices.Equal(types, []string{"AVRO"}) {
		t.Fatalf("types %v", types)
	}
	var contexts []string
	do(t, "GET", u+"/contexts", nil).decode(t, http.StatusOK, &contexts)
	if !slices.Equal(contexts, []string{"."}) {
		t.Fatalf("contexts %v", contexts)
	}

	// Config.
	var level map[string]string
	do(t, "GET", u+"/config", nil).decode(t, http.StatusOK, &level)
	if level["compatibilityLevel"] != "BACKWARD" {
		t.Fatalf("global level %v", level)
	}
	do(t, "GET", u+"/config/orders-value", nil).isError(t, http.StatusNotFound, 40408)
	do(t, "GET", u+"/config/orders-value?defaultToGlobal=true", nil).decode(t, http.StatusOK, &level)
	if level["compatibilityLevel"] != "BACKWARD" {
		t.Fatalf("subject level with defaultToGlobal %v", level)
	}
	level = nil
	do(t, "PUT", u+"/config/orders-value", map[string]string{"compatibility": "none"}).decode(t, http.StatusOK, &level)
	if level["compatibility"] != "NONE" || len(level) != 1 {
		t.Fatalf("PUT config answered %v", level)
	}
	do(t, "PUT", u+"/config", map[string]string{"compatibility": "SIDEWAYS"}).isError(t, http.StatusUnprocessableEntity, 42203)
	reg("orders-value", `["a","b","c"]`, "").decode(t, http.StatusOK, &id) // NONE lets it in
	level = nil
	do(t, "DELETE", u+"/config/orders-value", nil).decode(t, http.StatusOK, &level)
	if level["compatibilityLevel"] != "NONE" {
		t.Fatalf("DELETE config answered %v", level)
	}
	do(t, "DELETE", u+"/config/orders-value", nil).isError(t, http.StatusNotFound, 40408)

	// Compatibility checks.
	var compat map[string]any
	do(t, "POST", u+"/compatibility/subjects/orders-value/versions/latest", map[string]any{"schema": `["a","b","c","d"]`}).decode(t, http.StatusOK, &compat)
	if compat["is_compatible"] != false || compat["messages"] != nil {
		t.Fatalf("compatibility without verbose: %v", compat)
	}
	compat = nil
	do(t, "POST", u+"/compatibility/subjects/orders-value/versions/latest?verbose=true", map[string]any{"schema": `["a","b","c","d"]`}).decode(t, http.StatusOK, &compat)
	if msgs, _ := compat["messages"].([]any); compat["is_compatible"] != false || len(msgs) == 0 || !strings.Contains(msgs[0].(string), "missing d") {
		t.Fatalf("verbose compatibility: %v", compat)
	}
	compat = nil
	do(t, "POST", u+"/compatibility/subjects/orders-value/versions?verbose=true", map[string]any{"schema": `["a"]`}).decode(t, http.StatusOK, &compat)
	if compat["is_compatible"] != true || compat["messages"] == nil {
		t.Fatalf("compatibility against all: %v", compat)
	}
	do(t, "POST", u+"/compatibility/subjects/nope/versions/3", map[string]any{"schema": `["a"]`}).isError(t, http.StatusNotFound, 40401)

	// Mode.
	var mode map[string]string
	do(t, "GET", u+"/mode", nil).decode(t, http.StatusOK, &mode)
	if mode["mode"] != "READWRITE" {
		t.Fatalf("mode %v", mode)
	}
	do(t, "PUT", u+"/mode", map[string]string{"mode": "IMPORT"}).isError(t, http.StatusUnprocessableEntity, 42205)
	do(t, "PUT", u+"/mode", map[string]string{"mode": "SOMETIMES"}).isError(t, http.StatusUnprocessableEntity, 42204)
	do(t, "PUT", u+"/mode/orders-value", map[string]string{"mode": "READONLY"}).decode(t, http.StatusOK, &mode)
	reg("orders-value", `["a"]`, "").isError(t, http.StatusUnprocessableEntity, 42205)
	do(t, "GET", u+"/mode/other", nil).isError(t, http.StatusNotFound, 40409)
	mode = nil
	do(t, "DELETE", u+"/mode/orders-value", nil).decode(t, http.StatusOK, &mode)
	if mode["mode"] != "READONLY" {
		t.Fatalf("DELETE mode answered %v", mode)
	}
	do(t, "PUT", u+"/mode/imp?force=true", map[string]string{"mode": "IMPORT"}).decode(t, http.StatusOK, &mode)
	do(t, "POST", u+"/subjects/imp/versions", map[string]any{"schema": `["i"]`, "id": 500, "version": 3}).decode(t, http.StatusOK, &id)
	if id.ID != 500 {
		t.Fatalf("import registered id %d", id.ID)
	}

	// References.
	reg("address", `["street"]`, "").decode(t, http.StatusOK, &id)
	addressID := id.ID
	do(t, "POST", u+"/subjects/customer/versions", map[string]any{"schema": `["@address","name"]`,
		"references": []map[string]any{{"name": "address", "subject": "address", "version": 1}}}).decode(t, http.StatusOK, &id)
	customerID := id.ID
	var ids []int
	do(t, "GET", u+"/subjects/address/versions/1/referencedby", nil).decode(t, http.StatusOK, &ids)
	if !slices.Equal(ids, []int{customerID}) {
		t.Fatalf("referencedby %v, want [%d]", ids, customerID)
	}
	do(t, "GET", u+"/subjects/customer/versions/1", nil).decode(t, http.StatusOK, &v)
	if len(v.References) != 1 || v.References[0].Subject != "address" {
		t.Fatalf("customer %+v", v)
	}
	do(t, "DELETE", u+"/subjects/address/versions/1", nil).isError(t, http.StatusUnprocessableEntity, 42206)
	_ = addressID

	// Deletes: soft, then permanent.
	do(t, "DELETE", u+"/subjects/orders-value/versions/1?permanent=true", nil).isError(t, http.StatusNotFound, 40407)
	var n int
	do(t, "DELETE", u+"/subjects/orders-value/versions/1", nil).decode(t, http.StatusOK, &n)
	if n != 1 {
		t.Fatalf("deleted version %d", n)
	}
	do(t, "DELETE", u+"/subjects/orders-value/versions/1", nil).isError(t, http.StatusNotFound, 40406)
	do(t, "GET", u+"/subjects/orders-value/versions/1", nil).isError(t, http.StatusNotFound, 40402)
	do(t, "GET", u+"/subjects/orders-value/versions/1?deleted=true", nil).decode(t, http.StatusOK, &v)
	do(t, "GET", u+"/subjects/orders-value/versions?deleted=true", nil).decode(t, http.StatusOK, &versions)
	if !slices.Equal(versions, []int{1, 2, 3}) {
		t.Fatalf("versions with deleted %v", versions)
	}
	do(t, "DELETE", u+"/subjects/orders-value/versions/1?permanent=true", nil).decode(t, http.StatusOK, &n)
	do(t, "DELETE", u+"/subjects/orders-value?permanent=true", nil).isError(t, http.StatusNotFound, 40405)
	do(t, "DELETE", u+"/subjects/orders-value", nil).decode(t, http.StatusOK, &versions)
	if !slices.Equal(versions, []int{2, 3}) {
		t.Fatalf("subject delete answered %v", versions)
	}
	do(t, "DELETE", u+"/subjects/orders-value", nil).isError(t, http.StatusNotFound, 40404)
	do(t, "GET", u+"/subjects?deleted=true", nil).decode(t, http.StatusOK, &subjects)
	if !slices.Contains(subjects, "orders-value") {
		t.Fatalf("subjects with deleted %v", subjects)
	}
	do(t, "DELETE", u+"/subjects/orders-value?permanent=true", nil).decode(t, http.StatusOK, &versions)
	do(t, "GET", u+"/subjects/orders-value/versions?deleted=true", nil).isError(t, http.StatusNotFound, 40401)
}

// A subject with '/' and '%' travels escaped and arrives whole.
func TestSubjectNamesAreUnescaped(t *testing.T) {
	f := newFixture(t, nil)
	var id struct{ ID int }
	do(t, "POST", f.unified.URL+"/subjects/a%2Fb%25c%20d/versions", map[string]any{"schema": `["x"]`}).decode(t, http.StatusOK, &id)
	if got := f.registry.Subjects("", false); !slices.Equal(got, []string{"a/b%c d"}) {
		t.Fatalf("subjects %q", got)
	}
	var v versionResp
	do(t, "GET", f.unified.URL+"/subjects/a%2Fb%25c%20d/versions/1", nil).decode(t, http.StatusOK, &v)
	if v.Subject != "a/b%c d" {
		t.Fatalf("subject %q", v.Subject)
	}
}

func TestRequestsAreCheckedNotDropped(t *testing.T) {
	f := newFixture(t, nil)
	u := f.unified.URL + "/subjects/s/versions"
	for _, tc := range []struct {
		name   string
		body   string
		status int
		code   int
		says   string
	}{
		{"rule_set", `{"schema":"[\"a\"]","ruleSet":{"domainRules":[{"name":"r","kind":"CONDITION","mode":"WRITE","type":"CEL","expr":"true"}]}}`, 422, 42201, "ruleSet"},
		{"metadata", `{"schema":"[\"a\"]","metadata":{"properties":{"owner":"team"}}}`, 422, 42201, "metadata"},
		{"schema_tags", `{"schema":"[\"a\"]","schemaTagsToAdd":[{"path":["x"],"tags":["PII"]}]}`, 422, 42201, "schemaTagsToAdd"},
		{"unknown_field", `{"schema":"[\"a\"]","colour":"blue"}`, 422, 42201, "colour"},
		{"unknown_reference_field", `{"schema":"[\"a\"]","references":[{"name":"n","subject":"s","version":1,"extra":1}]}`, 422, 42201, "extra"},
		{"no_schema", `{"schemaType":"AVRO"}`, 422, 42201, "schema"},
		{"wrong_type", `{"schema":5}`, 422, 422, "schema"},
		{"not_an_object", `[1,2]`, 422, 422, "object"},
		{"malformed", `{"schema":`, 400, 400, "JSON"},
		{"empty", ``, 400, 400, "empty"},
		{"two_values", `{"schema":"[\"a\"]"} {}`, 400, 400, "more than one"},
		{"other_subject", `{"schema":"[\"a\"]","subject":"t"}`, 422, 42201, "subject"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := do(t, "POST", u, tc.body).isError(t, tc.status, tc.code)
			if !strings.Contains(e.Message, tc.says) {
				t.Fatalf("message %q does not mention %q", e.Message, tc.says)
			}
		})
	}
	if got := f.registry.Subjects("", true); len(got) != 0 {
		t.Fatalf("a refused request registered something: %v", got)
	}
	// Empty unsupported fields ask for nothing and are accepted.
	var id struct{ ID int }
	do(t, "POST", u, `{"schema":"[\"a\"]","metadata":null,"ruleSet":{},"schemaTagsToAdd":[],"subject":"s"}`).decode(t, http.StatusOK, &id)
	// Config bodies too.
	do(t, "PUT", f.unified.URL+"/config", `{"compatibility":"FULL","alias":"other"}`).isError(t, 422, 42201)
	do(t, "PUT", f.unified.URL+"/config", `{"compatibility":"FULL","normalize":true}`).isError(t, 422, 42201)
	do(t, "PUT", f.unified.URL+"/config", `{"compatibility":"FULL","normalize":false}`).decode(t, http.StatusOK, nil)
	do(t, "PUT", f.unified.URL+"/mode", `{"mode":"READWRITE","other":1}`).isError(t, 422, 42201)

	// Content types: Confluent's and JSON are read, others refused.
	for _, ct := range []string{"application/vnd.schemaregistry.v1+json", "application/vnd.schemaregistry+json", "application/json; charset=utf-8", "application/octet-stream"} {
		do(t, "POST", u, `{"schema":"[\"a\"]"}`, "Content-Type", ct).decode(t, http.StatusOK, nil)
	}
	r := do(t, "POST", u, `{"schema":"[\"a\"]"}`, "Content-Type", "text/plain")
	r.isError(t, http.StatusUnsupportedMediaType, 415)
	if r.header.Get("Content-Type") != httpapi.ContentTypeRegistry {
		t.Fatalf("a registry error came as %q", r.header.Get("Content-Type"))
	}
}

func TestBodyLimit(t *testing.T) {
	f := newFixture(t, func(c *httpapi.Config, _ *httpapi.Services) { c.MaxBodyBytes = 64 })
	big := `{"schema":"[\"` + strings.Repeat("a", 100) + `\"]"}`
	e := do(t, "POST", f.unified.URL+"/subjects/s/versions", big).isError(t, http.StatusRequestEntityTooLarge, 413)
	if !strings.Contains(e.Message, "64 bytes") {
		t.Fatalf("message %q does not give the limit", e.Message)
	}
	do(t, "POST", f.unified.URL+"/subjects/s/versions", `{"schema":"[\"a\"]"}`).decode(t, http.StatusOK, nil)
}

// basicAuth is the Authorization header of HTTP Basic authentication, as
// a header name and value for do and doAnon.
func basicAuth(user, pass string) []string {
	return []string{"Authorization", "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))}
}

func TestRegistryBasicAuth(t *testing.T) {
	f := newFixture(t, func(c *httpapi.Config, _ *httpapi.Services) {
		c.RegistryAuth = true
		c.RegistryUsers = map[string]string{"alice": "s3cret:with:colons", "bob": "hunter2"}
	})
	req := func(base string, user, pass string, headers ...string) response {
		t.Helper()
		if user != "" {
			headers = append(basicAuth(user, pass), headers...)
		}
		return doAnon(t, "GET", base+"/subjects", nil, headers...)
	}
	for _, tc := range []struct{ name, user, pass string }{{"none", "", ""}, {"wrong_password", "alice", "nope"}, {"unknown_user", "carol", "hunter2"}, {"swapped", "bob", "s3cret:with:colons"}} {
		r := req(f.unified.URL, tc.user, tc.pass)
		r.isError(t, http.StatusUnauthorized, 401)
		if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Basic ") {
			t.Fatalf("%s: no WWW-Authenticate: %v", tc.name, r.header)
		}
	}
	req(f.unified.URL, "alice", "s3cret:with:colons").decode(t, http.StatusOK, nil)
	req(f.unified.URL, "bob", "hunter2").decode(t, http.StatusOK, nil)
	// Health, metrics and the unified admin routes do not ask for it.
	for _, p := range []string{"/health", "/metrics", "/admin/status"} {
		if r := do(t, "GET", f.unified.URL+p, nil); r.status != http.StatusOK {
			t.Fatalf("%s: HTTP %d", p, r.status)
		}
	}
	// On the admin port the registry needs both the key and a user.
	req(f.admin.URL, "bob", "hunter2").isError(t, http.StatusUnauthorized, 401)
	req(f.admin.URL, "", "", httpapi.HeaderAPIKey, testKey).isError(t, http.StatusUnauthorized, 401)
	req(f.admin.URL, "bob", "hunter2", httpapi.HeaderAPIKey, testKey).decode(t, http.StatusOK, nil)
	// The franz-go client with credentials works.
	cl, err := sr.NewClient(sr.URLs(f.unified.URL), sr.BasicAuth("bob", "hunter2"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl.CreateSchema(context.Background(), "s", sr.Schema{Schema: `["a"]`}); err != nil {
		t.Fatal(err)
	}
	bad, _ := sr.NewClient(sr.URLs(f.unified.URL), sr.BasicAuth("bob", "wrong"))
	var re *sr.ResponseError
	if _, err := bad.Subjects(context.Background()); !errors.As(err, &re) || re.StatusCode != 401 || re.ErrorCode != 401 {
		t.Fatalf("bad credentials: %v", err)
	}
}

// franz-go's schema registry client against the routes.
func TestFranzGoRegistryClient(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	cl, err := sr.NewClient(sr.URLs(f.unified.URL), sr.BasicAuth("any", testKey))
	if err != nil {
		t.Fatal(err)
	}
	v1, err := cl.CreateSchema(ctx, "orders-value", sr.Schema{Schema: `["id","total"]`})
	if err != nil {
		t.Fatal(err)
	}
	if v1.ID != 1 || v1.Version != 1 || v1.Subject != "orders-value" || v1.Type != sr.TypeAvro {
		t.Fatalf("created %+v", v1)
	}
	v2, err := cl.CreateSchema(ctx, "orders-value", sr.Schema{Schema: `["id"]`})
	if err != nil || v2.Version != 2 {
		t.Fatalf("evolved: %+v %v", v2, err)
	}
	_, err = cl.CreateSchema(ctx, "orders-value", sr.Schema{Schema: `["id","currency"]`})
	var re *sr.ResponseError
	if !errors.As(err, &re) || re.ErrorCode != 409 {
		t.Fatalf("incompatible schema: %v", err)
	}
	if s, err := cl.SchemaByID(ctx, v1.ID); err != nil || s.Schema != `["id","total"]` {
		t.Fatalf("by id: %+v %v", s, err)
	}
	if s, err := cl.SchemaTextByID(ctx, v2.ID); err != nil || s != `["id"]` {
		t.Fatalf("text by id: %q %v", s, err)
	}
	if subjects, err := cl.Subjects(ctx); err != nil || !slices.Equal(subjects, []string{"orders-value"}) {
		t.Fatalf("subjects %v %v", subjects, err)
	}
	if vs, err := cl.SubjectVersions(ctx, "orders-value"); err != nil || !slices.Equal(vs, []int{1, 2}) {
		t.Fatalf("versions %v %v", vs, err)
	}
	if s, err := cl.SchemaByVersion(ctx, "orders-value", -1); err != nil || s.Version != 2 || s.ID != v2.ID {
		t.Fatalf("latest %+v %v", s, err)
	}
	if s, err := cl.LookupSchema(ctx, "orders-value", sr.Schema{Schema: `["total","id"]`}); err != nil || s.Version != 1 {
		t.Fatalf("lookup %+v %v", s, err)
	}
	if res, err := cl.CheckCompatibility(sr.WithParams(ctx, sr.Verbose), "orders-value", -1, sr.Schema{Schema: `["id","x"]`}); err != nil || res.Is || len(res.Messages) == 0 {
		t.Fatalf("check compatibility %+v %v", res, err)
	}
	if types, err := cl.SupportedTypes(ctx); err != nil || !slices.Equal(types, []sr.SchemaType{sr.TypeAvro}) {
		t.Fatalf("types %v %v", types, err)
	}
	set := cl.SetCompatibility(ctx, sr.SetCompatibility{Level: sr.CompatFull}, "orders-value")
	if set[0].Err != nil || set[0].Level != sr.CompatFull {
		t.Fatalf("set compatibility %+v", set[0])
	}
	got := cl.Compatibility(ctx, "orders-value")
	if got[0].Err != nil || got[0].Level != sr.CompatFull {
		t.Fatalf("compatibility %+v", got[0])
	}
	if modes := cl.SetMode(ctx, sr.ModeReadOnly, "orders-value"); modes[0].Err != nil || modes[0].Mode != sr.ModeReadOnly {
		t.Fatalf("set mode %+v", modes[0])
	}
	if modes := cl.ResetMode(ctx, "orders-value"); modes[0].Err != nil {
		t.Fatalf("reset mode %+v", modes[0])
	}
	if err := cl.DeleteSchema(ctx, "orders-value", 1, sr.HardDelete); !errors.As(err, &re) || re.ErrorCode != 40407 {
		t.Fatalf("hard delete before soft: %v", err)
	}
	if err := cl.DeleteSchema(ctx, "orders-value", 1, sr.SoftDelete); err != nil {
		t.Fatal(err)
	}
	if err := cl.DeleteSchema(ctx, "orders-value", 1, sr.HardDelete); err != nil {
		t.Fatal(err)
	}
	if vs, err := cl.DeleteSubject(ctx, "orders-value", sr.SoftDelete); err != nil || !slices.Equal(vs, []int{2}) {
		t.Fatalf("delete subject %v %v", vs, err)
	}
	if _, err := cl.SchemaByVersion(ctx, "orders-value", 2); !errors.As(err, &re) || re.ErrorCode != 40401 {
		t.Fatalf("a deleted subject: %v", err)
	}
	if vs, err := cl.DeleteSubject(ctx, "orders-value", sr.HardDelete); err != nil || !slices.Equal(vs, []int{2}) {
		t.Fatalf("hard delete subject %v %v", vs, err)
	}
	// Schemas stay readable by id after their versions are gone.
	if _, err := cl.SchemaByID(ctx, v1.ID); err != nil {
		t.Fatal(err)
	}
}
