package kafkawire

// Metadata, v0–v12.
//
// One broker (this node) leads every partition with leader epoch 0. A null
// topic list (or, before v1, an empty one) means all topics. Unknown topics
// are created when the broker allows auto-creation and, from v4, the request
// does too. v10+ may name topics by id; v12 answers with ids only when asked.

import (
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/chronik-stream/chronik/domain/topic"
)

func init() { register(3, 0, 12, handleMetadata) }

func handleMetadata(r *request, req *kmsg.MetadataRequest, resp *kmsg.MetadataResponse) error {
	srv := r.conn.srv
	cfg := srv.cfg
	resp.Brokers = []kmsg.MetadataResponseBroker{{NodeID: cfg.NodeID, Host: cfg.AdvertisedHost, Port: cfg.AdvertisedPort}}
	resp.ClusterID = &cfg.ClusterID
	resp.ControllerID = cfg.NodeID

	all := req.Topics == nil || (req.Version == 0 && len(req.Topics) == 0)
	if all {
		for _, t := range srv.svc.Topics.List() {
			resp.Topics = append(resp.Topics, metadataTopic(cfg.NodeID, t, nil))
		}
		return nil
	}
	autoCreate := req.Version < 4 || req.AllowAutoTopicCreation
	budget := srv.svc.Topics.NewRequest()
	for _, rt := range req.Topics {
		var (
			t   topic.Topic
			err error
		)
		switch {
		case rt.Topic != nil && *rt.Topic != "":
			name := *rt.Topic
			created := false
			if err = topic.ValidateName(name); err == nil {
				if autoCreate {
					t, created, err = budget.GetOrAutoCreate(r.ctx, name)
				} else if tt, ok := srv.svc.Topics.Get(name); ok {
					t = tt
				} else {
					err = topic.ErrUnknown
				}
			}
			if err != nil {
				mt := kmsg.NewMetadataResponseTopic()
				mt.Topic = &name
				mt.ErrorCode = errorCode(err)
				resp.Topics = append(resp.Topics, mt)
				continue
			}
			if created {
				resp.Topics = append(resp.Topics, justCreated(name))
				continue
			}
		default:
			tt, ok := srv.svc.Topics.GetByID(topic.ID(rt.TopicID))
			if !ok {
				mt := kmsg.NewMetadataResponseTopic()
				mt.TopicID = rt.TopicID
				mt.ErrorCode = kerr.UnknownTopicID.Code
				resp.Topics = append(resp.Topics, mt)
				continue
			}
			t = tt
		}
		resp.Topics = append(resp.Topics, metadataTopic(cfg.NodeID, t, nil))
	}
	return nil
}

// justCreated is Kafka's answer for a topic this request auto-created.
func justCreated(name string) kmsg.MetadataResponseTopic {
	mt := kmsg.NewMetadataResponseTopic()
	mt.Topic = &name
	mt.ErrorCode = kerr.LeaderNotAvailable.Code
	mt.Partitions = []kmsg.MetadataResponseTopicPartition{}
	return mt
}

func metadataTopic(node int32, t topic.Topic, err error) kmsg.MetadataResponseTopic {
	mt := kmsg.NewMetadataResponseTopic()
	name := t.Name
	mt.Topic = &name
	mt.TopicID = t.ID
	mt.IsInternal = topic.IsInternal(t.Name)
	mt.ErrorCode = errorCode(err)
	mt.Partitions = make([]kmsg.MetadataResponseTopicPartition, t.Partitions)
	for i := range mt.Partitions {
		p := kmsg.NewMetadataResponseTopicPartition()
		p.Partition = int32(i)
		p.Leader = node
		p.LeaderEpoch = 0
		p.Replicas = []int32{node}
		p.ISR = []int32{node}
		p.OfflineReplicas = []int32{}
		mt.Partitions[i] = p
	}
	return mt
}
