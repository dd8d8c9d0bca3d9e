package group

import (
	"maps"
	"slices"
	"sort"
)

// AssignInput is what a server-side assignor sees.
type AssignInput struct {
	// Members maps member ids to the sorted topics they subscribe to (only
	// topics in Topics).
	Members map[string][]string
	Topics  TopicMetadata
	// Previous is the last target assignment, for stickiness.
	Previous map[string]Assignment
}

// AssignRange is the range assignor, per topic: the members subscribed to a
// topic, sorted by id, get contiguous ranges of its partitions, the first
// ones one extra when the partitions do not divide evenly. Deterministic,
// not sticky across membership changes (as Kafka's range assignor for
// homogeneous groups is not).
func AssignRange(in AssignInput) map[string]Assignment {
	out := map[string]Assignment{}
	for id := range in.Members {
		out[id] = Assignment{}
	}
	for _, t := range slices.Sorted(maps.Keys(in.Topics)) {
		var subs []string
		for _, id := range slices.Sorted(maps.Keys(in.Members)) {
			if _, ok := slices.BinarySearch(in.Members[id], t); ok {
				subs = append(subs, id)
			}
		}
		if len(subs) == 0 {
			continue
		}
		n := in.Topics[t]
		per, extra := n/int32(len(subs)), n%int32(len(subs))
		next := int32(0)
		for i, id := range subs {
			count := per
			if int32(i) < extra {
				count++
			}
			for p := next; p < next+count; p++ {
				out[id].add(t, p)
			}
			next += count
		}
	}
	return out
}

// AssignUniform is the uniform assignor: every partition of a subscribed
// topic goes to exactly one subscribed member, counts are balanced (within
// one where subscriptions allow), and a member keeps as much of its previous
// target as balance permits.
func AssignUniform(in AssignInput) map[string]Assignment {
	ids := slices.Sorted(maps.Keys(in.Members))
	out := map[string]Assignment{}
	count := map[string]int{}
	for _, id := range ids {
		out[id] = Assignment{}
	}
	type tp struct {
		t string
		p int32
	}
	var all []tp
	for _, t := range slices.Sorted(maps.Keys(in.Topics)) {
		for p := int32(0); p < in.Topics[t]; p++ {
			all = append(all, tp{t, p})
		}
	}
	eligible := func(id, t string) bool { _, ok := slices.BinarySearch(in.Members[id], t); return ok }
	active := 0
	for _, id := range ids {
		if len(in.Members[id]) > 0 {
			active++
		}
	}
	if active == 0 {
		return out
	}
	subscribed := 0
	for _, x := range all {
		for _, id := range ids {
			if eligible(id, x.t) {
				subscribed++
				break
			}
		}
	}
	quota := (subscribed + active - 1) / active
	taken := map[tp]bool{}
	// 1. Stickiness: keep previous partitions up to the quota.
	for _, id := range ids {
		prev := in.Previous[id]
		for _, t := range slices.Sorted(maps.Keys(prev)) {
			if !eligible(id, t) {
				continue
			}
			for _, p := range prev[t] {
				x := tp{t, p}
				if p >= in.Topics[t] || taken[x] || count[id] >= quota {
					continue
				}
				taken[x] = true
				out[id].add(t, p)
				count[id]++
			}
		}
	}
	// 2. The rest to the least loaded eligible member.
	for _, x := range all {
		if taken[x] {
			continue
		}
		best := ""
		for _, id := range ids {
			if eligible(id, x.t) && (best == "" || count[id] < count[best]) {
				best = id
			}
		}
		if best == "" {
			continue
		}
		taken[x] = true
		out[best].add(x.t, x.p)
		count[best]++
	}
	// 3. Balance: move partitions from a member holding two or more than an
	// eligible one, the donor's highest partition first.
	for moved := true; moved; {
		moved = false
		sort.SliceStable(ids, func(i, j int) bool { return count[ids[i]] > count[ids[j]] })
		for _, donor := range ids {
			for _, recv := range slices.Backward(ids) {
				if count[donor] <= count[recv]+1 {
					break
				}
				if t, p, ok := movable(out[donor], func(t string) bool { return eligible(recv, t) }); ok {
					out[donor].remove(t, p)
					out[recv].add(t, p)
					count[donor]--
					count[recv]++
					moved = true
					break
				}
			}
			if moved {
				break
			}
		}
	}
	return out
}

// movable finds the last partition (by topic, then partition) of a that ok
// accepts.
func movable(a Assignment, ok func(string) bool) (string, int32, bool) {
	ts := slices.Sorted(maps.Keys(a))
	for i := len(ts) - 1; i >= 0; i-- {
		if ps := a[ts[i]]; len(ps) > 0 && ok(ts[i]) {
			return ts[i], ps[len(ps)-1], true
		}
	}
	return "", 0, false
}

func (a Assignment) remove(topic string, p int32) {
	ps := a[topic]
	for i, x := range ps {
		if x == p {
			a[topic] = append(ps[:i:i], ps[i+1:]...)
			if len(a[topic]) == 0 {
				delete(a, topic)
			}
			return
		}
	}
}
