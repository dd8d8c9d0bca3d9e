package pgwire

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgproto3"
)

// Authentication methods of Config.Auth.
const (
	AuthSCRAM    = "scram-sha-256" // the default: the password never crosses the wire
	AuthMD5      = "md5"
	AuthPassword = "password" // cleartext; only behind TLS termination you trust
)

// scramIterations is the PBKDF2 iteration count of the verifiers this
// listener derives (Postgres's default, scram_iterations).
const scramIterations = 4096

// verifier is what the server keeps of one user's password for SCRAM.
type verifier struct {
	salt      []byte
	storedKey []byte
	serverKey []byte
}

func newVerifier(password string, salt []byte) verifier {
	salted, _ := pbkdf2.Key(sha256.New, password, salt, scramIterations, sha256.Size)
	clientKey := hmacSHA256(salted, "Client Key")
	stored := sha256.Sum256(clientKey)
	return verifier{salt: salt, storedKey: stored[:], serverKey: hmacSHA256(salted, "Server Key")}
}

func hmacSHA256(key []byte, msg string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(msg))
	return h.Sum(nil)
}

// users holds the configured credentials, and verifiers for users that do
// not exist so that an unknown user goes through the same exchange as a
// known one with a wrong password.
type users struct {
	passwords map[string]string
	scram     map[string]verifier
	fakeKey   []byte // derives a stable fake salt per unknown user name
}

func newUsers(m map[string]string) *users {
	u := &users{passwords: m, scram: make(map[string]verifier, len(m)), fakeKey: randomBytes(32)}
	for name, pw := range m {
		u.scram[name] = newVerifier(pw, randomBytes(16))
	}
	return u
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (it panics on a broken platform)
	return b
}

var errAuthFailed = errors.New("authentication failed")

// authenticate runs the configured method for user on the connection.
// It returns errAuthFailed when the password is wrong (or the user
// unknown), and another error when the client broke the exchange.
func (c *conn) authenticate(user string) error {
	switch c.srv.cfg.Auth {
	case AuthPassword:
		return c.authCleartext(user)
	case AuthMD5:
		return c.authMD5(user)
	}
	return c.authSCRAM(user)
}

func (c *conn) authCleartext(user string) error {
	if err := c.sendAuth(&pgproto3.AuthenticationCleartextPassword{}, pgproto3.AuthTypeCleartextPassword); err != nil {
		return err
	}
	msg, err := c.be.Receive()
	if err != nil {
		return err
	}
	pm, ok := msg.(*pgproto3.PasswordMessage)
	if !ok {
		return fmt.Errorf("expected a password message, got %T", msg)
	}
	want, known := c.srv.users.passwords[user]
	w, g := sha256.Sum256([]byte(want)), sha256.Sum256([]byte(pm.Password))
	if subtle.ConstantTimeCompare(w[:], g[:]) != 1 || !known {
		return errAuthFailed
	}
	return nil
}

func (c *conn) authMD5(user string) error {
	var salt [4]byte
	copy(salt[:], randomBytes(4))
	if err := c.sendAuth(&pgproto3.AuthenticationMD5Password{Salt: salt}, pgproto3.AuthTypeMD5Password); err != nil {
		return err
	}
	msg, err := c.be.Receive()
	if err != nil {
		return err
	}
	pm, ok := msg.(*pgproto3.PasswordMessage)
	if !ok {
		return fmt.Errorf("expected a password message, got %T", msg)
	}
	pw, known := c.srv.users.passwords[user]
	inner := md5.Sum([]byte(pw + user))
	outer := md5.Sum(append([]byte(hex.EncodeToString(inner[:])), salt[:]...))
	want := "md5" + hex.EncodeToString(outer[:])
	if subtle.ConstantTimeCompare([]byte(want), []byte(pm.Password)) != 1 || !known {
		return errAuthFailed
	}
	return nil
}

