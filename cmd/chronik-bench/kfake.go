package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// kfakeCmd runs franz-go's kfake as one durable broker until SIGINT or
// SIGTERM: state and segments go to --data-dir and every produced batch is
// fsynced before it is acknowledged (kfake.SyncWrites), which is the
// durability Chronik gives acks=all. Running it as its own process lets the
// benchmark read its CPU time and RSS from /proc exactly as it does Chronik's.
func kfakeCmd(args []string) error {
	fs := flag.NewFlagSet("kfake", flag.ContinueOnError)
	port := fs.Int("port", 9092, "port to listen on (127.0.0.1)")
	dir := fs.String("data-dir", "", "directory for kfake's persisted state and segments (required)")
	sync := fs.Bool("sync-writes", true, "fsync every produced batch before acknowledging it (kfake.SyncWrites)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" {
		return errors.New("kfake: --data-dir is required (kfake keeps its log there)")
	}
	opts := []kfake.Opt{
		kfake.NumBrokers(1),
		kfake.Ports(*port),
		kfake.DataDir(*dir),
		kfake.AllowAutoTopicCreation(),
		kfake.DefaultNumPartitions(1),
	}
	if *sync {
		opts = append(opts, kfake.SyncWrites())
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		return fmt.Errorf("kfake: starting on port %d with data dir %s: %w", *port, *dir, err)
	}
	fmt.Fprintf(os.Stderr, "kfake: listening on %s, data in %s, sync writes %v (pid %d)\n",
		strings.Join(c.ListenAddrs(), ","), *dir, *sync, os.Getpid())

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	c.Close()
	fmt.Fprintln(os.Stderr, "kfake: stopped")
	return nil
}

// waitCmd returns once the broker answers a request, or fails after --timeout.
func waitCmd(args []string) error {
	fs := flag.NewFlagSet("wait", flag.ContinueOnError)
	brokers := fs.String("brokers", "127.0.0.1:9092", "comma-separated seed brokers")
	timeout := fs.Duration("timeout", 60*time.Second, "how long to wait")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	var last error
	for ctx.Err() == nil {
		cl, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(*brokers, ",")...))
		if err != nil {
			return err
		}
		pctx, pcancel := context.WithTimeout(ctx, 2*time.Second)
		last = cl.Ping(pctx)
		pcancel()
		cl.Close()
		if last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
		case <-time.After(200 * time.Millisecond):
		}
	}
	return fmt.Errorf("broker %s did not answer within %s: %v", *brokers, *timeout, last)
}
