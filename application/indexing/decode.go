package indexing

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/chronik-stream/chronik/domain/document"
	"github.com/chronik-stream/chronik/domain/record"
)

// chunk is what one read decoded.
type chunk struct {
	docs  []document.Document // in offset order
	end   int64               // the offset after the last batch read
	maxTS int64               // largest batch timestamp read
}

// confluentMagic starts a value framed in Confluent's wire format, followed
// by a 4-byte big-endian schema id.
const confluentMagic = 0

// decode turns the batches in data into documents, skipping records below
// from and control batches. A batch whose records cannot be read (it does
// not decompress within MaxBatchBytes, or its records are malformed) is
// skipped and counted; the documents are still indexed up to it. An error
// means data is not a sequence of batches.
func (p *Pipeline) decode(ctx context.Context, pt *part, data []byte, from int64) (chunk, error) {
	c := chunk{end: from, maxTS: -1}
	_, err := record.Split(data, func(h record.Header, batch []byte) error {
		c.end = h.NextOffset()
		c.maxTS = max(c.maxTS, h.MaxTimestamp)
		if h.Control() || h.NextOffset() <= from {
			return nil
		}
		body := batch[record.HeaderSize:]
		if codec := h.Codec(); codec != 0 {
			var err error
			if body, err = p.inflate.Inflate(nil, body, codec, p.cfg.MaxBatchBytes); err != nil {
				p.unreadable(pt, h, from, err)
				return nil
			}
		}
		it := record.NewRecords(h, body)
		for it.Next() {
			r := it.Record()
			offset := h.BaseOffset + int64(r.OffsetDelta)
			if offset < from {
				continue
			}
			c.docs = append(c.docs, p.document(ctx, pt, h, r, offset))
		}
		if err := ctx.Err(); err != nil {
			return err // stopping: a decode may have failed for it, not for the value
		}
		if err := it.Err(); err != nil {
			p.unreadable(pt, h, from, err)
		}
		return nil
	})
	if err != nil {
		return chunk{}, fmt.Errorf("batches of %s from offset %d: %w", pt.tp, from, err)
	}
	return c, nil
}

// unreadable counts the records of a batch that cannot be read.
func (p *Pipeline) unreadable(pt *part, h record.Header, from int64, err error) {
	lost := h.NextOffset() - max(h.BaseOffset, from)
	pt.skipped += lost
	p.logger.Warn("indexing: a batch's records cannot be read; they are skipped", "partition", pt.tp,
		"offsets", fmt.Sprintf("%d-%d", h.BaseOffset, h.LastOffset()), "records", lost, "err", err)
}

// document builds the document of record r at offset.
func (p *Pipeline) document(ctx context.Context, pt *part, h record.Header, r *record.Record, offset int64) document.Document {
	d := document.Document{
		Partition: pt.tp.Index,
		Offset:    offset,
		Timestamp: h.BaseTimestamp + r.TimestampDelta,
		Key:       r.Key,
		Value:     r.Value,
	}
	if h.Attributes&record.AttrLogAppendTime != 0 {
		d.Timestamp = h.MaxTimestamp
	}
	if r.HeaderCount > 0 {
		d.Headers = make([]document.Header, 0, r.HeaderCount)
		r.EachHeader(func(k, v []byte) {
			d.Headers = append(d.Headers, document.Header{Key: string(k), Value: v})
		})
	}
	p.decodeValue(ctx, pt, &d)
	return d
}

// decodeValue decodes d.Value once for every sink: with its schema when it
// is framed with a schema id, as fields when it is a JSON object.
func (p *Pipeline) decodeValue(ctx context.Context, pt *part, d *document.Document) {
	v := d.Value
	if len(v) >= 5 && v[0] == confluentMagic && p.schemas != nil {
		id := int32(binary.BigEndian.Uint32(v[1:5]))
		fields, err := p.schemas.Decode(ctx, id, v[5:])
		if err == nil {
			d.Kind, d.Fields, d.SchemaID = document.Schema, fields, id
			return
		}
		if ctx.Err() != nil {
			return // decode gives up the chunk (see decode); nothing to count
		}
		pt.undecodable++
		p.warnOnce(pt.tp, d.Offset, err)
		return
	}
	if fields, err := pt.json.Parse(v); err == nil {
		d.Kind, d.Fields = document.JSON, fields
	}
}