// authSCRAM runs SCRAM-SHA-256 (RFC 5802, RFC 7677) without channel
// binding, as Postgres does over a connection without TLS. The user name
// in the client's first message is ignored (the startup packet names the
// user), as Postgres does.
func (c *conn) authSCRAM(user string) error {
	if err := c.sendAuth(&pgproto3.AuthenticationSASL{AuthMechanisms: []string{"SCRAM-SHA-256"}}, pgproto3.AuthTypeSASL); err != nil {
		return err
	}
	msg, err := c.be.Receive()
	if err != nil {
		return err
	}
	first, ok := msg.(*pgproto3.SASLInitialResponse)
	if !ok {
		return fmt.Errorf("expected a SASL initial response, got %T", msg)
	}
	if first.AuthMechanism != "SCRAM-SHA-256" {
		return fmt.Errorf("SASL mechanism %q is not offered (only SCRAM-SHA-256)", first.AuthMechanism)
	}
	// client-first-message = gs2-header client-first-bare, where the
	// gs2-header is "n,," or "y,," (no channel binding) with no authzid.
	data := string(first.Data)
	var gs2 string
	switch {
	case strings.HasPrefix(data, "n,,"), strings.HasPrefix(data, "y,,"):
		gs2 = data[:3]
	case strings.HasPrefix(data, "p="):
		return errors.New("SCRAM channel binding is not supported (the listener has no TLS)")
	default:
		return errors.New("malformed SCRAM client-first-message")
	}
	bare := data[3:]
	clientNonce := ""
	for _, attr := range strings.Split(bare, ",") {
		if v, ok := strings.CutPrefix(attr, "r="); ok {
			clientNonce = v
		}
	}
	if clientNonce == "" || len(clientNonce) > 256 {
		return errors.New("malformed SCRAM client-first-message: no nonce")
	}
	v, known := c.srv.users.scram[user]
	if !known {
		v = newVerifier(string(randomBytes(16)), hmacSHA256(c.srv.users.fakeKey, user)[:16])
	}
	nonce := clientNonce + base64.StdEncoding.EncodeToString(randomBytes(18))
	serverFirst := fmt.Sprintf("r=%s,s=%s,i=%d", nonce, base64.StdEncoding.EncodeToString(v.salt), scramIterations)
	if err := c.sendAuth(&pgproto3.AuthenticationSASLContinue{Data: []byte(serverFirst)}, pgproto3.AuthTypeSASLContinue); err != nil {
		return err
	}
	msg, err = c.be.Receive()
	if err != nil {
		return err
	}
	final, ok := msg.(*pgproto3.SASLResponse)
	if !ok {
		return fmt.Errorf("expected a SASL response, got %T", msg)
	}
	// client-final-message = "c=" base64(gs2-header) ",r=" nonce ... ",p=" proof
	clientFinal := string(final.Data)
	i := strings.LastIndex(clientFinal, ",p=")
	if i < 0 {
		return errors.New("malformed SCRAM client-final-message: no proof")
	}
	withoutProof := clientFinal[:i]
	proof, err := base64.StdEncoding.DecodeString(clientFinal[i+3:])
	if err != nil || len(proof) != sha256.Size {
		return errors.New("malformed SCRAM client proof")
	}
	attrs := strings.Split(withoutProof, ",")
	if len(attrs) < 2 || attrs[0] != "c="+base64.StdEncoding.EncodeToString([]byte(gs2)) || attrs[1] != "r="+nonce {
		return errors.New("SCRAM client-final-message does not match the exchange (channel binding or nonce)")
	}
	authMessage := bare + "," + serverFirst + "," + withoutProof
	signature := hmacSHA256(v.storedKey, authMessage)
	clientKey := make([]byte, sha256.Size)
	for j := range clientKey {
		clientKey[j] = proof[j] ^ signature[j]
	}
	got := sha256.Sum256(clientKey)
	if subtle.ConstantTimeCompare(got[:], v.storedKey) != 1 || !known {
		return errAuthFailed
	}
	serverFinal := "v=" + base64.StdEncoding.EncodeToString(hmacSHA256(v.serverKey, authMessage))
	c.be.Send(&pgproto3.AuthenticationSASLFinal{Data: []byte(serverFinal)})
	return nil
}

func (c *conn) sendAuth(msg pgproto3.BackendMessage, typ uint32) error {
	c.be.Send(msg)
	if err := c.be.SetAuthType(typ); err != nil {
		return err
	}
	return c.flush()
}
