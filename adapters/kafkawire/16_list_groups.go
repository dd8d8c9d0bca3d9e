package kafkawire

// ListGroups, v0–v4.
//
// Every live group with its protocol type; v4 filters by state names
// (case-insensitive) and answers each group's state.

import (
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/chronik-stream/chronik/domain/group"
)

func init() { register(16, 0, 4, handleListGroups) }

func handleListGroups(r *request, req *kmsg.ListGroupsRequest, resp *kmsg.ListGroupsResponse) error {
	var states []group.State
	for _, name := range req.StatesFilter {
		s, ok := group.ParseState(name)
		if !ok {
			resp.ErrorCode = kerr.InvalidRequest.Code
			return nil
		}
		states = append(states, s)
	}
	for _, g := range r.conn.srv.svc.Groups.List(states) {
		lg := kmsg.NewListGroupsResponseGroup()
		lg.Group, lg.ProtocolType, lg.GroupState = g.ID, g.ProtocolType, g.State.String()
		lg.GroupType = "classic"
		if g.Consumer {
			lg.GroupType = "consumer"
		}
		resp.Groups = append(resp.Groups, lg)
	}
	return nil
}
