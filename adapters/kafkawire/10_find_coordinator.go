package kafkawire

// FindCoordinator, v0–v4.
//
// This node coordinates every group (key type 0) and would coordinate every
// transactional id (type 1, refused until transactions exist). v4 batches
// keys.

import (
	"fmt"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/chronik-stream/chronik/application/groups"
)

func init() { register(10, 0, 4, handleFindCoordinator) }

func handleFindCoordinator(r *request, kreq kmsg.Request) (kmsg.Response, error) {
	req := kreq.(*kmsg.FindCoordinatorRequest)
	resp := req.ResponseKind().(*kmsg.FindCoordinatorResponse)
	cfg := r.conn.srv.cfg
	answer := func(key string) (int16, *string) {
		switch req.CoordinatorType {
		case 0:
			if err := groups.ValidateID(key); err != nil {
				return errorCode(err), errorMessage(err)
			}
			return 0, nil
		case 1:
			return kerr.CoordinatorNotAvailable.Code, errorMessage(fmt.Errorf("transactions are not supported yet"))
		}
		return kerr.InvalidRequest.Code, errorMessage(fmt.Errorf("unknown coordinator type %d", req.CoordinatorType))
	}
	if req.Version < 4 {
		resp.ErrorCode, resp.ErrorMessage = answer(req.CoordinatorKey)
		resp.NodeID, resp.Host, resp.Port = cfg.NodeID, cfg.AdvertisedHost, cfg.AdvertisedPort
		if resp.ErrorCode != 0 {
			resp.NodeID, resp.Host, resp.Port = -1, "", -1
		}
		return resp, nil
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
	return resp, nil
}
