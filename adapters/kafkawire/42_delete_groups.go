package kafkawire

// DeleteGroups, v0–v2.
//
// Deletes empty groups with their committed offsets: NON_EMPTY_GROUP while a
// group has members, GROUP_ID_NOT_FOUND for unknown groups.

import "github.com/twmb/franz-go/pkg/kmsg"

func init() { register(42, 0, 2, handleDeleteGroups) }

func handleDeleteGroups(r *request, req *kmsg.DeleteGroupsRequest, resp *kmsg.DeleteGroupsResponse) error {
	for _, id := range req.Groups {
		g := kmsg.NewDeleteGroupsResponseGroup()
		g.Group = id
		err := r.conn.srv.svc.Groups.Delete(r.ctx, id)
		g.ErrorCode, g.ErrorMessage = errorCode(err), errorMessage(err)
		resp.Groups = append(resp.Groups, g)
	}
	return nil
}
