package kafkawire

// DescribeConfigs, v0–v4.
//
// Topics (resource type 2) report every known key with its effective value,
// marked default or set on the topic; brokers (type 4) report the broker
// settings that clients and tools commonly read. Synonyms (v1+) list the
// topic value then the default. v3+ carry value types.

import (
	"fmt"
	"sort"
	"strconv"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/chronik-stream/chronik/domain/topic"
)

func init() { register(32, 0, 4, handleDescribeConfigs) }

func handleDescribeConfigs(r *request, kreq kmsg.Request) (kmsg.Response, error) {
	req := kreq.(*kmsg.DescribeConfigsRequest)
	resp := req.ResponseKind().(*kmsg.DescribeConfigsResponse)
	srv := r.conn.srv
	for _, rr := range req.Resources {
		out := kmsg.NewDescribeConfigsResponseResource()
		out.ResourceType, out.ResourceName = rr.ResourceType, rr.ResourceName
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
					out.Configs = append(out.Configs, topicConfig(t, k, req.IncludeSynonyms))
				}
			}
		case kmsg.ConfigResourceTypeBroker:
			if rr.ResourceName != "" && rr.ResourceName != strconv.Itoa(int(srv.cfg.NodeID)) {
				out.ErrorCode = kerr.InvalidRequest.Code
				out.ErrorMessage = errorMessage(fmt.Errorf("broker %q does not exist; this is broker %d", rr.ResourceName, srv.cfg.NodeID))
				break
			}
			keys := make([]string, 0, len(srv.cfg.BrokerConfigs))
			for k := range srv.cfg.BrokerConfigs {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				if !want(k) {
					continue
				}
				v := srv.cfg.BrokerConfigs[k]
				c := kmsg.NewDescribeConfigsResponseResourceConfig()
				c.Name, c.Value, c.ReadOnly = k, &v, true
				c.Source = kmsg.ConfigSourceStaticBrokerConfig
				c.ConfigType = kmsg.ConfigTypeString
				out.Configs = append(out.Configs, c)
			}
		default:
			out.ErrorCode = kerr.InvalidRequest.Code
			out.ErrorMessage = errorMessage(fmt.Errorf("resource type %d is not supported", rr.ResourceType))
		}
		resp.Resources = append(resp.Resources, out)
	}
	return resp, nil
}

var configTypes = map[string]kmsg.ConfigType{
	"boolean": kmsg.ConfigTypeBoolean, "string": kmsg.ConfigTypeString,
	"int": kmsg.ConfigTypeInt, "long": kmsg.ConfigTypeLong, "list": kmsg.ConfigTypeList,
}

func topicConfig(t topic.Topic, key string, synonyms bool) kmsg.DescribeConfigsResponseResourceConfig {
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
			c.ConfigSynonyms = append(c.ConfigSynonyms, kmsg.DescribeConfigsResponseResourceConfigConfigSynonym{Name: key, Value: &d, Source: kmsg.ConfigSourceDefaultConfig})
		}
	}
	return c
}
