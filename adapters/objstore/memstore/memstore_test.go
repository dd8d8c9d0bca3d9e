package memstore_test

import (
	"testing"

	"github.com/chronik-stream/chronik/adapters/objstore/memstore"
	"github.com/chronik-stream/chronik/ports/objstore"
	"github.com/chronik-stream/chronik/ports/objstore/objstoretest"
)

func TestConformance(t *testing.T) {
	objstoretest.Run(t, func(t *testing.T) objstore.Bucket { return memstore.New() })
}
