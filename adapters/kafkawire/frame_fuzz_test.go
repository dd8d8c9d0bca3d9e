package kafkawire

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/chronik-stream/chronik/adapters/logstore/memlog"
	"github.com/chronik-stream/chronik/adapters/metastore/memmeta"
	"github.com/chronik-stream/chronik/application/fetch"
	"github.com/chronik-stream/chronik/application/groups"
	"github.com/chronik-stream/chronik/application/produce"
	"github.com/chronik-stream/chronik/application/topics"
	"github.com/chronik-stream/chronik/domain/group"
	"github.com/chronik-stream/chronik/ports/clock"
)

func testServer(t testing.TB) *Server {
	t.Helper()
	return testServerWith(t, Config{AdvertisedHost: "localhost", AdvertisedPort: 9092, NodeID: 1}, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// testServerWith builds a server over in-memory stores with topic "t" (two
// partitions); it is not started.
func testServerWith(t testing.TB, cfg Config, logger *slog.Logger) *Server {
	t.Helper()
	logs, meta := memlog.New(), memmeta.New()
	ts, err := topics.New(context.Background(), topics.Config{AutoCreate: true}, meta, logs, logger)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.Create(context.Background(), topics.Spec{Name: "t", Partitions: 2, ReplicationFactor: 1}, false); err != nil {
		t.Fatal(err)
	}
	gs, err := groups.New(context.Background(), groups.Config{Group: group.DefaultConfig()}, ts, meta, logs, clock.System{}, logger)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(gs.Close)
	svc := Services{Topics: ts, Produce: produce.New(logs, meta, clock.System{}, logger), Fetch: fetch.New(logs, nil), Groups: gs}
	return New(cfg, svc, testCodec, logger)
}

// requestFrame encodes req as a client would, without the size prefix.
func requestFrame(req kmsg.Request, version int16) []byte {
	req.SetVersion(version)
	b := binary.BigEndian.AppendUint16(nil, uint16(req.Key()))
	b = binary.BigEndian.AppendUint16(b, uint16(version))
	b = binary.BigEndian.AppendUint32(b, 7)
	b = binary.BigEndian.AppendUint16(b, 3)
	b = append(b, "fuz"...)
	if req.IsFlexible() {
		b = append(b, 0)
	}
	return req.AppendTo(b)
}

// FuzzRequestFrame feeds arbitrary frames to the decode-and-handle path: it
// must answer or refuse, never panic.
func FuzzRequestFrame(f *testing.F) {
	for key := int16(0); key <= 60; key++ {
		h, ok := handlers[key]
		if !ok {
			continue
		}
		req := kmsg.RequestForKey(key)
		f.Add(requestFrame(req, h.max))
		f.Add(requestFrame(req, h.min))
	}
	srv := testServer(f)
	panicHook = func(r any) { panic(fmt.Sprint("handler panicked: ", r)) }
	f.Cleanup(func() { panicHook = nil })
	srv.cancel() // long polls return at once
	c := newConn(srv, nil, "")
	f.Fuzz(func(t *testing.T, frame []byte) {
		ex, err := c.handle(frame)
		if err != nil {
			return
		}
		if ex.finish != nil {
			ex.finish()
		}
		_ = encodeResponse(nil, ex)
	})
}
