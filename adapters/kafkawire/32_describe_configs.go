package kafkawire

// DescribeConfigs, v0–v4.
//
// Topics (resource type 2) report every known key with its effective value,
// marked default or set on the topic. This broker (type 4, named by its id)
// reports its settings under Kafka's names with the values it runs with:
// STATIC_BROKER_CONFIG when the operator set them, DEFAULT_CONFIG otherwise,
// all read-only (nothing changes at run time). The empty broker name means
// the cluster-wide dynamic defaults, which cannot be set here: an empty
// list. Synonyms (v1+) list the set value then the default; a topic
// config's default is named after the broker setting that supplies it
// (log.retention.ms for retention.ms), as Kafka names it. v3+ carry value
// types and, when asked, documentation. A resource named more than once is
// described once; its repeats answer INVALID_REQUEST.

import (
	"fmt"
	"net"
	"slices"
	"sort"
	"strconv"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/chronik-stream/chronik/domain/topic"
)

func init() { register(32, 0, 4, handleDescribeConfigs) }

func handleDescribeConfigs(r *request, req *kmsg.DescribeConfigsRequest, resp *kmsg.DescribeConfigsResponse) error {
	srv := r.conn.srv
	// A resource named twice is answered once: the repeats get
	// INVALID_REQUEST, so that a small request cannot ask for one topic's
	// configs a hundred thousand times.
	type resourceKey struct {
		typ  kmsg.ConfigResourceType
		name string
	}
	seen := make(map[resourceKey]struct{}, len(req.Resources))
	for _, rr := range req.Resources {
		out := kmsg.NewDescribeConfigsResponseResource()
		out.ResourceType, out.ResourceName = rr.ResourceType, rr.ResourceName
		if _, dup := seen[resourceKey{rr.ResourceType, rr.ResourceName}]; dup {
			out.ErrorCode = kerr.InvalidRequest.Code
			out.ErrorMessage = errorMessage(fmt.Errorf("%w: resource %q is named more than once", topic.ErrInvalidRequest, rr.ResourceName))
			resp.Resources = append(resp.Resources, out)
			continue
		}
		seen[resourceKey{rr.ResourceType, rr.ResourceName}] = struct{}{}
		want := func(name string) bool {
			if rr.ConfigNames == nil {
				return true
			}
			for _, n := range rr.ConfigNames {
				if n == name {
					return true
				}
			}
			return false
		}
		switch rr.ResourceType {
		case kmsg.ConfigResourceTypeTopic:
			t, ok := srv.svc.Topics.Get(rr.ResourceName)
			if !ok {
				out.ErrorCode = kerr.UnknownTopicOrPartition.Code
				out.ErrorMessage = errorMessage(fmt.Errorf("%w: %q", topic.ErrUnknown, rr.ResourceName))
				break
			}
			for _, k := range t.ConfigKeys() {
				if want(k) {
					out.Configs = append(out.Configs, topicConfig(t, k, req.IncludeSynonyms, req.IncludeDocumentation))
				}
			}
		case kmsg.ConfigResourceTypeBroker:
			if rr.ResourceName == "" {
				// The cluster-wide dynamic defaults: none can be set here.
				break
			}
			if rr.ResourceName != strconv.Itoa(int(srv.cfg.NodeID)) {
				out.ErrorCode = kerr.InvalidRequest.Code
				out.ErrorMessage = errorMessage(fmt.Errorf("%w: broker %q does not exist; this is broker %d", topic.ErrInvalidRequest, rr.ResourceName, srv.cfg.NodeID))
				break
			}
			for _, bc := range srv.brokerConfigs() {
				if want(bc.Name) {
					out.Configs = append(out.Configs, brokerConfig(bc, req.IncludeSynonyms, req.IncludeDocumentation))
				}
			}
		default:
			out.ErrorCode = kerr.InvalidRequest.Code
			out.ErrorMessage = errorMessage(fmt.Errorf("%w: resource type %d is not supported", topic.ErrInvalidRequest, rr.ResourceType))
		}
		resp.Resources = append(resp.Resources, out)
	}
	return nil
}

