package group

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestConsumerGroupScripts runs testdata/consumer/*.txt against one
// *ConsumerGroup ("g") each, like TestClassicScripts does for classic groups:
//
//	<command> => <expected>
//
//	config [maxsize=0] [maxbytes=0]         group.consumer.max.size, group.member.metadata.max.bytes
//	topics <name>=<partitions> ...          the broker's topics (replaces all)
//	at <time> | tick [<time>]               set the clock / fire due timers
//	hb <member> <epoch> [sub=a,b] [regex=r] [assignor=range] [instance=i]
//	   [rebalance=60s] [owned=a:0,1/b:2 | owned=-]
//	                                        a heartbeat; owned omitted is "unchanged",
//	                                        owned=- is "owns nothing"
//	commit <member> <epoch>                 CanCommit
//	restore                                 JSON round trip, then Restore at the clock
//	state                                   the group and every member
//
// A heartbeat prints `epoch=<n> [assign=<assignment>]` or an error name; the
// group's epoch/assignment epoch/state follow after a |.
func TestConsumerGroupScripts(t *testing.T) {
	runScripts(t, "consumer", func(t *testing.T) scriptDriver {
		return &cgScript{t: t, g: NewConsumerGroup("g"), now: scriptStart, meta: TopicMetadata{},
			cfg: ConsumerConfig{SessionTimeout: 45 * time.Second, HeartbeatInterval: 5 * time.Second}}
	})
}

type cgScript struct {
	t    *testing.T
	g    *ConsumerGroup
	now  time.Time
	cfg  ConsumerConfig
	meta TopicMetadata
}

func (s *cgScript) dur(v string) time.Duration {
	s.t.Helper()
	return scriptValue(s.t, "duration", v, time.ParseDuration)
}

func (s *cgScript) run(cmd string) string {
	s.t.Helper()
	words := strings.Fields(cmd)
	pos, opts := scriptArgs(words[1:])
	switch words[0] {
	case "config":
		for k, v := range opts {
			n, _ := strconv.Atoi(v)
			switch k {
			case "maxsize":
				s.cfg.MaxSize = n
			case "maxbytes":
				s.cfg.MaxMemberBytes = n
			default:
				s.t.Fatalf("unknown config %q", k)
			}
		}
		return "ok"
	case "topics":
		s.meta = TopicMetadata{}
		for k, v := range opts {
			n, _ := strconv.Atoi(v)
			s.meta[k] = int32(n)
		}
		return "ok"
	case "at":
		s.now = scriptStart.Add(s.dur(pos[0]))
		return "ok"
	case "tick":
		if len(pos) > 0 {
			s.now = scriptStart.Add(s.dur(pos[0]))
		}
		changed := s.g.Tick(s.now)
		return fmt.Sprintf("changed=%v | %s", changed, s.summary())
	case "hb":
		epoch, _ := strconv.Atoi(pos[1])
		req := ConsumerHeartbeat{MemberID: pos[0], MemberEpoch: int32(epoch), RebalanceTimeout: -1}
		if v, ok := opts["sub"]; ok {
			req.SubscribedTopics = strings.Split(v, ",")
		}
		if v, ok := opts["regex"]; ok {
			req.Regex = &v
		}
		if v, ok := opts["assignor"]; ok {
			req.Assignor = &v
		}
		if v, ok := opts["instance"]; ok {
			req.InstanceID = &v
		}
		if v, ok := opts["rebalance"]; ok {
			req.RebalanceTimeout = s.dur(v)
		} else if epoch == 0 {
			req.RebalanceTimeout = time.Minute
		}
		if v, ok := opts["owned"]; ok {
			req.Owned = parseAssignment(v)
		} else if epoch == 0 {
			req.Owned = Assignment{}
		}
		res, _ := s.g.Heartbeat(s.now, s.cfg, s.meta, req)
		s.checkInvariants()
		if res.Err != nil {
			return errText(res.Err) + " | " + s.summary()
		}
		out := fmt.Sprintf("epoch=%d", res.MemberEpoch)
		if res.Assignment != nil {
			out += " assign=" + res.Assignment.String()
		}
		return out + " | " + s.summary()
	case "commit":
		epoch, _ := strconv.Atoi(pos[1])
		return errText(s.g.CanCommit(pos[0], int32(epoch)))
	case "restore":
		g := jsonRoundTrip(s.t, s.g, NewConsumerGroup(""))
		g.Restore(s.now, s.cfg)
		s.g = g
		return s.summary()
	case "state":
		var b strings.Builder
		b.WriteString(s.summary())
		for _, id := range slices.Sorted(maps.Keys(s.g.Members)) {
			m := s.g.Members[id]
			fmt.Fprintf(&b, " ; %s epoch=%d %s assigned=%s", id, m.Epoch, [...]string{"stable", "unrevoked", "unreleased"}[m.State], m.Assigned)
			if len(m.Revoking) > 0 {
				fmt.Fprintf(&b, " revoking=%s", m.Revoking)
			}
			fmt.Fprintf(&b, " target=%s", s.g.Target[id])
		}
		return b.String()
	}
	s.t.Fatalf("unknown command %q", cmd)
	return ""
}

func (s *cgScript) summary() string {
	return fmt.Sprintf("g=%d a=%d %s", s.g.Epoch, s.g.AssignmentEpoch, s.g.State())
}

// checkInvariants: no partition is held by two members (assigned or
// revoking), and targets partition the subscribed topics exactly once.
func (s *cgScript) checkInvariants() {
	s.t.Helper()
	held := map[string]string{}
	for id, m := range s.g.Members {
		for _, a := range []Assignment{m.Assigned, m.Revoking} {
			for t, ps := range a {
				for _, p := range ps {
					k := fmt.Sprintf("%s:%d", t, p)
					if o, dup := held[k]; dup {
						s.t.Fatalf("%s held by %s and %s", k, o, id)
					}
					held[k] = id
				}
			}
		}
	}
	if s.g.AssignmentEpoch != s.g.Epoch {
		return
	}
	seen := map[string]bool{}
	for _, a := range s.g.Target {
		for t, ps := range a {
			for _, p := range ps {
				k := fmt.Sprintf("%s:%d", t, p)
				if seen[k] {
					s.t.Fatalf("%s in two targets", k)
				}
				seen[k] = true
			}
		}
	}
}

func parseAssignment(v string) Assignment {
	a := Assignment{}
	if v == "-" {
		return a
	}
	for _, part := range strings.Split(v, "/") {
		t, ps, _ := strings.Cut(part, ":")
		for _, p := range strings.Split(ps, ",") {
			n, _ := strconv.Atoi(p)
			a.add(t, int32(n))
		}
	}
	return a
}

// The assignors: every partition exactly once, balanced, deterministic, and
// uniform keeps what it can.
func TestAssignors(t *testing.T) {
	topics := TopicMetadata{"a": 6, "b": 3}
	members := map[string][]string{"m1": {"a", "b"}, "m2": {"a", "b"}, "m3": {"a", "b"}}
	cases := []struct {
		name string
		fn   func(AssignInput) map[string]Assignment
		in   AssignInput
		want string
	}{
		{"range_three", AssignRange, AssignInput{Members: members, Topics: topics}, "m1=a:0,1 b:0 m2=a:2,3 b:1 m3=a:4,5 b:2"},
		{"range_per_topic", AssignRange, AssignInput{Members: map[string][]string{"m1": {"a"}, "m2": {"a", "b"}}, Topics: topics}, "m1=a:0,1,2 m2=a:3,4,5 b:0,1,2"},
		{"uniform_three", AssignUniform, AssignInput{Members: members, Topics: topics}, "m1=a:0,3 b:0 m2=a:1,4 b:1 m3=a:2,5 b:2"},
		{"uniform_sticky_on_join", AssignUniform, AssignInput{
			Members:  map[string][]string{"m1": {"a"}, "m2": {"a"}, "m3": {"a"}},
			Topics:   TopicMetadata{"a": 6},
			Previous: map[string]Assignment{"m1": {"a": {0, 1, 2}}, "m2": {"a": {3, 4, 5}}},
		}, "m1=a:0,1 m2=a:3,4 m3=a:2,5"},
		{"uniform_sticky_on_leave", AssignUniform, AssignInput{
			Members:  map[string][]string{"m1": {"a"}, "m3": {"a"}},
			Topics:   TopicMetadata{"a": 6},
			Previous: map[string]Assignment{"m1": {"a": {0, 1}}, "m2": {"a": {3, 4}}, "m3": {"a": {2, 5}}},
		}, "m1=a:0,1,3 m3=a:2,4,5"},
		{"uniform_heterogeneous", AssignUniform, AssignInput{
			Members: map[string][]string{"m1": {"a"}, "m2": {"a", "b"}},
			Topics:  topics,
		}, "m1=a:0,2,4,5 m2=a:1,3 b:0,1,2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := c.fn(c.in)
			var parts []string
			for _, id := range slices.Sorted(maps.Keys(got)) {
				parts = append(parts, id+"="+got[id].String())
			}
			if s := strings.Join(parts, " "); s != c.want {
				t.Fatalf("got  %s\nwant %s", s, c.want)
			}
		})
	}
}
