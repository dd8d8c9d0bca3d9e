package kafkawire

// LeaveGroup, v0–v5.
//
// v0–v2 name one member; v3+ a batch of members, each by member id and/or
// group.instance.id, with an error code each.

import (
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/chronik-stream/chronik/domain/group"
)

func init() { register(13, 0, 5, handleLeaveGroup) }

func handleLeaveGroup(r *request, req *kmsg.LeaveGroupRequest, resp *kmsg.LeaveGroupResponse) error {
	var leavers []group.Leaver
	if req.Version < 3 {
		leavers = []group.Leaver{{MemberID: req.MemberID}}
	} else {
		for _, m := range req.Members {
			leavers = append(leavers, group.Leaver{MemberID: m.MemberID, InstanceID: deref(m.InstanceID)})
		}
	}
	errs, err := r.conn.srv.svc.Groups.Leave(r.ctx, req.Group, leavers)
	if err != nil {
		resp.ErrorCode = errorCode(err)
		return nil
	}
	if req.Version < 3 {
		resp.ErrorCode = errorCode(errs[0])
		return nil
	}
	for i, m := range req.Members {
		rm := kmsg.NewLeaveGroupResponseMember()
		rm.MemberID, rm.InstanceID = m.MemberID, m.InstanceID
		rm.ErrorCode = errorCode(errs[i])
		resp.Members = append(resp.Members, rm)
	}
	return nil
}
