package httpapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/sync/semaphore"

	"github.com/chronik-stream/chronik/domain/schema"
)

// bodyBudget bounds the schema registry's request bodies: each at most
// maxBody bytes, and at most total bytes of them read and being handled
// (decoded, parsed, checked) at once. A parsed schema costs tens of times
// its text (a 2 MiB Protobuf schema about 170 MB while it compiles), so
// the total, not the request count, is what bounds the registry's memory.
type bodyBudget struct {
	maxBody int64
	total   int64
	wait    time.Duration
	sem     *semaphore.Weighted
}

// collectAfter is the body size from which a registry request ends with a
// garbage collection.
const collectAfter = 256 << 10

func newBodyBudget(maxBody, total int64, wait time.Duration) *bodyBudget {
	return &bodyBudget{maxBody: maxBody, total: total, wait: wait, sem: semaphore.NewWeighted(total)}
}

// middleware reads the request's body whole (refusing one larger than
// maxBody with 413 before reading past the limit), then waits up to wait
// for its size to fit in the budget (else 503, Retry-After: 1), and holds
// it until the handler returns. The body is read before the budget is
// taken, so a client sending slowly holds only its own buffer.
func (b *bodyBudget) middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
			return next(c)
		}
		if r.ContentLength > b.maxBody {
			return b.tooLarge()
		}
		var buf bytes.Buffer
		if r.ContentLength > 0 {
			buf.Grow(int(r.ContentLength))
		}
		if _, err := buf.ReadFrom(http.MaxBytesReader(c.Response(), r.Body, b.maxBody)); err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				return b.tooLarge()
			}
			return newAPIError(http.StatusBadRequest, "reading the request body: %v", err)
		}
		n := max(int64(buf.Len()), 1)
		ctx, cancel := context.WithTimeout(r.Context(), b.wait)
		err := b.sem.Acquire(ctx, n)
		cancel()
		if err != nil {
			c.Response().Header().Set("Retry-After", "1")
			return fmt.Errorf("%w: other schema registry requests are using the %d bytes of bodies it handles at once (CHRONIK_SCHEMA_REGISTRY_BODY_BUDGET); retry shortly", schema.ErrBusy, b.total)
		}
		defer b.sem.Release(n)
		r.Body, r.ContentLength = io.NopCloser(&buf), int64(buf.Len())
		err = next(c)
		if n >= collectAfter {
			// What parsing a large schema allocated is garbage now; with
			// the node's high GC target it would otherwise stay in the
			// heap until it is five times the live heap that was measured
			// while the parse was at its largest.
			runtime.GC()
		}
		return err
	}
}

func (b *bodyBudget) tooLarge() error {
	return newAPIError(http.StatusRequestEntityTooLarge, "the request body is larger than %d bytes, the schema registry's limit (CHRONIK_SCHEMA_REGISTRY_MAX_BODY_SIZE)", b.maxBody)
}
