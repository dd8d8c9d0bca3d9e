package kafkawire

// CreatePartitions, v0–v3.
//
// Grows a topic; the new count must exceed the current one. Manual
// assignments must name only this broker.

import (
	"fmt"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/chronik-stream/chronik/domain/topic"
)

func init() { register(37, 0, 3, handleCreatePartitions) }

func handleCreatePartitions(r *request, req *kmsg.CreatePartitionsRequest, resp *kmsg.CreatePartitionsResponse) error {
	node := r.conn.srv.cfg.NodeID
	budget := r.conn.srv.svc.Topics.NewRequest()
	for _, rt := range req.Topics {
		out := kmsg.NewCreatePartitionsResponseTopic()
		out.Topic = rt.Topic
		var err error
		for _, a := range rt.Assignment {
			if len(a.Replicas) != 1 || a.Replicas[0] != node {
				err = fmt.Errorf("%w: assignment %v names brokers other than %d", topic.ErrInvalidReplicas, a.Replicas, node)
			}
		}
		if err == nil {
			err = budget.AddPartitions(r.ctx, rt.Topic, rt.Count, req.ValidateOnly)
		}
		out.ErrorCode, out.ErrorMessage = errorCode(err), errorMessage(err)
		resp.Topics = append(resp.Topics, out)
	}
	return nil
}
