package pgwire

import (
	"context"
	"encoding/base64"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestAuthMethods logs in with each method, and checks that a wrong
// password and an unknown user are refused alike with 28P01.
func TestAuthMethods(t *testing.T) {
	users := map[string]string{"ana": "s3cret:x", "bo": "pw"}
	for _, method := range []string{AuthSCRAM, AuthMD5, AuthPassword} {
		t.Run(method, func(t *testing.T) {
			s := startServer(t, Config{Users: users, Auth: method}, newFake())
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			c, err := pgx.Connect(ctx, connString(s, "ana", "s3cret:x"))
			if err != nil {
				t.Fatalf("right password: %v", err)
			}
			var n int
			if err := c.QueryRow(ctx, "SELECT 1").Scan(&n); err != nil || n != 1 {
				t.Errorf("query after login: %v", err)
			}
			c.Close(ctx)
			for _, bad := range [][2]string{{"ana", "wrong"}, {"ana", "pw"}, {"nobody", "pw"}, {"bo", ""}} {
				_, err := pgx.Connect(ctx, connString(s, bad[0], bad[1]))
				if pgCode(err) != "28P01" || !strings.Contains(err.Error(), "password authentication failed") {
					t.Errorf("%s/%q: %v, want 28P01", bad[0], bad[1], err)
				}
			}
		})
	}
}

// TestNoUsersLoopbackOnly: without users, a client from another address
// is refused with a clear error (loopback clients are served by every
// other test).
func TestNoUsersLoopbackOnly(t *testing.T) {
	ip := nonLoopbackIP(t)
	s := startServer(t, Config{Addr: net.JoinHostPort(ip, "0")}, newFake())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := pgx.Connect(ctx, "postgres://eve@"+s.Addr().String()+"/x?sslmode=disable")
	if pgCode(err) != "28000" || !strings.Contains(err.Error(), "only connections from this machine (loopback)") {
		t.Fatalf("non-loopback without users: %v", err)
	}
	// With users, the same address logs in.
	s2 := startServer(t, Config{Addr: net.JoinHostPort(ip, "0"), Users: map[string]string{"eve": "pw"}}, newFake())
	c, err := pgx.Connect(ctx, "postgres://eve:pw@"+s2.Addr().String()+"/x?sslmode=disable")
	if err != nil {
		t.Fatalf("non-loopback with a user: %v", err)
	}
	c.Close(ctx)
}

func nonLoopbackIP(t *testing.T) string {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Skip("no interface addresses:", err)
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
			return n.IP.String()
		}
	}
	t.Skip("this machine has no non-loopback IPv4 address")
	return ""
}

// TestSCRAMProof checks the server's SCRAM arithmetic against RFC 7677's
// test vector (user "user", password "pencil").
func TestSCRAMProof(t *testing.T) {
	salt := []byte("[m\x99h\x9d\x125\x8e\xec\xa0K\x14\x126\xfa\x81") // base64 W22ZaJ0SNY7soEsUEjb6gQ==
	v := newVerifier("pencil", salt)
	auth := "n=user,r=rOprNGfwEbeRWgbNEkqO,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
	sig := hmacSHA256(v.serverKey, auth)
	if got := b64(sig); got != "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=" {
		t.Errorf("server signature = %s", got)
	}
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
