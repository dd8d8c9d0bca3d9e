package kafkawire

import (
	"maps"
	"slices"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// handlerFunc answers one decoded request. A returned error is a protocol
// violation and closes the connection; everything else, including
// per-partition failures, goes in the response's error codes.
type handlerFunc func(r *request, req kmsg.Request) (kmsg.Response, error)

type handler struct {
	min, max int16
	fn       handlerFunc
}

// handlers is the API-key table: it maps API keys to their handlers and
// version ranges. Written only by init functions.
var handlers = map[int16]handler{}

// register is called from each API file's init with the key's handler,
// which takes the decoded request and the empty response of its own types
// and fills in the response. The version range is the one Kafka 3.7
// advertises for the key (a test checks it).
func register[Req kmsg.Request, Resp kmsg.Response](key, min, max int16, fn func(r *request, req Req, resp Resp) error) {
	if _, dup := handlers[key]; dup {
		panic("kafkawire: API key registered twice: " + kmsg.NameForKey(key))
	}
	if key < 0 || key >= maxCachedKey || min < 0 || max >= maxCachedVersion {
		panic("kafkawire: API key or version beyond the metrics' series table: " + kmsg.NameForKey(key))
	}
	handlers[key] = handler{min: min, max: max, fn: func(r *request, kreq kmsg.Request) (kmsg.Response, error) {
		req := kreq.(Req)
		resp := req.ResponseKind().(Resp)
		if err := fn(r, req, resp); err != nil {
			return nil, err
		}
		return resp, nil
	}}
}

// supportedKeys lists the registered API keys in order.
func supportedKeys() []int16 {
	return slices.Sorted(maps.Keys(handlers))
}
