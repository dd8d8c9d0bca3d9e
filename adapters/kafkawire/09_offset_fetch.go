package kafkawire

// OffsetFetch, v0–v9.
//
// Returns committed offsets: of the named partitions, or (v2+, null topics)
// of every partition the group has committed. A partition with no commit
// answers offset -1. v8+ batch several groups.

import (
	"sort"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/chronik-stream/chronik/application/groups"
	"github.com/chronik-stream/chronik/domain/topic"
)

func init() { register(9, 0, 9, handleOffsetFetch) }

type fetchedTopic struct {
	name  string
	parts []fetchedPartition
}

type fetchedPartition struct {
	index int32
	o     groups.Offset
	found bool
}

// answer is what OffsetFetch says of the partition: its committed offset,
// leader epoch and metadata, or -1, -1 and "" when nothing is committed.
func (p fetchedPartition) answer() (offset int64, leaderEpoch int32, metadata *string) {
	if !p.found {
		return -1, -1, new(string)
	}
	return p.o.Offset, p.o.LeaderEpoch, &p.o.Metadata
}

func handleOffsetFetch(r *request, req *kmsg.OffsetFetchRequest, resp *kmsg.OffsetFetchResponse) error {
	if req.Version < 8 {
		var asked map[string][]int32
		if req.Topics != nil || req.Version < 2 {
			asked = map[string][]int32{}
			for _, t := range req.Topics {
				asked[t.Topic] = append(asked[t.Topic], t.Partitions...)
			}
		}
		topics, err := committed(r, req.Group, asked, topicOrder(req.Topics))
		resp.ErrorCode = errorCode(err)
		for _, t := range topics {
			rt := kmsg.NewOffsetFetchResponseTopic()
			rt.Topic = t.name
			for _, p := range t.parts {
				rp := kmsg.NewOffsetFetchResponseTopicPartition()
				rp.Partition = p.index
				rp.Offset, rp.LeaderEpoch, rp.Metadata = p.answer()
				rt.Partitions = append(rt.Partitions, rp)
			}
			resp.Topics = append(resp.Topics, rt)
		}
		return nil
	}
	for _, g := range req.Groups {
		var asked map[string][]int32
		var order []string
		if g.Topics != nil {
			asked = map[string][]int32{}
			for _, t := range g.Topics {
				if _, seen := asked[t.Topic]; !seen {
					order = append(order, t.Topic)
				}
				asked[t.Topic] = append(asked[t.Topic], t.Partitions...)
			}
		}
		topics, err := committed(r, g.Group, asked, order)
		rg := kmsg.NewOffsetFetchResponseGroup()
		rg.Group = g.Group
		rg.ErrorCode = errorCode(err)
		for _, t := range topics {
			rt := kmsg.NewOffsetFetchResponseGroupTopic()
			rt.Topic = t.name
			for _, p := range t.parts {
				rp := kmsg.NewOffsetFetchResponseGroupTopicPartition()
				rp.Partition = p.index
				rp.Offset, rp.LeaderEpoch, rp.Metadata = p.answer()
				rt.Partitions = append(rt.Partitions, rp)
			}
			rg.Topics = append(rg.Topics, rt)
		}
		resp.Groups = append(resp.Groups, rg)
	}
	return nil
}

func topicOrder(ts []kmsg.OffsetFetchRequestTopic) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Topic)
	}
	return out
}

// committed looks up a group's offsets. asked nil means every committed
// partition; otherwise the named partitions, in order, found or not.
func committed(r *request, groupID string, asked map[string][]int32, order []string) ([]fetchedTopic, error) {
	var parts []topic.Partition
	if asked != nil {
		parts = []topic.Partition{}
		for _, name := range order {
			for _, p := range asked[name] {
				parts = append(parts, topic.Partition{Topic: name, Index: p})
			}
		}
	}
	offsets, err := r.conn.srv.svc.Groups.FetchOffsets(r.ctx, groupID, parts)
	if err != nil {
		return nil, err
	}
	var out []fetchedTopic
	if asked == nil {
		byTopic := map[string][]fetchedPartition{}
		for p, o := range offsets {
			byTopic[p.Topic] = append(byTopic[p.Topic], fetchedPartition{index: p.Index, o: o, found: true})
		}
		for name, parts := range byTopic {
			sort.Slice(parts, func(i, j int) bool { return parts[i].index < parts[j].index })
			out = append(out, fetchedTopic{name: name, parts: parts})
		}
		sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
		return out, nil
	}
	seen := map[string]bool{}
	for _, name := range order {
		if seen[name] {
			continue
		}
		seen[name] = true
		t := fetchedTopic{name: name}
		for _, idx := range asked[name] {
			o, ok := offsets[topic.Partition{Topic: name, Index: idx}]
			t.parts = append(t.parts, fetchedPartition{index: idx, o: o, found: ok})
		}
		out = append(out, t)
	}
	return out, nil
}
