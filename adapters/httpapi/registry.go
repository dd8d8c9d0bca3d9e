package httpapi

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/chronik-stream/chronik/application/registry"
	"github.com/chronik-stream/chronik/domain/schema"
)

// registryAPI is the Confluent Schema Registry REST API over
// application/registry.
type registryAPI struct {
	svc     *registry.Service
	maxBody int64
	body    echo.MiddlewareFunc // reads a body within the size limits
}

// routes registers the registry's routes: reads (GET, and the POSTs that
// only look up or test a schema, as Confluent's RBAC counts them) behind
// read, writes behind write; routes with a body behind a.body too.
func (a *registryAPI) routes(e *echo.Echo, read, write []echo.MiddlewareFunc) {
	withBody := func(mw []echo.MiddlewareFunc) []echo.MiddlewareFunc {
		return append(slices.Clip(mw), a.body)
	}
	e.GET("/subjects", a.subjects, read...)
	e.POST("/subjects/:subject", a.lookup, withBody(read)...)
	e.DELETE("/subjects/:subject", a.deleteSubject, write...)
	e.GET("/subjects/:subject/versions", a.versions, read...)
	e.POST("/subjects/:subject/versions", a.register, withBody(write)...)
	e.GET("/subjects/:subject/versions/:version", a.version, read...)
	e.DELETE("/subjects/:subject/versions/:version", a.deleteVersion, write...)
	e.GET("/subjects/:subject/versions/:version/schema", a.versionText, read...)
	e.GET("/subjects/:subject/versions/:version/referencedby", a.referencedBy, read...)

	e.GET("/schemas", a.schemas, read...)
	e.GET("/schemas/types", a.types, read...)
	e.GET("/schemas/ids/:id", a.schemaByID, read...)
	e.GET("/schemas/ids/:id/schema", a.schemaText, read...)
	e.GET("/schemas/ids/:id/subjects", a.subjectsOfID, read...)
	e.GET("/schemas/ids/:id/versions", a.versionsOfID, read...)

	e.GET("/config", a.getLevel, read...)
	e.PUT("/config", a.setLevel, withBody(write)...)
	e.DELETE("/config", a.deleteLevel, write...)
	e.GET("/config/:subject", a.getLevel, read...)
	e.PUT("/config/:subject", a.setLevel, withBody(write)...)
	e.DELETE("/config/:subject", a.deleteLevel, write...)

	e.GET("/mode", a.getMode, read...)
	e.PUT("/mode", a.setMode, withBody(write)...)
	e.DELETE("/mode", a.deleteMode, write...)
	e.GET("/mode/:subject", a.getMode, read...)
	e.PUT("/mode/:subject", a.setMode, withBody(write)...)
	e.DELETE("/mode/:subject", a.deleteMode, write...)

	e.POST("/compatibility/subjects/:subject/versions", a.compatibility, withBody(read)...)
	e.POST("/compatibility/subjects/:subject/versions/:version", a.compatibility, withBody(read)...)

	e.GET("/contexts", a.contexts, read...)
}

// reply writes v as JSON with the registry's content type.
func reply(c echo.Context, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, ContentTypeRegistry, b)
}

// replySetting answers a compatibility level or mode as {key: v}, or err.
func replySetting[T ~string](c echo.Context, key string, v T, err error) error {
	if err != nil {
		return err
	}
	return reply(c, map[string]string{key: string(v)})
}

func flag(c echo.Context, name string) bool { return strings.EqualFold(c.QueryParam(name), "true") }

// schemaBody is a schema in a request: register, look up, test. The
// fields Chronik does not implement are listed so that they are refused
// with a clear message when they ask for something.
type schemaBody struct {
	Schema     *string            `json:"schema"`
	SchemaType string             `json:"schemaType"`
	References []schema.Reference `json:"references"`
	ID         int                `json:"id"`
	Version    int                `json:"version"`
	Subject    string             `json:"subject"`

	Metadata            json.RawMessage `json:"metadata"`
	RuleSet             json.RawMessage `json:"ruleSet"`
	SchemaTagsToAdd     json.RawMessage `json:"schemaTagsToAdd"`
	SchemaTagsToRemove  json.RawMessage `json:"schemaTagsToRemove"`
	PropagateSchemaTags json.RawMessage `json:"propagateSchemaTags"`
}

