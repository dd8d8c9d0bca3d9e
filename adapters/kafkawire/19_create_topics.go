package kafkawire

// CreateTopics, v0–v7.
//
// Partitions and replication factor of -1 (v4+) take the broker defaults; a
// manual replica assignment must name only this broker
// (INVALID_REPLICA_ASSIGNMENT otherwise). A topic named twice in one request
// fails every entry of it with INVALID_REQUEST, and Kafka's internal topics
// (__consumer_offsets, __transaction_state) cannot be created
// (INVALID_REQUEST), as Kafka answers both. v5+ answer with the
// partition count, replication factor and configs; v7 with the topic id.
// validate_only (v1+) checks without creating.

import (
	"fmt"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/chronik-stream/chronik/application/topics"
	"github.com/chronik-stream/chronik/domain/topic"
)

func init() { register(19, 0, 7, handleCreateTopics) }

func handleCreateTopics(r *request, req *kmsg.CreateTopicsRequest, resp *kmsg.CreateTopicsResponse) error {
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
	return nil
}

func createTopic(r *request, budget *topics.Request, rt kmsg.CreateTopicsRequestTopic, validateOnly, duplicated bool) (topic.Topic, error) {
	if duplicated {
		return topic.Topic{}, fmt.Errorf("%w: topic %q appears more than once; name each topic once", topic.ErrInvalidRequest, rt.Topic)
	}
	spec := topics.Spec{Name: rt.Topic, Partitions: rt.NumPartitions, ReplicationFactor: rt.ReplicationFactor, Configs: map[string]string{}}
	if len(rt.ReplicaAssignment) > 0 {
		n, err := checkAssignment(rt, r.conn.srv.cfg.NodeID)
		if err != nil {
			return topic.Topic{}, err
		}
		spec.Partitions, spec.ReplicationFactor = n, 1
	}
	for _, c := range rt.Configs {
		if c.Value == nil {
			continue
		}
		spec.Configs[c.Name] = *c.Value
	}
	return budget.Create(r.ctx, spec, validateOnly)
}

// checkAssignment applies Kafka's checks to a manual replica assignment and
// returns its partition count: partition count and replication factor are
// left -1, partitions are numbered 0..n-1 once each, and every replica list
// names existing brokers (here: this one) once.
func checkAssignment(rt kmsg.CreateTopicsRequestTopic, node int32) (int32, error) {
	if rt.ReplicationFactor != -1 {
		return 0, fmt.Errorf("%w: a manual replica assignment was given, but the replication factor is %d, not -1", topic.ErrInvalidReplicas, rt.ReplicationFactor)
	}
	if rt.NumPartitions != -1 {
		return 0, fmt.Errorf("%w: a manual replica assignment was given, but the partition count is %d, not -1", topic.ErrInvalidRequest, rt.NumPartitions)
	}
	n := int32(len(rt.ReplicaAssignment))
	seen := make([]bool, n)
	for _, a := range rt.ReplicaAssignment {
		if a.Partition < 0 || a.Partition >= n || seen[a.Partition] {
			return 0, fmt.Errorf("%w: partitions must be numbered 0 to %d, each once (got partition %d)", topic.ErrInvalidReplicaAssignment, n-1, a.Partition)
		}
		seen[a.Partition] = true
		if len(a.Replicas) == 0 {
			return 0, fmt.Errorf("%w: partition %d has an empty replica list", topic.ErrInvalidReplicaAssignment, a.Partition)
		}
		if len(a.Replicas) != 1 || a.Replicas[0] != node {
			return 0, fmt.Errorf("%w: partition %d is assigned to brokers %v, but the only broker is %d", topic.ErrInvalidReplicaAssignment, a.Partition, a.Replicas, node)
		}
	}
	return n, nil
}
