package kafkawire

// AlterConfigs, v0–v2.
//
// Replaces a topic's whole set of configs: keys left out return to their
// defaults. Broker configs are static here and refused.

import (
	"fmt"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/chronik-stream/chronik/domain/topic"
)

func init() { register(33, 0, 2, handleAlterConfigs) }

func handleAlterConfigs(r *request, req *kmsg.AlterConfigsRequest, resp *kmsg.AlterConfigsResponse) error {
	for _, rr := range req.Resources {
		out := kmsg.NewAlterConfigsResponseResource()
		out.ResourceType, out.ResourceName = rr.ResourceType, rr.ResourceName
		out.ErrorCode, out.ErrorMessage = alterTopicConfigs(rr.ResourceType, func() error {
			configs := make(map[string]string, len(rr.Configs))
			for _, c := range rr.Configs {
				if c.Value != nil {
					configs[c.Name] = *c.Value
				}
			}
			return r.conn.srv.svc.Topics.ReplaceConfigs(r.ctx, rr.ResourceName, configs, req.ValidateOnly)
		})
		resp.Resources = append(resp.Resources, out)
	}
	return nil
}

// errStaticConfigs answers an attempt to alter anything but a topic's
// configs; its message is built once, as a request may name thousands.
var (
	errStaticConfigs     = fmt.Errorf("%w: only topic configs can be altered; broker settings are static", topic.ErrInvalidRequest)
	staticConfigsMessage = errorMessage(errStaticConfigs)
)

// alterTopicConfigs answers one resource of AlterConfigs or
// IncrementalAlterConfigs: a topic's configs are altered by alter, anything
// else is refused.
func alterTopicConfigs(resourceType kmsg.ConfigResourceType, alter func() error) (int16, *string) {
	if resourceType != kmsg.ConfigResourceTypeTopic {
		return errorCode(errStaticConfigs), staticConfigsMessage
	}
	err := alter()
	return errorCode(err), errorMessage(err)
}
