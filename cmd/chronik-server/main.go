// Command chronik-server runs a Chronik node.
//
//	chronik-server start [--data-dir DIR] [--advertise HOST[:PORT]] [--config FILE]
//	chronik-server version
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/chronik-stream/chronik/bootstrap"
)

const usage = `usage:
  chronik-server start [--data-dir DIR] [--advertise HOST[:PORT]] [--config FILE]
  chronik-server version
`

// gcPercent is the garbage collector's target unless GOGC is set: a broker's
// live heap is small while it moves large short-lived buffers (fetch reads,
// request frames), so the default of 100 collects far more often than it
// needs to; at 400 a 16-partition consume costs about half the CPU.
const gcPercent = 400

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return 2
	}
	switch args[0] {
	case "version", "--version", "-v":
		fmt.Printf("chronik-server %s (commit %s)\nfeatures: %s\n", bootstrap.Version, bootstrap.Commit, strings.Join(bootstrap.Features(), ", "))
		return 0
	case "start":
		cfg, err := bootstrap.LoadConfig(args[1:], os.Getenv)
		if err != nil {
			fmt.Fprintln(os.Stderr, "chronik-server:", err)
			return 2
		}
		logger := bootstrap.NewLogger(cfg, os.Stderr)
		bootstrap.LogStartup(logger, cfg)
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		if err := bootstrap.Serve(ctx, cfg, logger); err != nil {
			logger.Error("chronik-server stopped", "err", err)
			return 1
		}
		return 0
	case "help", "-h", "--help":
		fmt.Print(usage)
		return 0
	default:
		fmt.Fprintf(os.Stderr, "chronik-server: unknown command %q\n%s", args[0], usage)
		return 2
	}
}
