package kafkawire

import (
	"reflect"
	"runtime"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// sliceFields lists the paths (field indexes; -1 steps into an element) to
// every array field of a request struct.
func sliceFields(t reflect.Type, prefix []int, out *[][]int) {
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() || f.Type.Kind() != reflect.Slice || f.Type.Elem().Kind() == reflect.Uint8 {
			continue
		}
		p := append(append([]int(nil), prefix...), i)
		*out = append(*out, p)
		if f.Type.Elem().Kind() == reflect.Struct {
			sliceFields(f.Type.Elem(), append(p, -1), out)
		}
	}
}

// fillArray makes the array at path hold n default elements, and each
// array above it one.
func fillArray(v reflect.Value, path []int, n int) {
	for i, step := range path {
		if step == -1 {
			continue
		}
		f := v.Field(step)
		cnt := 1
		if i == len(path)-1 {
			cnt = n
		}
		s := reflect.MakeSlice(f.Type(), cnt, cnt)
		for j := range cnt {
			if d, ok := s.Index(j).Addr().Interface().(interface{ Default() }); ok {
				d.Default()
			}
		}
		f.Set(s)
		if i == len(path)-1 {
			return
		}
		v = f.Index(0)
	}
}

// TestAmplificationBound checks that the budget's estimate of a request's
// decoded size bounds what decoding, handling and encoding it really
// allocate, for every registered key and version, with each of its arrays
// filled with the smallest elements (the worst bytes-to-memory ratio).
func TestAmplificationBound(t *testing.T) {
	if testing.Short() {
		t.Skip("measures every API")
	}
	srv := testServer(t)
	srv.cancel() // long polls answer at once
	c := newConn(srv, nil, "")
	for _, key := range supportedKeys() {
		h := handlers[key]
		for v := h.min; v <= h.max; v++ {
			var paths [][]int
			sliceFields(reflect.TypeOf(kmsg.RequestForKey(key)).Elem(), nil, &paths)
			for _, p := range append(paths, nil) {
				req := kmsg.RequestForKey(key)
				if d, ok := req.(interface{ Default() }); ok {
					d.Default()
				}
				if p != nil {
					fillArray(reflect.ValueOf(req).Elem(), p, 20000)
				}
				frame := requestFrame(req, v)
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				if ex, err := c.handle(frame); err == nil {
					if ex.finish != nil {
						ex.finish()
					}
					_ = encodeResponse(nil, ex)
				}
				runtime.ReadMemStats(&after)
				used := int64(after.TotalAlloc - before.TotalAlloc)
				if est := decodedSize(frame); used > est {
					t.Errorf("%s v%d, array %v of a %d-byte frame: allocated %d bytes, estimated %d (%.0f per frame byte): raise its amplification",
						kmsg.NameForKey(key), v, p, len(frame), used, est, float64(used)/float64(len(frame)))
				}
			}
		}
	}
}
