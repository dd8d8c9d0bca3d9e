package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/chronik-stream/chronik/domain/schema"
)

// ContentTypeRegistry is the content type of every schema registry answer.
const ContentTypeRegistry = "application/vnd.schemaregistry.v1+json"

// acceptedContentTypes are the request content types Confluent clients
// send. A request without a content type is read as JSON too.
var acceptedContentTypes = map[string]bool{
	"application/vnd.schemaregistry.v1+json": true,
	"application/vnd.schemaregistry+json":    true,
	"application/json":                       true,
	"application/octet-stream":               true,
}

// registryContentType makes every answer of a registry route, errors
// included, the registry's content type, and refuses request bodies of
// other types.
func registryContentType(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set(echo.HeaderContentType, ContentTypeRegistry)
		if ct := c.Request().Header.Get(echo.HeaderContentType); ct != "" && c.Request().ContentLength != 0 {
			mt, _, err := mime.ParseMediaType(ct)
			if err != nil || !acceptedContentTypes[strings.ToLower(mt)] {
				return newAPIError(http.StatusUnsupportedMediaType, "HTTP 415 Unsupported Media Type: content type %q is not accepted; send application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json, application/json or application/octet-stream", ct)
			}
		}
		return next(c)
	}
}

// decodeBody reads a JSON object of at most limit bytes into v, which
// lists every field the route knows: an unknown field is refused, not
// dropped.
func decodeBody(c echo.Context, limit int64, v any) error {
	r := c.Request()
	data, err := io.ReadAll(http.MaxBytesReader(c.Response(), r.Body, limit))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return newAPIError(http.StatusRequestEntityTooLarge, "the request body is larger than %d bytes", limit)
		}
		return newAPIError(http.StatusBadRequest, "reading the request body: %v", err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return newAPIError(http.StatusBadRequest, "the request body is empty; a JSON object is expected")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var typeErr *json.UnmarshalTypeError
		switch {
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			field := strings.TrimPrefix(err.Error(), "json: unknown field ")
			return fmt.Errorf("%w: field %s is not part of this request in Chronik's schema registry; remove it", schema.ErrUnsupportedField, field)
		case errors.As(err, &typeErr):
			if typeErr.Field == "" {
				return &apiError{status: http.StatusUnprocessableEntity, code: http.StatusUnprocessableEntity, msg: fmt.Sprintf("the request body must be a JSON object, not a %s", typeErr.Value)}
			}
			return &apiError{status: http.StatusUnprocessableEntity, code: http.StatusUnprocessableEntity, msg: fmt.Sprintf("field %q must be a JSON %s, not a %s", typeErr.Field, jsonKind(typeErr.Type.Kind().String()), typeErr.Value)}
		default:
			return newAPIError(http.StatusBadRequest, "the request body is not valid JSON: %v", err)
		}
	}
	if _, err := dec.Token(); err != io.EOF {
		return newAPIError(http.StatusBadRequest, "the request body holds more than one JSON value")
	}
	return nil
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "int", "int32", "int64", "float64":
		return "number"
	case "bool":
		return "boolean"
	case "slice":
		return "array"
	}
	return "object"
}

// unsupported refuses a field Chronik does not implement unless it is
// absent or empty (null, "", 0, false, {} or [], nested ones too): an
// empty field asks for nothing, so nothing is dropped by accepting it.
func unsupported(name, what string, raw json.RawMessage) error {
	if len(raw) == 0 {
		return nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err == nil && empty(v) {
		return nil
	}
	return fmt.Errorf("%w: field %q (%s) is not supported by Chronik's schema registry; send the request without it", schema.ErrUnsupportedField, name, what)
}

func empty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case bool:
		return !x
	case string:
		return x == ""
	case float64:
		return x == 0
	case []any:
		for _, e := range x {
			if !empty(e) {
				return false
			}
		}
		return true
	case map[string]any:
		for _, e := range x {
			if !empty(e) {
				return false
			}
		}
		return true
	}
	return false
}

// errorf wraps a domain sentinel with details.
func errorf(sentinel error, format string, args ...any) error {
	return fmt.Errorf("%w: %s", sentinel, fmt.Sprintf(format, args...))
}
