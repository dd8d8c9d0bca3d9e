package kafkawire

// Heartbeat, v0–v4.
//
// Keeps a member's session alive; REBALANCE_IN_PROGRESS tells it to rejoin.
// v3+ carry group.instance.id.

import "github.com/twmb/franz-go/pkg/kmsg"

func init() { register(12, 0, 4, handleHeartbeat) }

func handleHeartbeat(r *request, req *kmsg.HeartbeatRequest, resp *kmsg.HeartbeatResponse) error {
	err := r.conn.srv.svc.Groups.Heartbeat(r.ctx, req.Group, req.MemberID, deref(req.InstanceID), req.Generation)
	resp.ErrorCode = errorCode(err)
	return nil
}