var configTypes = map[string]kmsg.ConfigType{
	"boolean": kmsg.ConfigTypeBoolean, "string": kmsg.ConfigTypeString,
	"int": kmsg.ConfigTypeInt, "long": kmsg.ConfigTypeLong, "list": kmsg.ConfigTypeList,
	"short": kmsg.ConfigTypeShort, "double": kmsg.ConfigTypeDouble, "password": kmsg.ConfigTypePassword,
}

// brokerConfigs is the configured list, sorted by name, with the listener
// entries holding the addresses in use (the configured port may be 0).
func (s *Server) brokerConfigs() []BrokerConfig {
	out := slices.Clone(s.cfg.BrokerConfigs)
	for i := range out {
		switch out[i].Name {
		case "listeners":
			if s.ln != nil {
				out[i].Value = "PLAINTEXT://" + s.ln.Addr().String()
			}
		case "advertised.listeners":
			out[i].Value = "PLAINTEXT://" + net.JoinHostPort(s.cfg.AdvertisedHost, strconv.Itoa(int(s.cfg.AdvertisedPort)))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// brokerConfig describes one broker setting: set by the operator in the
// static configuration, or Chronik's default; read-only either way. Its
// synonyms are the static value then the default, as Kafka lists them.
func brokerConfig(bc BrokerConfig, synonyms, docs bool) kmsg.DescribeConfigsResponseResourceConfig {
	c := kmsg.NewDescribeConfigsResponseResourceConfig()
	v := bc.Value
	c.Name, c.Value, c.ReadOnly = bc.Name, &v, true
	c.Source, c.IsDefault = kmsg.ConfigSourceDefaultConfig, true
	if bc.Set {
		c.Source, c.IsDefault = kmsg.ConfigSourceStaticBrokerConfig, false
	}
	c.ConfigType = configTypes[bc.Type]
	if synonyms {
		if bc.Set {
			c.ConfigSynonyms = append(c.ConfigSynonyms, kmsg.DescribeConfigsResponseResourceConfigConfigSynonym{Name: bc.Name, Value: &v, Source: kmsg.ConfigSourceStaticBrokerConfig})
		}
		if bc.Default != "" {
			d := bc.Default
			c.ConfigSynonyms = append(c.ConfigSynonyms, kmsg.DescribeConfigsResponseResourceConfigConfigSynonym{Name: bc.Name, Value: &d, Source: kmsg.ConfigSourceDefaultConfig})
		}
	}
	if docs && bc.Doc != "" {
		doc := bc.Doc
		c.Documentation = &doc
	}
	return c
}

func topicConfig(t topic.Topic, key string, synonyms, docs bool) kmsg.DescribeConfigsResponseResourceConfig {
	v, explicit := t.Value(key)
	c := kmsg.NewDescribeConfigsResponseResourceConfig()
	c.Name, c.Value = key, &v
	c.IsDefault = !explicit
	c.Source = kmsg.ConfigSourceDefaultConfig
	if explicit {
		c.Source = kmsg.ConfigSourceDynamicTopicConfig
	}
	c.ConfigType = configTypes[topic.Type(key)]
	if synonyms {
		if explicit {
			c.ConfigSynonyms = append(c.ConfigSynonyms, kmsg.DescribeConfigsResponseResourceConfigConfigSynonym{Name: key, Value: &v, Source: kmsg.ConfigSourceDynamicTopicConfig})
		}
		if d, ok := topic.Default(key); ok {
			// As Kafka: the default comes from the broker setting of that name.
			c.ConfigSynonyms = append(c.ConfigSynonyms, kmsg.DescribeConfigsResponseResourceConfigConfigSynonym{Name: topic.BrokerKey(key), Value: &d, Source: kmsg.ConfigSourceDefaultConfig})
		}
	}
	if doc := topic.Doc(key); docs && doc != "" {
		c.Documentation = &doc
	}
	return c
}
