package avroformat

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/chronik-stream/chronik/domain/document"
	"github.com/chronik-stream/chronik/ports/schemaformat"
)

var _ schemaformat.Decoder = (*parsed)(nil)

// Decode decodes payload, the binary encoding of a value of p, into an
// object; the value mapping is the one of schemaformat.Decoder. It reads
// p's nodes directly (not through hamba/avro) so that records keep their
// field order and every length and count is checked against the payload
// before anything is allocated for it.
func (p *parsed) Decode(payload []byte) (document.Object, error) {
	d := avroDecoder{b: payload, budget: len(payload) + schemaformat.MaxZeroWidthValues}
	v, err := d.value(p.root, 0)
	if err != nil {
		return nil, fmt.Errorf("%w: the Avro payload does not match schema %s: %v", document.ErrUndecodable, p.root.describe(), err)
	}
	if d.i != len(d.b) {
		return nil, fmt.Errorf("%w: the Avro payload does not match schema %s: bytes are left after the value", document.ErrUndecodable, p.root.describe())
	}
	if o, ok := v.(document.Object); ok {
		return o, nil
	}
	return document.Object{{Name: schemaformat.TopValue, Value: v}}, nil
}

var (
	errShort   = errors.New("the payload ends inside a value")
	errVarint  = errors.New("a number's varint is longer than 10 bytes")
	errTooMany = fmt.Errorf("the value holds more values than the payload has bytes (plus %d)", schemaformat.MaxZeroWidthValues)
)

// avroDecoder reads one value from b. budget is how many more values it
// may produce.
type avroDecoder struct {
	b      []byte
	i      int
	budget int
}

// at prefixes err with where it happened, innermost last.
func at(where string, err error) error { return fmt.Errorf("%s: %w", where, err) }

func (d *avroDecoder) value(n *node, depth int) (any, error) {
	if n.kind == kUnion {
		idx, err := d.long()
		if err != nil {
			return nil, err
		}
		if idx < 0 || idx >= int64(len(n.branches)) {
			return nil, fmt.Errorf("union branch %d does not exist in %s", idx, n.describe())
		}
		return d.value(n.branches[idx], depth)
	}
	if d.budget--; d.budget < 0 {
		return nil, errTooMany
	}
	switch n.kind {
	case kNull:
		return nil, nil
	case kBoolean:
		if d.i >= len(d.b) {
			return nil, errShort
		}
		c := d.b[d.i]
		d.i++
		if c > 1 {
			return nil, errors.New("a boolean is neither 0 nor 1")
		}
		return c == 1, nil
	case kInt:
		v, err := d.long()
		if err == nil && (v < math.MinInt32 || v > math.MaxInt32) {
			err = errors.New("an int is out of the 32-bit range")
		}
		return v, err
	case kLong:
		return d.long()
	case kFloat:
		b, err := d.take(4)
		if err != nil {
			return nil, err
		}
		return float64(math.Float32frombits(binary.LittleEndian.Uint32(b))), nil
	case kDouble:
		b, err := d.take(8)
		if err != nil {
			return nil, err
		}
		return math.Float64frombits(binary.LittleEndian.Uint64(b)), nil
	case kBytes:
		b, err := d.lengthPrefixed()
		if err != nil {
			return nil, err
		}
		return bytesValue(n, b)
	case kFixed:
		if n.size > len(d.b)-d.i {
			return nil, errShort
		}
		b, _ := d.take(n.size)
		return bytesValue(n, b)
	case kString:
		b, err := d.lengthPrefixed()
		if err != nil {
			return nil, err
		}
		if !utf8.Valid(b) {
			return nil, errors.New("a string is not valid UTF-8")
		}
		return string(b), nil
	case kEnum:
		idx, err := d.long()
		if err != nil {
			return nil, err
		}
		if idx < 0 || idx >= int64(len(n.symbols)) {
			return nil, fmt.Errorf("symbol %d does not exist in %s", idx, n.describe())
		}
		return n.symbols[idx], nil
	}
	if depth >= document.MaxDepth {
		return nil, fmt.Errorf("the value nests more than %d levels deep", document.MaxDepth)
	}
	switch n.kind {
	case kRecord:
		o := make(document.Object, 0, len(n.fields))
		for _, f := range n.fields {
			v, err := d.value(f.typ, depth+1)
			if err != nil {
				return nil, at("field "+n.full()+"."+f.name, err)
			}
			o = append(o, document.Field{Name: f.name, Value: v})
		}
		return o, nil
	case kArray:
		var out []any
		err := d.blocks(func() error {
			v, err := d.value(n.items, depth+1)
			out = append(out, v)
			return err
		}, func(count int) { out = slices.Grow(out, count) })
		if err != nil {
			return nil, at("[]", err)
		}
		if out == nil {
			out = []any{}
		}
		return out, nil
	case kMap:
		var out document.Object
		err := d.blocks(func() error {
			k, err := d.lengthPrefixed()
			if err != nil {
				return err
			}
			if !utf8.Valid(k) {
				return errors.New("a map key is not valid UTF-8")
			}
			v, err := d.value(n.items, depth+1)
			out = append(out, document.Field{Name: string(k), Value: v})
			return err
		}, func(count int) { out = slices.Grow(out, count) })
		if err != nil {
			return nil, at("{}", err)
		}
		return sortedFields(out), nil
	}
	return nil, fmt.Errorf("cannot decode type %s", n.describe())
}

