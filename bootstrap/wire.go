//go:build wireinject

package bootstrap

import (
	"context"
	"log/slog"

	"github.com/google/wire"
)

// newNode composes a node from its configuration.
func newNode(ctx context.Context, cfg Config, logger *slog.Logger) (*Node, func(), error) {
	wire.Build(nodeSet)
	return nil, nil, nil
}
