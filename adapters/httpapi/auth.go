package httpapi

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"

	"github.com/labstack/echo/v4"
)

// HeaderAPIKey carries the admin API key.
const HeaderAPIKey = "X-API-Key"

// requireAPIKey refuses every admin API call but GET /admin/health that
// does not carry the key. The comparison hashes both sides first, so it
// takes the same time whatever the given key's length, and then compares
// in constant time.
func requireAPIKey(key string) echo.MiddlewareFunc {
	want := sha256.Sum256([]byte(key))
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if c.Path() == "/admin/health" {
				return next(c)
			}
			given := c.Request().Header.Get(HeaderAPIKey)
			if given == "" {
				return newAPIError(http.StatusUnauthorized, "Unauthorized: the admin API needs the %s header (the key is CHRONIK_ADMIN_API_KEY, or the one in the admin-api-key file of the data directory)", HeaderAPIKey)
			}
			got := sha256.Sum256([]byte(given))
			if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
				return newAPIError(http.StatusUnauthorized, "Unauthorized: the %s header does not hold the admin API key", HeaderAPIKey)
			}
			return next(c)
		}
	}
}

// basicAuth requires HTTP Basic credentials of one of users. Every
// configured user is compared, in constant time, whatever matches, so the
// answer's timing tells nothing about which user names exist.
func basicAuth(users map[string]string) echo.MiddlewareFunc {
	creds := make([][32]byte, 0, len(users))
	for u, p := range users {
		creds = append(creds, sha256.Sum256([]byte(u+":"+p)))
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if user, pass, ok := c.Request().BasicAuth(); ok {
				got := sha256.Sum256([]byte(user + ":" + pass))
				match := 0
				for _, want := range creds {
					match |= subtle.ConstantTimeCompare(got[:], want[:])
				}
				if match == 1 {
					return next(c)
				}
			}
			c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Basic realm="Chronik schema registry", charset="UTF-8"`)
			return newAPIError(http.StatusUnauthorized, "Unauthorized: the schema registry needs the HTTP Basic credentials of a configured user")
		}
	}
}

// requireWriteKey guards the schema registry's writes on the unified port
// when no registry users are configured: the admin key must come as the
// X-API-Key header or as the password of HTTP Basic auth, whatever the
// user name, which is what Confluent's serializers can send
// (basic.auth.user.info=any:<key>). Compared as requireAPIKey does.
func requireWriteKey(key string) echo.MiddlewareFunc {
	want := sha256.Sum256([]byte(key))
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			given := c.Request().Header.Get(HeaderAPIKey)
			if given == "" {
				_, given, _ = c.Request().BasicAuth()
			}
			got := sha256.Sum256([]byte(given))
			if given != "" && subtle.ConstantTimeCompare(got[:], want[:]) == 1 {
				return next(c)
			}
			c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Basic realm="Chronik schema registry", charset="UTF-8"`)
			return newAPIError(http.StatusUnauthorized, "Unauthorized: changing the schema registry needs the admin API key, as the %s header or as the password of HTTP Basic auth with any user name (Confluent clients: basic.auth.user.info=anyname:the-admin-key); reading it does not", HeaderAPIKey)
		}
	}
}