// request reads a schema request for subject.
func (a *registryAPI) request(c echo.Context, subject string) (registry.Request, error) {
	var b schemaBody
	if err := decodeBody(c, a.maxBody, &b); err != nil {
		return registry.Request{}, err
	}
	for _, f := range []struct {
		name, what string
		raw        json.RawMessage
	}{
		{"metadata", "schema metadata of data contracts", b.Metadata},
		{"ruleSet", "data contract rules", b.RuleSet},
		{"schemaTagsToAdd", "schema tags", b.SchemaTagsToAdd},
		{"schemaTagsToRemove", "schema tags", b.SchemaTagsToRemove},
		{"propagateSchemaTags", "schema tags", b.PropagateSchemaTags},
	} {
		if err := unsupported(f.name, f.what, f.raw); err != nil {
			return registry.Request{}, err
		}
	}
	if b.Subject != "" && b.Subject != subject {
		return registry.Request{}, errorf(schema.ErrInvalidSchema, "the body names subject %q but the path subject %q", b.Subject, subject)
	}
	if b.Schema == nil || strings.TrimSpace(*b.Schema) == "" {
		return registry.Request{}, errorf(schema.ErrInvalidSchema, "the request has no schema (field \"schema\" holds the schema text)")
	}
	t, err := schema.ParseType(b.SchemaType)
	if err != nil {
		return registry.Request{}, err
	}
	return registry.Request{
		Type: t, Text: *b.Schema, References: b.References,
		ID: max(b.ID, 0), Version: max(b.Version, 0), Normalize: flag(c, "normalize"),
	}, nil
}

// schemaType is how answers name a type: Avro is left out, as Confluent
// does.
func schemaType(t schema.Type) string {
	if t == schema.Avro {
		return ""
	}
	return string(t)
}

// versionBody is one version of a subject with its schema.
type versionBody struct {
	Subject    string             `json:"subject"`
	Version    int                `json:"version"`
	ID         int                `json:"id"`
	SchemaType string             `json:"schemaType,omitempty"`
	References []schema.Reference `json:"references,omitempty"`
	Schema     string             `json:"schema"`
}

func toVersionBody(sv registry.SubjectVersion) versionBody {
	return versionBody{
		Subject: sv.Subject, Version: sv.Version, ID: sv.Schema.ID,
		SchemaType: schemaType(sv.Schema.Type), References: sv.Schema.References, Schema: sv.Schema.Text,
	}
}

func (a *registryAPI) subjects(c echo.Context) error {
	return reply(c, a.svc.Subjects(c.QueryParam("subjectPrefix"), flag(c, "deleted")))
}

func (a *registryAPI) register(c echo.Context) error {
	subject := param(c, "subject")
	req, err := a.request(c, subject)
	if err != nil {
		return err
	}
	id, err := a.svc.Register(c.Request().Context(), subject, req)
	if err != nil {
		return err
	}
	return reply(c, map[string]int{"id": id})
}

func (a *registryAPI) lookup(c echo.Context) error {
	subject := param(c, "subject")
	req, err := a.request(c, subject)
	if err != nil {
		return err
	}
	sv, err := a.svc.Lookup(c.Request().Context(), subject, req, flag(c, "deleted"))
	if err != nil {
		return err
	}
	return reply(c, toVersionBody(sv))
}

func (a *registryAPI) versions(c echo.Context) error {
	vs, err := a.svc.Versions(param(c, "subject"), flag(c, "deleted"))
	if err != nil {
		return err
	}
	return reply(c, vs)
}

// subjectVersion reads the subject and version path elements.
func subjectVersion(c echo.Context) (string, int, error) {
	n, err := registry.ParseVersion(param(c, "version"))
	return param(c, "subject"), n, err
}

func (a *registryAPI) get(c echo.Context) (registry.SubjectVersion, error) {
	subject, n, err := subjectVersion(c)
	if err != nil {
		return registry.SubjectVersion{}, err
	}
	return a.svc.Get(subject, n, flag(c, "deleted"))
}

