package kafkawire

// DeleteTopics, v0–v6.
//
// Deletes by name, or (v6+) by topic id. The topic's data is removed before
// the response.

import (
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/chronik-stream/chronik/domain/topic"
)

func init() { register(20, 0, 6, handleDeleteTopics) }

func handleDeleteTopics(r *request, req *kmsg.DeleteTopicsRequest, resp *kmsg.DeleteTopicsResponse) error {
	svc := r.conn.srv.svc
	names := req.TopicNames
	var ids [][16]byte
	if req.Version >= 6 {
		names = nil
		for _, t := range req.Topics {
			if t.Topic != nil && *t.Topic != "" {
				names = append(names, *t.Topic)
			} else {
				ids = append(ids, t.TopicID)
			}
		}
	}
	for _, name := range names {
		out := kmsg.NewDeleteTopicsResponseTopic()
		n := name
		out.Topic = &n
		t, err := svc.Topics.Delete(r.ctx, name)
		out.TopicID = t.ID
		out.ErrorCode, out.ErrorMessage = errorCode(err), errorMessage(err)
		resp.Topics = append(resp.Topics, out)
	}
	for _, id := range ids {
		out := kmsg.NewDeleteTopicsResponseTopic()
		out.TopicID = id
		t, ok := svc.Topics.GetByID(topic.ID(id))
		if !ok {
			out.ErrorCode = kerr.UnknownTopicID.Code
			resp.Topics = append(resp.Topics, out)
			continue
		}
		name := t.Name
		out.Topic = &name
		_, err := svc.Topics.Delete(r.ctx, name)
		out.ErrorCode, out.ErrorMessage = errorCode(err), errorMessage(err)
		resp.Topics = append(resp.Topics, out)
	}
	return nil
}
