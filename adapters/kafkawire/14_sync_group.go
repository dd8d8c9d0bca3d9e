package kafkawire

// SyncGroup, v0–v5.
//
// The leader sends every member's assignment; followers wait (on their
// connection) until it does. v3+ carry group.instance.id; v5+ check and
// answer the protocol type and name.

import (
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/chronik-stream/chronik/domain/group"
)

func init() { register(14, 0, 5, handleSyncGroup) }

func handleSyncGroup(r *request, req *kmsg.SyncGroupRequest, resp *kmsg.SyncGroupResponse) error {
	sr := group.SyncRequest{
		MemberID:     req.MemberID,
		InstanceID:   deref(req.InstanceID),
		Generation:   req.Generation,
		ProtocolType: deref(req.ProtocolType),
		Protocol:     deref(req.Protocol),
		Assignments:  make(map[string][]byte, len(req.GroupAssignment)),
	}
	for _, a := range req.GroupAssignment {
		sr.Assignments[a.MemberID] = a.MemberAssignment
	}
	res, err := r.conn.srv.svc.Groups.Sync(r.ctx, req.Group, sr)
	if err == nil {
		err = res.Err
	}
	resp.ErrorCode = errorCode(err)
	resp.MemberAssignment = []byte{}
	if err != nil {
		return nil
	}
	protocolType, protocol := res.ProtocolType, res.Protocol
	resp.ProtocolType, resp.Protocol = &protocolType, &protocol
	resp.MemberAssignment = res.Assignment
	return nil
}