func (a *registryAPI) version(c echo.Context) error {
	sv, err := a.get(c)
	if err != nil {
		return err
	}
	return reply(c, toVersionBody(sv))
}

func (a *registryAPI) versionText(c echo.Context) error {
	sv, err := a.get(c)
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, ContentTypeRegistry, []byte(sv.Schema.Text))
}

func (a *registryAPI) referencedBy(c echo.Context) error {
	subject, n, err := subjectVersion(c)
	if err != nil {
		return err
	}
	ids, err := a.svc.ReferencedBy(subject, n)
	if err != nil {
		return err
	}
	return reply(c, ids)
}

func (a *registryAPI) deleteVersion(c echo.Context) error {
	subject, n, err := subjectVersion(c)
	if err != nil {
		return err
	}
	deleted, err := a.svc.DeleteVersion(c.Request().Context(), subject, n, flag(c, "permanent"))
	if err != nil {
		return err
	}
	return reply(c, deleted)
}

func (a *registryAPI) deleteSubject(c echo.Context) error {
	nums, err := a.svc.DeleteSubject(c.Request().Context(), param(c, "subject"), flag(c, "permanent"))
	if err != nil {
		return err
	}
	return reply(c, nums)
}

func (a *registryAPI) schemas(c echo.Context) error {
	out := []versionBody{}
	for _, sv := range a.svc.Latest(c.QueryParam("subjectPrefix"), flag(c, "deleted"), flag(c, "latestOnly")) {
		out = append(out, toVersionBody(sv))
	}
	return reply(c, out)
}

func (a *registryAPI) types(c echo.Context) error {
	out := []string{}
	for _, t := range a.svc.Types() {
		out = append(out, string(t))
	}
	return reply(c, out)
}

// schemaID reads the id path element; with ?subject, the schema must be
// used by that subject.
func (a *registryAPI) schemaID(c echo.Context) (schema.Schema, error) {
	raw := param(c, "id")
	id, err := strconv.Atoi(raw)
	if err != nil || id < 1 {
		return schema.Schema{}, errorf(schema.ErrSchemaNotFound, "schema id %q is not a positive number", raw)
	}
	sc, err := a.svc.SchemaByID(id)
	if err != nil {
		return schema.Schema{}, err
	}
	if subject := c.QueryParam("subject"); subject != "" {
		uses, err := a.svc.VersionsOfID(id, false)
		if err != nil {
			return schema.Schema{}, err
		}
		if !slices.ContainsFunc(uses, func(sv registry.SubjectVersion) bool { return sv.Subject == subject }) {
			return schema.Schema{}, errorf(schema.ErrSchemaNotFound, "schema %d is not registered under subject %q", id, subject)
		}
	}
	return sc, nil
}

func (a *registryAPI) schemaByID(c echo.Context) error {
	sc, err := a.schemaID(c)
	if err != nil {
		return err
	}
	return reply(c, struct {
		SchemaType string             `json:"schemaType,omitempty"`
		References []schema.Reference `json:"references,omitempty"`
		Schema     string             `json:"schema"`
	}{schemaType(sc.Type), sc.References, sc.Text})
}

func (a *registryAPI) schemaText(c echo.Context) error {
	sc, err := a.schemaID(c)
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, ContentTypeRegistry, []byte(sc.Text))
}

func (a *registryAPI) uses(c echo.Context) ([]registry.SubjectVersion, error) {
	sc, err := a.schemaID(c)
	if err != nil {
		return nil, err
	}
	return a.svc.VersionsOfID(sc.ID, flag(c, "deleted"))
}

func (a *registryAPI) subjectsOfID(c echo.Context) error {
	uses, err := a.uses(c)
	if err != nil {
		return err
	}
	out := []string{}
	for _, sv := range uses {
		if !slices.Contains(out, sv.Subject) {
			out = append(out, sv.Subject)
		}
	}
	return reply(c, out)
}

func (a *registryAPI) versionsOfID(c echo.Context) error {
	uses, err := a.uses(c)
	if err != nil {
		return err
	}
	type subjectVersion struct {
		Subject string `json:"subject"`
		Version int    `json:"version"`
	}
	out := []subjectVersion{}
	for _, sv := range uses {
		out = append(out, subjectVersion{sv.Subject, sv.Version})
	}
	return reply(c, out)
}

