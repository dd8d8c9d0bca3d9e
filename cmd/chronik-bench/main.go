// Command chronik-bench measures a Kafka-compatible broker with a real client
// (franz-go kgo): durable produce and consume throughput, per-record produce
// latency, the broker's CPU-seconds per GB and its resident memory. It also
// runs franz-go's kfake as a separate, disk-backed broker process, so that
// test/bench/run.sh can put Chronik and kfake under the same load on the same
// cores and compare them.
//
//	chronik-bench run    --brokers HOST:PORT --broker-pid PID --name NAME --out FILE.json [flags]
//	chronik-bench kfake  --port PORT --data-dir DIR
//	chronik-bench wait   --brokers HOST:PORT [--timeout 60s]
//	chronik-bench sql    --brokers HOST:PORT --http HOST:PORT --data-dir DIR --out sql.json [flags]
//	chronik-bench search --brokers HOST:PORT --http HOST:PORT --out search.json [flags]
//	chronik-bench report --chronik A.json --kfake B.json [--sql sql.json] [--search search.json] --out docs/BENCHMARKS.md [flags]
//	chronik-bench free-port
//
// It imports the standard library, franz-go and DuckDB (to read Parquet
// files directly, for the SQL comparison) only, never this module's
// packages: it must measure any broker from the outside.
package main

import (
	"fmt"
	"net"
	"os"
)

const usage = `usage:
  chronik-bench run       produce then consume a fixed volume and measure (see run -h)
  chronik-bench kfake     run franz-go's kfake as a durable single-broker process (see kfake -h)
  chronik-bench wait      wait until a broker answers ApiVersions
  chronik-bench sql       SQL over topics: produce with columnar, catch-up, freshness, queries vs DuckDB (see sql -h)
  chronik-bench search    full-text search over topics: produce with search, indexing rate, queries, freshness (see search -h)
  chronik-bench report    turn two run results into a comparison table and docs/BENCHMARKS.md
  chronik-bench free-port print a free TCP port on 127.0.0.1
`

func main() {
	os.Exit(dispatch(os.Args[1:]))
}

func dispatch(args []string) int {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "run":
		err = runCmd(args[1:])
	case "kfake":
		err = kfakeCmd(args[1:])
	case "wait":
		err = waitCmd(args[1:])
	case "sql":
		err = sqlCmd(args[1:])
	case "search":
		err = searchCmd(args[1:])
	case "report":
		err = reportCmd(args[1:])
	case "free-port":
		err = freePortCmd()
	case "help", "-h", "--help":
		fmt.Print(usage)
		return 0
	default:
		fmt.Fprintf(os.Stderr, "chronik-bench: unknown command %q\n%s", args[0], usage)
		return 2
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "chronik-bench:", err)
		return 1
	}
	return 0
}

// freePortCmd prints a TCP port that was free a moment ago. Another process
// may take it before the caller binds it; run.sh accepts that small race.
func freePortCmd() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("finding a free port: %w", err)
	}
	defer ln.Close()
	fmt.Println(ln.Addr().(*net.TCPAddr).Port)
	return nil
}
