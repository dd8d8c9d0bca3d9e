package kafkawire

// ApiVersions, v0–v3.
//
// Lists every registered API key with its version range. Versions 3+ carry the
// client's software name and version, which are only logged. An unknown
// request version gets a v0 response with UNSUPPORTED_VERSION and the list
// (KIP-511), so any client can learn what to speak.

import (
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

const apiVersionsKey = 18

func init() { register(apiVersionsKey, 0, 3, handleAPIVersions) }

func handleAPIVersions(r *request, req *kmsg.ApiVersionsRequest, resp *kmsg.ApiVersionsResponse) error {
	resp.ApiKeys = apiKeys()
	if req.Version >= 3 && req.ClientSoftwareName != "" {
		r.conn.srv.logger.Debug("client connected", "client_id", r.clientID,
			"software", req.ClientSoftwareName, "version", req.ClientSoftwareVersion)
	}
	return nil
}

func apiKeys() []kmsg.ApiVersionsResponseApiKey {
	keys := supportedKeys()
	out := make([]kmsg.ApiVersionsResponseApiKey, 0, len(keys))
	for _, k := range keys {
		h := handlers[k]
		out = append(out, kmsg.ApiVersionsResponseApiKey{ApiKey: k, MinVersion: h.min, MaxVersion: h.max})
	}
	return out
}

func unsupportedAPIVersions() kmsg.Response {
	resp := kmsg.NewPtrApiVersionsResponse()
	resp.SetVersion(0)
	resp.ErrorCode = kerr.UnsupportedVersion.Code
	resp.ApiKeys = apiKeys()
	return resp
}