// levelBody is PUT /config's body; the fields after Compatibility are
// Confluent's data-contract settings, which Chronik does not implement.
type levelBody struct {
	Compatibility      string          `json:"compatibility"`
	Normalize          json.RawMessage `json:"normalize"`
	Alias              json.RawMessage `json:"alias"`
	CompatibilityGroup json.RawMessage `json:"compatibilityGroup"`
	DefaultMetadata    json.RawMessage `json:"defaultMetadata"`
	OverrideMetadata   json.RawMessage `json:"overrideMetadata"`
	DefaultRuleSet     json.RawMessage `json:"defaultRuleSet"`
	OverrideRuleSet    json.RawMessage `json:"overrideRuleSet"`
	ValidateFields     json.RawMessage `json:"validateFields"`
	ValidateRules      json.RawMessage `json:"validateRules"`
}

func (a *registryAPI) getLevel(c echo.Context) error {
	l, err := a.svc.Level(param(c, "subject"), flag(c, "defaultToGlobal"))
	return replySetting(c, "compatibilityLevel", l, err)
}

func (a *registryAPI) setLevel(c echo.Context) error {
	var b levelBody
	if err := decodeBody(c, a.maxBody, &b); err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		raw  json.RawMessage
	}{
		{"normalize", b.Normalize}, {"alias", b.Alias}, {"compatibilityGroup", b.CompatibilityGroup},
		{"defaultMetadata", b.DefaultMetadata}, {"overrideMetadata", b.OverrideMetadata},
		{"defaultRuleSet", b.DefaultRuleSet}, {"overrideRuleSet", b.OverrideRuleSet},
		{"validateFields", b.ValidateFields}, {"validateRules", b.ValidateRules},
	} {
		if err := unsupported(f.name, "a subject config setting besides the compatibility level", f.raw); err != nil {
			return err
		}
	}
	l, err := schema.ParseLevel(b.Compatibility)
	if err != nil {
		return err
	}
	err = a.svc.SetLevel(c.Request().Context(), param(c, "subject"), l)
	return replySetting(c, "compatibility", l, err)
}

func (a *registryAPI) deleteLevel(c echo.Context) error {
	l, err := a.svc.DeleteLevel(c.Request().Context(), param(c, "subject"))
	return replySetting(c, "compatibilityLevel", l, err)
}

func (a *registryAPI) getMode(c echo.Context) error {
	m, err := a.svc.Mode(param(c, "subject"), flag(c, "defaultToGlobal"))
	return replySetting(c, "mode", m, err)
}

func (a *registryAPI) setMode(c echo.Context) error {
	var b struct {
		Mode string `json:"mode"`
	}
	if err := decodeBody(c, a.maxBody, &b); err != nil {
		return err
	}
	m, err := schema.ParseMode(b.Mode)
	if err != nil {
		return err
	}
	err = a.svc.SetMode(c.Request().Context(), param(c, "subject"), m, flag(c, "force"))
	return replySetting(c, "mode", m, err)
}

func (a *registryAPI) deleteMode(c echo.Context) error {
	m, err := a.svc.DeleteMode(c.Request().Context(), param(c, "subject"))
	return replySetting(c, "mode", m, err)
}

// compatibility tests a schema against one version, or (no version in the
// path) against the versions the subject's level names.
func (a *registryAPI) compatibility(c echo.Context) error {
	subject := param(c, "subject")
	n := 0
	if c.Param("version") != "" {
		var err error
		if n, err = registry.ParseVersion(param(c, "version")); err != nil {
			return err
		}
	}
	req, err := a.request(c, subject)
	if err != nil {
		return err
	}
	reasons, err := a.svc.TestCompatibility(subject, n, req)
	if err != nil {
		return err
	}
	if !flag(c, "verbose") {
		return reply(c, map[string]bool{"is_compatible": len(reasons) == 0})
	}
	return reply(c, struct {
		Compatible bool     `json:"is_compatible"`
		Messages   []string `json:"messages"`
	}{len(reasons) == 0, append([]string{}, reasons...)})
}

func (a *registryAPI) contexts(c echo.Context) error {
	return reply(c, []string{"."})
}
