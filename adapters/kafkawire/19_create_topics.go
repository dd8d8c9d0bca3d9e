package kafkawire

// CreateTopics, v0–v7.
//
// Partitions and replication factor of -1 (v4+) take the broker defaults; a
// manual replica assignment must name only this broker. v5+ answer with the
// partition count, replication factor and configs; v7 with the topic id.
// validate_only (v1+) checks without creating.

import (
	"fmt"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/chronik-stream/chronik/application/topics"
	"github.com/chronik-stream/chronik/domain/topic"
)

func init() { register(19, 0, 7, handleCreateTopics) }

func handleCreateTopics(r *request, kreq kmsg.Request) (kmsg.Response, error) {
	req := kreq.(*kmsg.CreateTopicsRequest)
	resp := req.ResponseKind().(*kmsg.CreateTopicsResponse)
	srv := r.conn.srv
	budget := srv.svc.Topics.NewRequest()
	seen := map[string]int{}
	for _, rt := range req.Topics {
		seen[rt.Topic]++
	}
	for _, rt := range req.Topics {
		out := kmsg.NewCreateTopicsResponseTopic()
		out.Topic = rt.Topic
		t, err := createTopic(r, budget, rt, req.ValidateOnly, seen[rt.Topic] > 1)
		out.ErrorCode, out.ErrorMessage = errorCode(err), errorMessage(err)
		if err == nil {
			out.TopicID = t.ID
			out.NumPartitions = t.Partitions
			out.ReplicationFactor = 1
			for _, k := range t.ConfigKeys() {
				v, explicit := t.Value(k)
				c := kmsg.NewCreateTopicsResponseTopicConfig()
				c.Name, c.Value = k, &v
				c.Source = int8(kmsg.ConfigSourceDefaultConfig)
				if explicit {
					c.Source = int8(kmsg.ConfigSourceDynamicTopicConfig)
				}
				out.Configs = append(out.Configs, c)
			}
		} else {
			out.NumPartitions, out.ReplicationFactor = -1, -1
			srv.logger.Debug("create topic refused", "topic", rt.Topic, "err", err)
		}
		resp.Topics = append(resp.Topics, out)
	}
	return resp, nil
}

func createTopic(r *request, budget *topics.Request, rt kmsg.CreateTopicsRequestTopic, validateOnly, duplicated bool) (topic.Topic, error) {
	if duplicated {
		return topic.Topic{}, fmt.Errorf("%w: %q appears more than once in the request", topic.ErrInvalidName, rt.Topic)
	}
	spec := topics.Spec{Name: rt.Topic, Partitions: rt.NumPartitions, ReplicationFactor: rt.ReplicationFactor, Configs: map[string]string{}}
	if len(rt.ReplicaAssignment) > 0 {
		if spec.Partitions != -1 || spec.ReplicationFactor != -1 {
			return topic.Topic{}, fmt.Errorf("%w: give either a replica assignment or partitions and replication factor", topic.ErrInvalidPartitions)
		}
		for _, a := range rt.ReplicaAssignment {
			if len(a.Replicas) != 1 || a.Replicas[0] != r.conn.srv.cfg.NodeID {
				return topic.Topic{}, fmt.Errorf("%w: partition %d assigned to brokers %v; this cluster is broker %d alone", topic.ErrInvalidReplicas, a.Partition, a.Replicas, r.conn.srv.cfg.NodeID)
			}
		}
		spec.Partitions, spec.ReplicationFactor = int32(len(rt.ReplicaAssignment)), 1
	}
	for _, c := range rt.Configs {
		if c.Value == nil {
			continue
		}
		spec.Configs[c.Name] = *c.Value
	}
	return budget.Create(r.ctx, spec, validateOnly)
}
