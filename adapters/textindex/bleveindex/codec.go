package bleveindex

import (
	"encoding/binary"
	"errors"
	"math"

	"github.com/chronik-stream/chronik/domain/search"
)

// The stored field storedDoc holds one search.Doc:
//
//	uvarint partition | varint offset | uvarint len(source) | source |
//	uvarint nfields | nfields × (uvarint len(path) | path | type byte | value)
//
// value: text and keyword a uvarint length and the bytes, long and
// date a varint, double 8 bytes (IEEE 754, little endian), boolean a byte.

var errBadDoc = errors.New("stored document does not decode")

var typeCodes = []search.FieldType{search.Text, search.Keyword, search.Long, search.Double, search.Date, search.Boolean}

func typeCode(t search.FieldType) byte {
	for i, x := range typeCodes {
		if x == t {
			return byte(i)
		}
	}
	return 255
}

func encodeDoc(b []byte, d search.Doc) []byte {
	b = binary.AppendUvarint(b, uint64(uint32(d.Partition)))
	b = binary.AppendVarint(b, d.Offset)
	b = binary.AppendUvarint(b, uint64(len(d.Source)))
	b = append(b, d.Source...)
	b = binary.AppendUvarint(b, uint64(len(d.Fields)))
	for _, f := range d.Fields {
		b = binary.AppendUvarint(b, uint64(len(f.Path)))
		b = append(b, f.Path...)
		b = append(b, typeCode(f.Type))
		switch f.Type {
		case search.Long, search.Date:
			b = binary.AppendVarint(b, f.Int)
		case search.Double:
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(f.Float))
		case search.Boolean:
			if f.Bool {
				b = append(b, 1)
			} else {
				b = append(b, 0)
			}
		default:
			b = binary.AppendUvarint(b, uint64(len(f.Str)))
			b = append(b, f.Str...)
		}
	}
	return b
}

type reader struct {
	b   []byte
	err error
}

func (r *reader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errBadDoc
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err = errBadDoc
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) bytes() []byte {
	n := r.uvarint()
	if r.err != nil || n > uint64(len(r.b)) {
		r.err = errBadDoc
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

func (r *reader) byte1() byte {
	if len(r.b) == 0 {
		r.err = errBadDoc
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

// decodeDoc reads what encodeDoc wrote; the Doc does not alias b.
func decodeDoc(b []byte) (search.Doc, error) {
	r := &reader{b: b}
	var d search.Doc
	p := r.uvarint()
	if p > math.MaxInt32 {
		return d, errBadDoc
	}
	d.Partition = int32(p)
	d.Offset = r.varint()
	d.Source = append([]byte(nil), r.bytes()...)
	n := r.uvarint()
	if r.err != nil || n > uint64(len(r.b)) {
		return d, errBadDoc
	}
	d.Fields = make([]search.FieldValue, 0, n)
	for i := uint64(0); i < n && r.err == nil; i++ {
		f := search.FieldValue{Path: string(r.bytes())}
		c := r.byte1()
		if int(c) >= len(typeCodes) {
			return d, errBadDoc
		}
		f.Type = typeCodes[c]
		switch f.Type {
		case search.Long, search.Date:
			f.Int = r.varint()
		case search.Double:
			if len(r.b) < 8 {
				return d, errBadDoc
			}
			f.Float = math.Float64frombits(binary.LittleEndian.Uint64(r.b))
			r.b = r.b[8:]
		case search.Boolean:
			f.Bool = r.byte1() == 1
		default:
			f.Str = string(r.bytes())
		}
		d.Fields = append(d.Fields, f)
	}
	if r.err != nil || len(r.b) != 0 {
		return d, errBadDoc
	}
	return d, nil
}
