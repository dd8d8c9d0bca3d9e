package kafkawire

// DescribeCluster, v0–v1.
//
// This node is the whole cluster and its controller. v1 asks for an endpoint
// type; only brokers (1) are described.

import (
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func init() { register(60, 0, 1, handleDescribeCluster) }

func handleDescribeCluster(r *request, req *kmsg.DescribeClusterRequest, resp *kmsg.DescribeClusterResponse) error {
	cfg := r.conn.srv.cfg
	if req.Version >= 1 && req.EndpointType != 1 {
		resp.ErrorCode = kerr.UnsupportedEndpointType.Code
		return nil
	}
	resp.EndpointType = 1
	resp.ClusterID = cfg.ClusterID
	resp.ControllerID = cfg.NodeID
	resp.Brokers = []kmsg.DescribeClusterResponseBroker{{NodeID: cfg.NodeID, Host: cfg.AdvertisedHost, Port: cfg.AdvertisedPort}}
	return nil
}
