package httpapi_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chronik-stream/chronik/adapters/httpapi"
	"github.com/chronik-stream/chronik/application/fetch"
)

// selfSigned writes a certificate for 127.0.0.1 and its key; it returns
// their paths and a pool that trusts the certificate.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "chronik-test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// Start listens on free ports, the admin API over TLS; Close stops both,
// once, and waits for a request in flight.
func TestStartServesAndCloseStops(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t)
	slow := make(chan struct{})
	f := newFixture(t, func(c *httpapi.Config, s *httpapi.Services) {
		c.UnifiedAddr, c.AdminAddr = "127.0.0.1:0", "127.0.0.1:0"
		c.AdminTLSCert, c.AdminTLSKey = certFile, keyFile
		c.ShutdownTimeout = 5 * time.Second
		inner := s.Metrics
		s.Metrics = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("slow") != "" {
				close(slow)
				time.Sleep(300 * time.Millisecond)
			}
			inner.ServeHTTP(w, r)
		})
	})
	srv := f.srv
	if srv.UnifiedAddr() != nil {
		t.Fatal("an address before Start")
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	if err := srv.Start(); err == nil {
		t.Fatal("a second Start succeeded")
	}
	unified, admin := "http://"+srv.UnifiedAddr().String(), "https://"+srv.AdminAddr().String()
	if strings.HasSuffix(unified, ":0") || strings.HasSuffix(admin, ":0") {
		t.Fatalf("addresses %s %s", unified, admin)
	}
	do(t, "GET", unified+"/health", nil).decode(t, http.StatusOK, nil)

	tlsClient := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	get := func(cl *http.Client, url string, key string) (int, error) {
		req, _ := http.NewRequest("GET", url, nil)
		if key != "" {
			req.Header.Set(httpapi.HeaderAPIKey, key)
		}
		resp, err := cl.Do(req)
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	if code, err := get(tlsClient, admin+"/admin/health", ""); err != nil || code != http.StatusOK {
		t.Fatalf("admin health over TLS: %d %v", code, err)
	}
	if code, err := get(tlsClient, admin+"/admin/status", ""); err != nil || code != http.StatusUnauthorized {
		t.Fatalf("admin status over TLS without the key: %d %v", code, err)
	}
	if code, err := get(tlsClient, admin+"/admin/status", testKey); err != nil || code != http.StatusOK {
		t.Fatalf("admin status over TLS: %d %v", code, err)
	}
	if code, err := get(http.DefaultClient, "http://"+srv.AdminAddr().String()+"/admin/health", ""); err == nil && code == http.StatusOK {
		t.Fatal("the TLS admin port answered plain HTTP")
	}

	// A request in flight when Close starts still gets its answer.
	done := make(chan int, 1)
	go func() {
		code, _ := get(http.DefaultClient, unified+"/metrics?slow=1", "")
		done <- code
	}()
	<-slow
	start := time.Now()
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if code := <-done; code != http.StatusOK {
		t.Fatalf("the request in flight got %d", code)
	}
	if took := time.Since(start); took > 4*time.Second {
		t.Fatalf("Close took %v", took)
	}
	if err := srv.Close(); err != nil {
		t.Fatal("a second Close:", err)
	}
	if _, err := net.DialTimeout("tcp", srv.UnifiedAddr().String(), time.Second); err == nil {
		t.Fatal("the unified port still accepts connections after Close")
	}
	if err := srv.Start(); err == nil {
		t.Fatal("Start after Close succeeded")
	}
}

// Close cuts a request that outlives the shutdown timeout.
func TestCloseIsBounded(t *testing.T) {
	stuck, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	f := newFixture(t, func(c *httpapi.Config, s *httpapi.Services) {
		c.UnifiedAddr, c.AdminAddr = "127.0.0.1:0", "127.0.0.1:0"
		c.ShutdownTimeout = 200 * time.Millisecond
		s.Metrics = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			close(stuck)
			select {
			case <-release:
			case <-r.Context().Done():
			}
		})
	})
	if err := f.srv.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		resp, err := http.Get("http://" + f.srv.UnifiedAddr().String() + "/metrics")
		if err == nil {
			resp.Body.Close()
		}
	}()
	<-stuck
	start := time.Now()
	if err := f.srv.Close(); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Fatalf("Close waited %v for a stuck request (timeout 200ms)", took)
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	f := newFixture(t, nil)
	svc := httpapi.Services{Topics: nil}
	for _, tc := range []struct {
		name string
		cfg  httpapi.Config
		svc  httpapi.Services
	}{
		{"no_key", httpapi.Config{}, svc},
		{"auth_without_users", httpapi.Config{AdminKey: testKey, RegistryAuth: true}, svc},
		{"cert_without_key", httpapi.Config{AdminKey: testKey, AdminTLSCert: "c.pem"}, svc},
		{"no_services", httpapi.Config{AdminKey: testKey}, svc},
		{"missing_cert_files", httpapi.Config{AdminKey: testKey, AdminTLSCert: "/nonexistent/c.pem", AdminTLSKey: "/nonexistent/k.pem"}, httpapi.Services{
			Topics: f.topics, Fetch: fetch.New(f.logs, f.logs), Groups: f.groups, Registry: f.registry}},
	} {
		if _, err := httpapi.New(tc.cfg, tc.svc, quiet()); err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
}
