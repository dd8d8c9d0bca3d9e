package memlog_test

import (
	"testing"

	"github.com/chronik-stream/chronik/adapters/logstore/memlog"
	"github.com/chronik-stream/chronik/ports/logstore"
	"github.com/chronik-stream/chronik/ports/logstore/logstoretest"
)

func TestConformance(t *testing.T) {
	logstoretest.Run(t, func(t *testing.T) logstore.Store { return memlog.New() })
}
