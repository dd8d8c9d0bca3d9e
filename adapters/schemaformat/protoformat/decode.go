package protoformat

import (
	"errors"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/chronik-stream/chronik/domain/document"
	"github.com/chronik-stream/chronik/ports/schemaformat"
)

var _ schemaformat.Decoder = (*parsed)(nil)

// Decode reads Confluent's message indexes from the head of payload, finds
// the message type they name in p's file, and decodes the rest as that
// message straight into an object (wire.go), with the value mapping of
// schemaformat.Decoder.
func (p *parsed) Decode(payload []byte) (obj document.Object, err error) {
	md, rest, err := p.messageOf(payload)
	if err != nil {
		return nil, fmt.Errorf("%w: the Protobuf payload's message indexes: %v", document.ErrUndecodable, err)
	}
	w := wireDecoder{budget: len(payload) + schemaformat.MaxZeroWidthValues}
	v, err := w.message(md, rest, 0)
	if err != nil {
		return nil, fmt.Errorf("%w: the Protobuf payload does not match message %s: %v", document.ErrUndecodable, md.FullName(), err)
	}
	if o, ok := v.(document.Object); ok {
		return o, nil
	}
	return document.Object{{Name: schemaformat.TopValue, Value: v}}, nil
}

// messageOf reads the message indexes at the head of b (a zigzag varint
// count, then that many zigzag varint indexes; a count of 0 stands for
// the single index 0) and returns the message type they name and the
// bytes after them. The indexes count declared messages only: see
// declaredMessage.
func (p *parsed) messageOf(b []byte) (protoreflect.MessageDescriptor, []byte, error) {
	next := func() (int64, error) {
		v, n := protowire.ConsumeVarint(b)
		if n < 0 {
			return 0, errors.New("the payload ends inside them, or a varint is malformed")
		}
		b = b[n:]
		return protowire.DecodeZigZag(v), nil
	}
	count, err := next()
	if err != nil {
		return nil, nil, err
	}
	if count < 0 || count > MaxDepth || count > int64(len(b)) {
		return nil, nil, fmt.Errorf("a count of %d indexes is out of range", count)
	}
	path := []int64{0}
	if count > 0 {
		path = make([]int64, count)
		for i := range path {
			if path[i], err = next(); err != nil {
				return nil, nil, err
			}
		}
	}
	msgs := p.file.Messages()
	var md protoreflect.MessageDescriptor
	for i, idx := range path {
		if md = declaredMessage(msgs, idx); md == nil {
			return nil, nil, fmt.Errorf("message index %d (at position %d) names no message of the schema", idx, i)
		}
		msgs = md.Messages()
	}
	return md, b, nil
}

// declaredMessage is the message at index idx of msgs, counting only the
// messages the schema declares: not the entry types the compiler adds for
// map fields. Confluent's deserializer counts the messages of the schema
// text as its parser sees them, where a map field is a field and no
// message, and its serializers skip entries when they normalize. The
// entries must not count here: besides, the schema is compiled from its
// canonical text, which prints fields before nested messages, so every
// entry would come first and shift the index of each nested message of a
// message with a map field. nil when no message has index idx.
func declaredMessage(msgs protoreflect.MessageDescriptors, idx int64) protoreflect.MessageDescriptor {
	if idx < 0 {
		return nil
	}
	for i := range msgs.Len() {
		md := msgs.Get(i)
		if md.IsMapEntry() {
			continue
		}
		if idx == 0 {
			return md
		}
		idx--
	}
	return nil
}
