package emulators

import (
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestStartAzurite starts azurite in a subtest, checks that it answers
// HTTP, and that the subtest's cleanup stopped it.
func TestStartAzurite(t *testing.T) {
	var endpoint string
	t.Run("running", func(t *testing.T) {
		endpoint = StartAzurite(t)
		if !strings.HasPrefix(endpoint, "http://127.0.0.1:") || !strings.HasSuffix(endpoint, "/"+AzuriteAccount) {
			t.Fatalf("endpoint %q, want http://127.0.0.1:<port>/%s", endpoint, AzuriteAccount)
		}
		// An unsigned request: azurite answers it (with an error status).
		resp, err := http.Get(endpoint + "?comp=list")
		if err != nil {
			t.Fatalf("GET %s: %v", endpoint, err)
		}
		resp.Body.Close()
		if resp.Header.Get("x-ms-request-id") == "" {
			t.Fatalf("GET %s: %s without x-ms-request-id; is this azurite?", endpoint, resp.Status)
		}
	})
	if endpoint == "" {
		t.Skip("azurite did not start (see the subtest)")
	}
	u, err := url.Parse(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	if c, err := net.DialTimeout("tcp", u.Host, time.Second); err == nil {
		c.Close()
		t.Fatalf("azurite still accepts connections on %s after the test's cleanup", u.Host)
	}
}
