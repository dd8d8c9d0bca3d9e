package memmeta_test

import (
	"testing"

	"github.com/chronik-stream/chronik/adapters/metastore/memmeta"
	"github.com/chronik-stream/chronik/ports/metastore"
	"github.com/chronik-stream/chronik/ports/metastore/metastoretest"
)

func TestConformance(t *testing.T) {
	metastoretest.Run(t, func(t *testing.T) metastore.Store { return memmeta.New() })
}
