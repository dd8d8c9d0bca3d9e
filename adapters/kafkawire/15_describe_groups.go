package kafkawire

// DescribeGroups, v0–v5.
//
// A group the coordinator does not know is described as Dead with no
// members, as Kafka does. v4+ carry each member's group.instance.id.

import (
	"github.com/twmb/franz-go/pkg/kmsg"
)

func init() { register(15, 0, 5, handleDescribeGroups) }

func handleDescribeGroups(r *request, req *kmsg.DescribeGroupsRequest, resp *kmsg.DescribeGroupsResponse) error {
	for _, id := range req.Groups {
		d := r.conn.srv.svc.Groups.Describe(id)
		g := kmsg.NewDescribeGroupsResponseGroup()
		g.Group, g.State, g.ProtocolType, g.Protocol = id, d.State.String(), d.ProtocolType, d.Protocol
		for _, m := range d.Members {
			gm := kmsg.NewDescribeGroupsResponseGroupMember()
			gm.MemberID, gm.ClientID, gm.ClientHost = m.ID, m.ClientID, m.ClientHost
			if m.InstanceID != "" {
				id := m.InstanceID
				gm.InstanceID = &id
			}
			gm.ProtocolMetadata = m.Metadata(d.Protocol)
			if gm.ProtocolMetadata == nil {
				gm.ProtocolMetadata = []byte{}
			}
			gm.MemberAssignment = m.Assignment
			if gm.MemberAssignment == nil {
				gm.MemberAssignment = []byte{}
			}
			g.Members = append(g.Members, gm)
		}
		resp.Groups = append(resp.Groups, g)
	}
	return nil
}
