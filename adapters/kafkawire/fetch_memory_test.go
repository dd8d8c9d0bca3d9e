package kafkawire

import (
	"net"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// Pipelined fetches of large batches on many connections never hold more
// record bytes than the fetch memory: a fetch that finds it spent is
// answered at once, throttled, and every fetch is answered. Clients read
// their responses only after sending all their requests, so responses pile
// up in the writers meanwhile.
func TestPipelinedFetchesStayWithinFetchMemory(t *testing.T) {
	const limit = 1 << 20
	srv := startServer(t, Config{FetchResponseBytes: limit}, nil)
	produceRecords(t, srv, 0, 20, 200<<10) // 4 MB in 200 KiB batches
	before := runtime.NumGoroutine()

	const conns = 8
	var (
		wg                  sync.WaitGroup
		mu                  sync.Mutex
		answered, throttled int
		withData            int
		failed              error
	)
	for i := range conns {
		c := dial(t, srv)
		version := int16(11)
		if i%4 == 3 {
			version = 3 // down-converted
		}
		reqs := make([]*kmsg.FetchRequest, pipelineDepth)
		for j := range reqs {
			reqs[j] = fetchRequest("t", 0, 0, 500, 8<<20, 1)
			send(t, c, reqs[j], version)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(300 * time.Millisecond) // let the responses pile up
			for _, req := range reqs {
				resp, _, err := receive(c, req, 10*time.Second)
				mu.Lock()
				if err != nil {
					failed = err
					mu.Unlock()
					return
				}
				answered++
				fr := resp.(*kmsg.FetchResponse)
				if fr.ThrottleMillis > 0 || version < 8 && len(fr.Topics[0].Partitions[0].RecordBatches) == 0 {
					throttled++
				}
				if len(fr.Topics[0].Partitions[0].RecordBatches) > 0 {
					withData++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if failed != nil {
		t.Fatalf("a pipelined fetch was not answered: %v", failed)
	}
	if answered != conns*pipelineDepth {
		t.Fatalf("%d of %d fetches answered", answered, conns*pipelineDepth)
	}
	srv.fetchMem.mu.Lock()
	peak, refused := srv.fetchMem.peak, srv.fetchMem.refused
	srv.fetchMem.mu.Unlock()
	t.Logf("%d fetches: %d with records, %d throttled; fetch memory peak %d of %d, %d refusals", answered, withData, throttled, peak, limit, refused)
	if peak > limit {
		t.Fatalf("fetch responses held %d bytes, bound %d", peak, limit)
	}
	if throttled == 0 || refused == 0 {
		t.Fatal("no fetch was throttled though the fetch memory holds 5 batches and 128 fetches of 4 MB were in flight")
	}
	if withData == 0 {
		t.Fatal("no fetch returned records")
	}
	waitFor(t, func() bool { return srv.fetchMem.inUse() == 0 })
	srv.Close()
	waitFor(t, func() bool { return runtime.NumGoroutine() <= before })
}

// Long polls take fetch memory when they read, not while they wait: polls
// parked for min_bytes hold none of it, not even for the bytes they already
// found, and each gets the records that wake it.
func TestLongPollsHoldNoFetchMemoryWhileWaiting(t *testing.T) {
	srv := startServer(t, Config{FetchResponseBytes: 1 << 20, FetchMaxWait: time.Minute}, nil)
	produceRecords(t, srv, 0, 1, 100)
	const polls = 8
	conns := make([]net.Conn, polls)
	reqs := make([]*kmsg.FetchRequest, polls)
	for i := range conns {
		conns[i] = dial(t, srv)
		reqs[i] = fetchRequest("t", 0, 0, 30000, 8<<20, 64<<10) // one small record is too few: waits
		send(t, conns[i], reqs[i], 11)
	}
	time.Sleep(200 * time.Millisecond) // the polls are parked
	if used := srv.fetchMem.inUse(); used != 0 {
		t.Fatalf("%d parked long polls hold %d bytes of fetch memory", polls, used)
	}
	produceRecords(t, srv, 0, 1, 100<<10)
	for i, c := range conns {
		resp, _, err := receive(c, reqs[i], 10*time.Second)
		if err != nil {
			t.Fatalf("poll %d: %v", i, err)
		}
		fr := resp.(*kmsg.FetchResponse)
		if fr.ThrottleMillis != 0 || len(fr.Topics[0].Partitions[0].RecordBatches) == 0 {
			t.Fatalf("poll %d woken with throttle %d ms and %d bytes", i, fr.ThrottleMillis, len(fr.Topics[0].Partitions[0].RecordBatches))
		}
	}
	waitFor(t, func() bool { return srv.fetchMem.inUse() == 0 })
}

// A batch larger than the whole fetch memory is still served (KIP-74),
// alone.
func TestBatchLargerThanFetchMemoryIsServed(t *testing.T) {
	srv := startServer(t, Config{FetchResponseBytes: 256 << 10}, nil)
	produceRecords(t, srv, 0, 1, 400<<10)
	c := dial(t, srv)
	req := fetchRequest("t", 0, 0, 0, 1<<20, 1)
	send(t, c, req, 11)
	resp, _, err := receive(c, req, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	fr := resp.(*kmsg.FetchResponse)
	if got := len(fr.Topics[0].Partitions[0].RecordBatches); got < 400<<10 || fr.ThrottleMillis != 0 {
		t.Fatalf("a 400 KiB batch over 256 KiB of fetch memory: %d bytes, throttle %d ms", got, fr.ThrottleMillis)
	}
	waitFor(t, func() bool { return srv.fetchMem.inUse() == 0 })
}
