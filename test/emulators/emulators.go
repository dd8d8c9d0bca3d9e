// Package emulators starts storage emulators for tests: azurite for Azure
// Blob Storage. The emulators are npm packages pinned in
// test/emulators/package.json and installed by test/emulators/install.sh
// (run by `make test-deps`) into test/emulators/node_modules.
//
// A test that needs an emulator which is not installed is skipped with a
// message naming `make test-deps`, unless the environment variable
// CHRONIK_REQUIRE_EMULATORS is 1 (`make unit` sets it), in which case it
// fails: CI must not pass by skipping.
package emulators

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sync"
	"testing"
	"time"
)

// RequireEnv names the environment variable that, set to 1, turns a missing
// emulator from a skip into a test failure.
const RequireEnv = "CHRONIK_REQUIRE_EMULATORS"

// Azurite's built-in development account. The key is public, the same in
// every azurite and in Microsoft's documentation; it is not a secret.
const (
	AzuriteAccount = "devstoreaccount1"
	AzuriteKey     = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)

// startTimeout bounds how long azurite may take to listen.
const startTimeout = 60 * time.Second

// listening is the line azurite-blob prints once it accepts connections;
// with --blobPort 0 it is the only place the chosen port shows up.
var listening = regexp.MustCompile(`Azurite Blob service successfully listens on (http://\S+)`)

// StartAzurite starts azurite's blob service on 127.0.0.1 with a port the
// kernel picks (so parallel tests never collide) and a fresh data folder,
// waits until it accepts connections, and returns the blob endpoint of its
// development account, "http://127.0.0.1:<port>/devstoreaccount1"; sign
// with AzuriteAccount and AzuriteKey. t.Cleanup kills the process and
// removes the folder. If azurite or node is not installed, StartAzurite
// skips the test (or fails it when CHRONIK_REQUIRE_EMULATORS=1).
func StartAzurite(t testing.TB) (endpoint string) {
	t.Helper()
	bin, err := azuriteBin()
	if err != nil {
		missing(t, fmt.Sprintf("azurite is not installed (%v)", err))
	}
	if _, err := exec.LookPath("node"); err != nil {
		missing(t, "node is not on PATH, and azurite needs it")
	}
	dir, err := os.MkdirTemp("", "chronik-azurite-*")
	if err != nil {
		t.Fatalf("azurite: create data folder: %v", err)
	}
	out := &tailBuffer{max: 64 << 10}
	pr, pw := io.Pipe()
	cmd := exec.Command(bin,
		"--blobHost", "127.0.0.1", "--blobPort", "0",
		"--location", dir,
		"--skipApiVersionCheck", "--disableTelemetry", "--silent")
	cmd.Dir = dir
	cmd.Stdout = io.MultiWriter(pw, out)
	cmd.Stderr = out
	if err := cmd.Start(); err != nil {
		_ = os.RemoveAll(dir)
		t.Fatalf("azurite: start %s: %v", bin, err)
	}
	exited := make(chan error, 1)
	go func() {
		err := cmd.Wait()
		pw.Close()
		exited <- err
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
		if err := os.RemoveAll(dir); err != nil {
			t.Errorf("azurite: remove data folder: %v", err)
		}
		if t.Failed() {
			t.Logf("azurite output:\n%s", out.String())
		}
	})

	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
				break
			}
		}
		_, _ = io.Copy(io.Discard, pr) // keep draining until azurite exits
	}()
	select {
	case base := <-found:
		return base + "/" + AzuriteAccount
	case err := <-exited:
		exited <- err // for the cleanup
		t.Fatalf("azurite exited before listening (%v); output:\n%s", err, out.String())
	case <-time.After(startTimeout):
		t.Fatalf("azurite did not listen within %v; output:\n%s", startTimeout, out.String())
	}
	return ""
}

// missing skips t, or fails it when RequireEnv is set.
func missing(t testing.TB, why string) {
	t.Helper()
	if os.Getenv(RequireEnv) == "1" {
		t.Fatalf("%s; run `make test-deps` (%s=1 makes a missing emulator a failure)", why, RequireEnv)
	}
	t.Skipf("%s; run `make test-deps` to install it", why)
}

// azuriteBin returns the path of node_modules/.bin/azurite-blob below this
// package's folder in the module.
func azuriteBin() (string, error) {
	dir, err := packageDir()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "node_modules", ".bin", "azurite-blob")
	if _, err := os.Stat(bin); err != nil {
		return "", fmt.Errorf("%s not found", bin)
	}
	return bin, nil
}

// packageDir returns test/emulators of the module: the folder of this
// source file when it exists (a normal checkout), else the one below the
// module root found by walking up from the working directory (a test's
// working directory is its package folder).
func packageDir() (string, error) {
	if _, file, _, ok := runtime.Caller(0); ok {
		dir := filepath.Dir(file)
		if _, err := os.Stat(filepath.Join(dir, "package.json")); err == nil {
			return dir, nil
		}
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "test", "emulators"), nil
		}
		if filepath.Dir(dir) == dir {
			return "", errors.New("no go.mod above " + wd)
		}
	}
}

// tailBuffer keeps the last max bytes written to it; it is safe for
// concurrent use.
type tailBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	max int
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	if over := b.buf.Len() - b.max; over > 0 {
		b.buf.Next(over)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
