package kafkawire

// IncrementalAlterConfigs, v0–v1.
//
// Sets, deletes, appends to or subtracts from individual topic configs,
// leaving the rest alone. All changes to one resource apply together or not
// at all.

import (
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/chronik-stream/chronik/application/topics"
)

func init() { register(44, 0, 1, handleIncrementalAlterConfigs) }

func handleIncrementalAlterConfigs(r *request, req *kmsg.IncrementalAlterConfigsRequest, resp *kmsg.IncrementalAlterConfigsResponse) error {
	for _, rr := range req.Resources {
		out := kmsg.NewIncrementalAlterConfigsResponseResource()
		out.ResourceType, out.ResourceName = rr.ResourceType, rr.ResourceName
		out.ErrorCode, out.ErrorMessage = alterTopicConfigs(rr.ResourceType, func() error {
			ops := make([]topics.ConfigOp, 0, len(rr.Configs))
			for _, c := range rr.Configs {
				op := topics.ConfigOp{Key: c.Name, Op: topics.OpKind(c.Op)}
				if c.Value != nil {
					op.Value = *c.Value
				}
				ops = append(ops, op)
			}
			return r.conn.srv.svc.Topics.AlterConfigs(r.ctx, rr.ResourceName, ops, req.ValidateOnly)
		})
		resp.Resources = append(resp.Resources, out)
	}
	return nil
}
