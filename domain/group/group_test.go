package group

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestClassicScripts runs testdata/classic/*.txt against one *Group ("g") each. Each
// line is
//
//	<command> => <expected>
//
// (see runScripts). Times are offsets from the start of the script; member ids
// are inputs, as they are for the replicated state machine.
//
//	config [min=6s] [max=5m] [delay=0s] [maxsize=0] [maxbytes=0]   group settings (these are the defaults)
//	at <time>                                        set the clock, e.g. `at 1500ms`
//	tick [<time>]                                    (set the clock, then) fire the due timers
//	join [<member>] [new=<id>] [instance=<id>] [v=<n>] [session=10s] [rebalance=20s]
//	     [type=churnClient] [protocols=range[:meta],...] [subs=<topic>+...]
//	                                                 JoinGroup; v<4 does not require a known member id;
//	                                                 subs is the subscription read from the metadata (none: unread)
//	sync <member> gen=<n> [instance=<id>] [type=<t>] [protocol=<p>] [assign=<member>:<bytes>,...]
//	heartbeat <member> gen=<n> [instance=<id>]
//	leave <member>[/<instance>] ...                  one LeaveGroup (v3+ batch); "/i" leaves by instance id
//	commit <member>|- gen=<n> [instance=<id>]        CanCommit; "-" is no member id
//	delete
//	restore                                          save (JSON, as the coordinator does) and Restore at the clock
//	state                                            every member in detail
//	deadline                                         NextDeadline
//	subscribes <topic>                               SubscribesTo: yes or no
//
// Results print as:
//
//	a: gen=1 leader=a proto=range members=[a b]    an answered JoinGroup (members: the leader's list)
//	a: assign=x                                    an answered SyncGroup
//	a: MEMBER_ID_REQUIRED                          an error, by its Kafka name
//	parked a                                       no answer yet
//
// followed by the effects (answers to parked requests, `changed`) and the
// group's state after the call, after a |.
func TestClassicScripts(t *testing.T) {
	runScripts(t, "classic", func(t *testing.T) scriptDriver {
		return &script{t: t, g: New("g"), now: scriptStart, cfg: scriptConfig()}
	})
}

func scriptConfig() Config {
	return Config{MinSessionTimeout: 6 * time.Second, MaxSessionTimeout: 5 * time.Minute}
}

type script struct {
	t   *testing.T
	g   *Group
	now time.Time
	cfg Config
}

func (h *script) dur(s string) time.Duration {
	h.t.Helper()
	return scriptValue(h.t, "duration", s, time.ParseDuration)
}

func (h *script) int(s string) int {
	h.t.Helper()
	return scriptValue(h.t, "number", s, strconv.Atoi)
}

func (h *script) run(cmd string) string {
	words := strings.Fields(cmd)
	pos, opts := scriptArgs(words[1:])
	switch words[0] {
	case "config":
		h.cfg = scriptConfig()
		for k, v := range opts {
			switch k {
			case "min":
				h.cfg.MinSessionTimeout = h.dur(v)
			case "max":
				h.cfg.MaxSessionTimeout = h.dur(v)
			case "delay":
				h.cfg.InitialRebalanceDelay = h.dur(v)
			case "maxsize":
				h.cfg.MaxSize = h.int(v)
			case "maxbytes":
				h.cfg.MaxMemberBytes = h.int(v)
			default:
				h.t.Fatalf("unknown config %q", k)
			}
		}
		return "ok"
	case "at":
		h.now = scriptStart.Add(h.dur(pos[0]))
		return "ok"
	case "tick":
		if len(pos) > 0 {
			h.now = scriptStart.Add(h.dur(pos[0]))
		}
		fx := h.g.Tick(h.now, h.cfg)
		return h.outcome("", fx)
	case "join":
		return h.join(pos, opts)
	case "sync":
		req := SyncRequest{MemberID: pos[0], InstanceID: opts["instance"], Generation: int32(h.int(opts["gen"])),
			ProtocolType: opts["type"], Protocol: opts["protocol"]}
		if a, ok := opts["assign"]; ok {
			req.Assignments = map[string][]byte{}
			for _, pair := range strings.Split(a, ",") {
				id, b, _ := strings.Cut(pair, ":")
				req.Assignments[id] = []byte(b)
			}
		}
		res, ok, fx := h.g.Sync(h.now, req)
		r := "parked " + pos[0]
		if ok {
			r = pos[0] + ": " + syncText(res)
		}
		return h.outcome(r, fx)
	case "heartbeat":
		err := h.g.Heartbeat(h.now, pos[0], opts["instance"], int32(h.int(opts["gen"])))
		return h.outcome(errText(err), Effects{})
	case "leave":
		var ls []Leaver
		for _, p := range pos {
			id, inst, _ := strings.Cut(p, "/")
			ls = append(ls, Leaver{MemberID: id, InstanceID: inst})
		}
		errs, fx := h.g.Leave(h.now, h.cfg, ls)
		rs := make([]string, len(errs))
		for i, err := range errs {
			rs[i] = errText(err)
		}
		return h.outcome("["+strings.Join(rs, " ")+"]", fx)
	case "commit":
		id := pos[0]
		if id == "-" {
			id = ""
		}
		err := h.g.CanCommit(h.now, id, opts["instance"], int32(h.int(opts["gen"])))
		return h.outcome(errText(err), Effects{})
	case "delete":
		return h.outcome(errText(h.g.Delete()), Effects{})
	case "restore":
		g := jsonRoundTrip(h.t, h.g, New(""))
		g.Restore(h.now)
		h.g = g
		return h.outcome("restored", Effects{})
	case "state":
		return h.state()
	case "subscribes":
		if h.g.SubscribesTo(pos[0]) {
			return "yes"
		}
		return "no"
	case "deadline":
		d := h.g.NextDeadline()
		if d.IsZero() {
			return "none"
		}
		return d.Sub(scriptStart).String()
	}
	h.t.Fatalf("unknown command %q", cmd)
	return ""
}

func (h *script) join(pos []string, opts map[string]string) string {
	req := JoinRequest{
		InstanceID:           opts["instance"],
		ClientID:             "client",
		ClientHost:           "/127.0.0.1",
		ProtocolType:         "consumer",
		SessionTimeout:       10 * time.Second,
		RebalanceTimeout:     20 * time.Second,
		RequireKnownMemberID: true,
		NewMemberID:          opts["new"],
		Protocols:            []Protocol{{Name: "range"}},
	}
	if len(pos) > 0 {
		req.MemberID = pos[0]
	}
	if v, ok := opts["v"]; ok {
		req.RequireKnownMemberID = h.int(v) >= 4
	}
	if v, ok := opts["session"]; ok {
		req.SessionTimeout = h.dur(v)
	}
	if v, ok := opts["rebalance"]; ok {
		req.RebalanceTimeout = h.dur(v)
	}
	if v, ok := opts["type"]; ok {
		req.ProtocolType = v
	}
	if v, ok := opts["protocols"]; ok {
		req.Protocols = nil
		if v != "" {
			for _, p := range strings.Split(v, ",") {
				name, meta, _ := strings.Cut(p, ":")
				req.Protocols = append(req.Protocols, Protocol{Name: name, Metadata: []byte(meta)})
			}
		}
	}
	if v, ok := opts["subs"]; ok {
		req.Subscription = &Subscription{}
		if v != "" {
			req.Subscription.Topics = strings.Split(v, "+")
		}
	}
	res, ok, id, fx := h.g.Join(h.now, h.cfg, req)
	r := "parked " + id
	if ok {
		shown := id
		if shown == "" {
			shown = "-"
		}
		r = shown + ": " + joinText(res)
		if res.MemberID != id {
			h.t.Errorf("join answered member %q with a result for %q", id, res.MemberID)
		}
	}
	return h.outcome(r, fx)
}

// outcome prints a call's result, its effects and the group's state after it.
func (h *script) outcome(result string, fx Effects) string {
	var parts []string
	if result != "" {
		parts = append(parts, result)
	}
	if len(fx.Joins) > 0 {
		var js []string
		for _, id := range slices.Sorted(maps.Keys(fx.Joins)) {
			js = append(js, id+": "+joinText(fx.Joins[id]))
		}
		parts = append(parts, "joins{"+strings.Join(js, "; ")+"}")
	}
	if len(fx.Syncs) > 0 {
		var ss []string
		for _, id := range slices.Sorted(maps.Keys(fx.Syncs)) {
			ss = append(ss, id+": "+syncText(fx.Syncs[id]))
		}
		parts = append(parts, "syncs{"+strings.Join(ss, "; ")+"}")
	}
	if fx.Changed {
		parts = append(parts, "changed")
	}
	if len(parts) == 0 {
		parts = append(parts, "-")
	}
	return strings.Join(parts, " ") + " | " + h.summary()
}

// summary is the group's state in one line.
func (h *script) summary() string {
	g := h.g
	s := fmt.Sprintf("%s gen=%d", g.State, g.Generation)
	if g.Leader != "" {
		s += " leader=" + g.Leader
	}
	if g.Protocol != "" {
		s += " proto=" + g.Protocol
	}
	return s + " members=[" + strings.Join(slices.Sorted(maps.Keys(g.Members)), " ") + "]"
}

// state prints every member in detail: instance, assignment, what it waits
// for and when its session expires.
func (h *script) state() string {
	var ms []string
	for _, id := range slices.Sorted(maps.Keys(h.g.Members)) {
		m := h.g.Members[id]
		s := id
		if m.InstanceID != "" {
			s += " instance=" + m.InstanceID
		}
		if m.Assignment != nil {
			s += " assign=" + string(m.Assignment)
		}
		switch {
		case m.awaitingJoin:
			s += " awaiting=join"
		case m.awaitingSync:
			s += " awaiting=sync"
		default:
			s += " expires=" + m.deadline.Sub(scriptStart).String()
		}
		ms = append(ms, s)
	}
	for _, id := range slices.Sorted(maps.Keys(h.g.pending)) {
		ms = append(ms, id+" pending until "+h.g.pending[id].Sub(scriptStart).String())
	}
	if len(ms) == 0 {
		return "no members"
	}
	return strings.Join(ms, "; ")
}

func joinText(r JoinResult) string {
	if r.Err != nil {
		if r.Generation != -1 {
			return errText(r.Err) + fmt.Sprintf(" gen=%d (want -1)", r.Generation)
		}
		return errText(r.Err)
	}
	s := fmt.Sprintf("gen=%d leader=%s", r.Generation, r.Leader)
	if r.ProtocolType != "consumer" {
		s += " type=" + r.ProtocolType
	}
	s += " proto=" + r.Protocol
	if r.Members != nil {
		ids := make([]string, len(r.Members))
		for i, m := range r.Members {
			ids[i] = m.ID
			if meta := m.Metadata(r.Protocol); len(meta) > 0 {
				ids[i] += ":" + string(meta)
			}
		}
		s += " members=[" + strings.Join(ids, " ") + "]"
	}
	if r.SkipAssignment {
		s += " skip-assignment"
	}
	return s
}

func syncText(r SyncResult) string {
	if r.Err != nil {
		return errText(r.Err)
	}
	if r.Assignment == nil {
		return "assign=<nil>"
	}
	return "assign=" + string(r.Assignment)
}

// errNames names the package's errors as Kafka does.
var errNames = []struct {
	err  error
	name string
}{
	{ErrUnknownMember, "UNKNOWN_MEMBER_ID"},
	{ErrMemberTooLarge, "MESSAGE_TOO_LARGE"},
	{ErrIllegalGeneration, "ILLEGAL_GENERATION"},
	{ErrRebalanceInProgress, "REBALANCE_IN_PROGRESS"},
	{ErrInconsistentProtocol, "INCONSISTENT_GROUP_PROTOCOL"},
	{ErrInvalidSessionTimeout, "INVALID_SESSION_TIMEOUT"},
	{ErrMemberIDRequired, "MEMBER_ID_REQUIRED"},
	{ErrFencedInstanceID, "FENCED_INSTANCE_ID"},
	{ErrGroupIDNotFound, "GROUP_ID_NOT_FOUND"},
	{ErrNonEmptyGroup, "NON_EMPTY_GROUP"},
	{ErrInvalidGroupID, "INVALID_GROUP_ID"},
	{ErrCoordinatorNotAvailable, "COORDINATOR_NOT_AVAILABLE"},
	{ErrGroupMaxSizeReached, "GROUP_MAX_SIZE_REACHED"},
	{ErrUnknownTopicSubscription, "GROUP_SUBSCRIBED_TO_TOPIC"},
	{ErrFencedMemberEpoch, "FENCED_MEMBER_EPOCH"},
	{ErrStaleMemberEpoch, "STALE_MEMBER_EPOCH"},
	{ErrUnsupportedAssignor, "UNSUPPORTED_ASSIGNOR"},
	{ErrUnreleasedInstanceID, "UNRELEASED_INSTANCE_ID"},
	{ErrInvalidRequest, "INVALID_REQUEST"},
	{ErrInvalidRegex, "INVALID_REGULAR_EXPRESSION"},
}

func errText(err error) string {
	if err == nil {
		return "ok"
	}
	for _, k := range errNames {
		if errors.Is(err, k.err) {
			return k.name
		}
	}
	return "error " + err.Error()
}
