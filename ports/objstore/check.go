package objstore

import (
	"context"
	"fmt"
)

// CheckCall returns the first reason a call of op on key must not run, in
// the order every adapter checks them before it touches its backend: the
// bucket is closed (ErrClosed), the key breaks the rules of the package doc
// (ValidateKey) or a limit of the backend, or ctx is done (ctx.Err()).
// backendKey applies the backend's own key limits and returns an error
// wrapping ErrInvalidKey; nil when the backend has none. Messages start with
// "<adapter>: <op>", so they say where the call was refused.
func CheckCall(ctx context.Context, adapter, op, key string, closed bool, backendKey func(key string) error) error {
	if closed {
		return fmt.Errorf("%s: %s %q: %w", adapter, op, key, ErrClosed)
	}
	if err := ValidateKey(key); err != nil {
		return fmt.Errorf("%s: %s: %w", adapter, op, err)
	}
	if backendKey != nil {
		if err := backendKey(key); err != nil {
			return fmt.Errorf("%s: %s: %w", adapter, op, err)
		}
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %s %q: %w", adapter, op, key, err)
	}
	return nil
}

// CheckList is CheckCall for List, which takes a prefix (any string) rather
// than a key: ErrClosed when the bucket is closed, else ctx.Err().
func CheckList(ctx context.Context, adapter, prefix string, closed bool) error {
	if closed {
		return fmt.Errorf("%s: list %q: %w", adapter, prefix, ErrClosed)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: list %q: %w", adapter, prefix, err)
	}
	return nil
}

// PageSize is the page size List serves for a requested pageSize:
// DefaultPageSize when pageSize <= 0, else pageSize (an adapter may then cap
// it at its backend's limit).
func PageSize(pageSize int) int {
	if pageSize <= 0 {
		return DefaultPageSize
	}
	return pageSize
}