// sortedFields sorts a map's entries by key; of a key written twice the
// last value stays.
func sortedFields(o document.Object) document.Object {
	if o == nil {
		return document.Object{}
	}
	slices.SortStableFunc(o, func(a, b document.Field) int { return strings.Compare(a.Name, b.Name) })
	out := o[:0]
	for i, f := range o {
		if i+1 < len(o) && o[i+1].Name == f.Name {
			continue
		}
		out = append(out, f)
	}
	return out
}

// blocks reads an array's or map's blocks (a count, negative when the
// block's size in bytes follows, then that many items; 0 ends), calling
// grow with each block's count, checked against the budget, and item for
// each item.
func (d *avroDecoder) blocks(item func() error, grow func(int)) error {
	for {
		count, err := d.long()
		if err != nil {
			return err
		}
		if count == 0 {
			return nil
		}
		if count < 0 {
			if count == math.MinInt64 {
				return errors.New("a block count is out of range")
			}
			count = -count
			if size, err := d.long(); err != nil {
				return err
			} else if size < 0 {
				return errors.New("a block size is negative")
			}
		}
		if count > int64(d.budget) {
			return errTooMany
		}
		grow(int(count))
		for range count {
			if err := item(); err != nil {
				return err
			}
		}
	}
}

// long reads a zigzag varint.
func (d *avroDecoder) long() (int64, error) {
	var u uint64
	for shift := uint(0); ; shift += 7 {
		if shift >= 70 {
			return 0, errVarint
		}
		if d.i >= len(d.b) {
			return 0, errShort
		}
		c := d.b[d.i]
		d.i++
		u |= uint64(c&0x7f) << shift
		if c < 0x80 {
			break
		}
	}
	return int64(u>>1) ^ -int64(u&1), nil
}

// take returns the next n bytes (not copied).
func (d *avroDecoder) take(n int) ([]byte, error) {
	if n > len(d.b)-d.i {
		return nil, errShort
	}
	b := d.b[d.i : d.i+n]
	d.i += n
	return b, nil
}

// lengthPrefixed reads a long length and that many bytes (not copied),
// refusing a length beyond what is left before slicing anything.
func (d *avroDecoder) lengthPrefixed() ([]byte, error) {
	n, err := d.long()
	if err != nil {
		return nil, err
	}
	if n < 0 {
		return nil, errors.New("a length is negative")
	}
	if n > int64(len(d.b)-d.i) {
		return nil, errShort
	}
	return d.take(int(n))
}

// bytesValue is the value of bytes or a fixed: a copy, or a decimal's text.
func bytesValue(n *node, b []byte) (any, error) {
	if n.logical != nil && n.logical.name == "decimal" {
		return decimalText(b, n.logical.scale)
	}
	return slices.Clone(b), nil
}

// decimalText writes a decimal's unscaled value (big-endian two's
// complement) with scale digits after the point: "-12.30".
func decimalText(b []byte, scale int) (string, error) {
	if len(b) > schemaformat.MaxDecimalBytes {
		return "", fmt.Errorf("a decimal has more than %d bytes", schemaformat.MaxDecimalBytes)
	}
	v := new(big.Int).SetBytes(b)
	if len(b) > 0 && b[0]&0x80 != 0 {
		v.Sub(v, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	digits := new(big.Int).Abs(v).String()
	if scale > 0 {
		if len(digits) <= scale {
			digits = strings.Repeat("0", scale-len(digits)+1) + digits
		}
		digits = digits[:len(digits)-scale] + "." + digits[len(digits)-scale:]
	}
	if v.Sign() < 0 {
		digits = "-" + digits
	}
	return digits, nil
}
