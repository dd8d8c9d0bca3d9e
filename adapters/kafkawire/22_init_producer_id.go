package kafkawire

// InitProducerID, v0–v4.
//
// Hands idempotent producers an id and epoch. v3+ may pass the current id
// and epoch to bump the epoch (KIP-360). Transactional ids need the
// transaction coordinator, which is not implemented yet: they are refused
// with TRANSACTIONAL_ID_AUTHORIZATION_FAILED, which clients report instead of
// retrying forever.

import (
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/chronik-stream/chronik/domain/producer"
)

func init() { register(22, 0, 4, handleInitProducerID) }

func handleInitProducerID(r *request, req *kmsg.InitProducerIDRequest, resp *kmsg.InitProducerIDResponse) error {
	resp.ProducerID, resp.ProducerEpoch = -1, -1
	if req.TransactionalID != nil {
		resp.ErrorCode = errorCode(producer.ErrTransactionsUnsupported)
		return nil
	}
	id, epoch := int64(-1), int16(-1)
	if req.Version >= 3 {
		id, epoch = req.ProducerID, req.ProducerEpoch
	}
	id, epoch, err := r.conn.srv.svc.Produce.InitProducerID(r.ctx, id, epoch)
	if err != nil {
		resp.ErrorCode = errorCode(err)
		return nil
	}
	resp.ProducerID, resp.ProducerEpoch = id, epoch
	return nil
}
