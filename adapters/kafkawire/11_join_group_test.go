package kafkawire

import (
	"slices"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// The subscription read at JoinGroup is every protocol's topics together,
// once each; metadata that cannot be read makes it unknown (nil).
func TestConsumerSubscription(t *testing.T) {
	metadata := func(topics ...string) []byte {
		md := kmsg.NewConsumerMemberMetadata()
		md.Topics = topics
		return md.AppendTo(nil)
	}
	protocol := func(name string, md []byte) kmsg.JoinGroupRequestProtocol {
		p := kmsg.NewJoinGroupRequestProtocol()
		p.Name, p.Metadata = name, md
		return p
	}
	for _, c := range []struct {
		name      string
		protocols []kmsg.JoinGroupRequestProtocol
		want      []string // nil with unknown set
		unknown   bool
	}{
		{"one_protocol", []kmsg.JoinGroupRequestProtocol{protocol("range", metadata("b", "a"))}, []string{"a", "b"}, false},
		{"protocols_together", []kmsg.JoinGroupRequestProtocol{protocol("range", metadata("a", "b")), protocol("sticky", metadata("b", "c"))}, []string{"a", "b", "c"}, false},
		{"no_topics", []kmsg.JoinGroupRequestProtocol{protocol("range", metadata())}, nil, false},
		{"unreadable", []kmsg.JoinGroupRequestProtocol{protocol("range", metadata("a")), protocol("sticky", []byte{0, 0, 0})}, nil, true},
		{"empty_metadata", []kmsg.JoinGroupRequestProtocol{protocol("range", nil)}, nil, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := consumerSubscription(c.protocols)
			if c.unknown {
				if got != nil {
					t.Fatalf("got %v, want unknown", got.Topics)
				}
				return
			}
			if got == nil || !slices.Equal(got.Topics, c.want) {
				t.Fatalf("got %+v, want %v", got, c.want)
			}
		})
	}
}
