package chaos

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Helpers of the crash tests of the indexing pipeline's sinks (SQL in
// sql_crash_test.go, search in search_crash_test.go): produce JSON records
// while the node is killed and restarted, then compare what a sink holds
// with the log.

// killPlan is how killWhileProducing produces and kills.
type killPlan struct {
	Rounds int
	// Burst records are produced, then a Pause, so that the pipeline
	// indexes and seals meanwhile; at most Limit records a round (0: no
	// limit).
	Burst int
	Pause time.Duration
	Limit int
	// The kill comes 300 ms to 1 s into the round; or, with Armed, up to
	// 700 ms after Armed first holds in the round (polled; at most 20 s),
	// so that a slow sink is killed while it works rather than before it
	// starts.
	Armed func() bool
}

// killWhileProducing runs plan.Rounds rounds of: produce JSON records to
// topic, SIGKILL the node and restart it. Records in flight at a kill may
// or may not be in the log; the caller compares the sink with the log,
// not with what was sent. It returns the number of kills.
func killWhileProducing(t *testing.T, s *server, topic string, plan killPlan) int {
	t.Helper()
	ctx := context.Background()
	kills := 0
	for round := range plan.Rounds {
		cl := newClient(t, s.addr(), kgo.DefaultProduceTopic(topic), kgo.RecordRetries(3))
		var wg sync.WaitGroup
		stop := make(chan struct{})
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; plan.Limit == 0 || i < plan.Limit; i++ {
				select {
				case <-stop:
					return
				default:
				}
				v := fmt.Appendf(nil, `{"round":%d,"i":%d,"msg":"record %d of round %d","pad":"%0100d"}`, round, i, i, round, i)
				cl.Produce(ctx, &kgo.Record{Value: v}, func(*kgo.Record, error) {})
				if i%plan.Burst == plan.Burst-1 {
					time.Sleep(plan.Pause)
				}
			}
		}()
		wait := time.Duration(300+rand.IntN(700)) * time.Millisecond
		if plan.Armed != nil {
			for deadline := time.Now().Add(20 * time.Second); !plan.Armed() && time.Now().Before(deadline); {
				time.Sleep(20 * time.Millisecond)
			}
			wait = time.Duration(rand.IntN(700)) * time.Millisecond
		}
		time.Sleep(wait)
		s.kill()
		close(stop)
		wg.Wait()
		cl.Close()
		s.start()
		kills++
	}
	return kills
}

// logRange is the offsets [Start, End) a partition's log holds.
type logRange struct{ Start, End int64 }

// logRanges is the range of each partition of topic, asked of the node.
func logRanges(t *testing.T, s *server, topic string) map[int32]logRange {
	t.Helper()
	cl := newClient(t, s.addr())
	defer cl.Close()
	ends := listOffsets(t, cl, topic, (*kadm.Client).ListEndOffsets)
	starts := listOffsets(t, cl, topic, (*kadm.Client).ListStartOffsets)
	out := map[int32]logRange{}
	ends.Each(func(o kadm.ListedOffset) {
		st, _ := starts.Lookup(topic, o.Partition)
		out[o.Partition] = logRange{st.Offset, o.Offset}
	})
	return out
}
