package kafkawire

// FindCoordinator, v0–v4.
//
// This node coordinates every group (key type 0). Transactional ids (type
// 1) are refused with TRANSACTIONAL_ID_AUTHORIZATION_FAILED until
// transactions exist: Kafka's answer to a transactional id the client may not
// use, which franz-go, librdkafka and kafkajs treat as fatal and report at
// once. A retriable code (COORDINATOR_NOT_AVAILABLE) would make them retry
// until their own timeout, a minute or more. v4 batches keys.

import (
	"fmt"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/chronik-stream/chronik/application/groups"
	"github.com/chronik-stream/chronik/domain/group"
	"github.com/chronik-stream/chronik/domain/producer"
)

func init() { register(10, 0, 4, handleFindCoordinator) }

func handleFindCoordinator(r *request, req *kmsg.FindCoordinatorRequest, resp *kmsg.FindCoordinatorResponse) error {
	cfg := r.conn.srv.cfg
	answer := func(key string) (int16, *string) {
		switch req.CoordinatorType {
		case 0:
			if err := groups.ValidateID(key); err != nil {
				return errorCode(err), errorMessage(err)
			}
			return 0, nil
		case 1:
			return errorCode(producer.ErrTransactionsUnsupported), errorMessage(producer.ErrTransactionsUnsupported)
		}
		err := fmt.Errorf("%w: unknown coordinator type %d", group.ErrInvalidRequest, req.CoordinatorType)
		return errorCode(err), errorMessage(err)
	}
	if req.Version < 4 {
		resp.ErrorCode, resp.ErrorMessage = answer(req.CoordinatorKey)
		resp.NodeID, resp.Host, resp.Port = cfg.NodeID, cfg.AdvertisedHost, cfg.AdvertisedPort
		if resp.ErrorCode != 0 {
			resp.NodeID, resp.Host, resp.Port = -1, "", -1
		}
		return nil
	}
	for _, key := range req.CoordinatorKeys {
		c := kmsg.NewFindCoordinatorResponseCoordinator()
		c.Key = key
		c.ErrorCode, c.ErrorMessage = answer(key)
		c.NodeID, c.Host, c.Port = cfg.NodeID, cfg.AdvertisedHost, cfg.AdvertisedPort
		if c.ErrorCode != 0 {
			c.NodeID, c.Host, c.Port = -1, "", -1
		}
		resp.Coordinators = append(resp.Coordinators, c)
	}
	return nil
}
