// Package test holds checks that span the whole module.
package test

import (
	"bufio"
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/chronik-stream/chronik"

// TestLayerRule enforces the dependency rule of ARCHITECTURE.md on every
// package's direct imports:
//
//	domain      → standard library only
//	ports       → domain, ports, standard library (conformance suites may use test helpers)
//	application → domain, ports, standard library (never another use case)
//	adapters    → anything but another adapter, bootstrap or cmd
//	bootstrap   → anything but cmd
//	cmd         → bootstrap, third-party clients
func TestLayerRule(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	checked := 0
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		pkg, imports := strings.TrimPrefix(fields[0], module+"/"), fields[1:]
		layer := strings.SplitN(pkg, "/", 2)[0]
		for _, imp := range imports {
			if msg := violation(pkg, layer, imp); msg != "" {
				t.Errorf("%s imports %s: %s", pkg, imp, msg)
			}
		}
		checked++
	}
	if checked < 10 {
		t.Fatalf("only %d packages listed; the check is not seeing the module", checked)
	}
}

// TestInnerLayerTestsKeepTheRule holds the tests of domain and application
// to the same rule as their code: a use case is tested through its ports
// (with fakes written for the test, or the ports' helpers), never through an
// adapter. Tests that run use cases over real adapters live in
// test/application.
func TestInnerLayerTestsKeepTheRule(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .TestImports \" \"}} {{join .XTestImports \" \"}}",
		module+"/domain/...", module+"/application/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		pkg := strings.TrimPrefix(fields[0], module+"/")
		layer := strings.SplitN(pkg, "/", 2)[0]
		for _, imp := range fields[1:] {
			if !strings.HasPrefix(imp, module+"/") || imp == fields[0] {
				continue
			}
			if msg := violation(pkg, layer, imp); msg != "" {
				t.Errorf("tests of %s import %s: %s", pkg, imp, msg)
			}
		}
	}
}

func violation(pkg, layer, imp string) string {
	std := !strings.Contains(strings.SplitN(imp, "/", 2)[0], ".")
	own := strings.HasPrefix(imp, module+"/")
	target := ""
	if own {
		target = strings.SplitN(strings.TrimPrefix(imp, module+"/"), "/", 2)[0]
	}
	allowed := func(layers ...string) bool {
		if std {
			return true
		}
		for _, l := range layers {
			if target == l {
				return true
			}
		}
		return false
	}
	switch layer {
	case "domain":
		if !allowed() {
			return "domain may import only the standard library"
		}
	case "ports":
		conformance := strings.HasSuffix(pkg, "test")
		if !allowed("domain", "ports") && !(conformance && !own) {
			return "ports may import only domain and the standard library"
		}
	case "application":
		if !allowed("domain", "ports") {
			return "application may import only domain, ports and the standard library: a use case declares what it needs of another as an interface in its own package (or a port), and bootstrap binds it"
		}
	case "adapters":
		if target == "bootstrap" || target == "cmd" {
			return "adapters must not import bootstrap or cmd"
		}
		if target == "adapters" && adapterRoot(imp) != adapterRoot(module+"/"+pkg) {
			return "an adapter never imports another adapter"
		}
	case "bootstrap":
		if target == "cmd" {
			return "bootstrap must not import cmd"
		}
	case "cmd":
		if own && target != "bootstrap" {
			return "cmd may import only bootstrap from this module"
		}
	}
	return ""
}

// adapterRoot names an adapter by its package directory under adapters/,
// e.g. adapters/logstore/segmentlog; its subpackages share the root.
func adapterRoot(path string) string {
	rest := strings.TrimPrefix(path, module+"/adapters/")
	parts := strings.Split(rest, "/")
	switch parts[0] {
	case "kafkawire", "httpapi":
		return parts[0]
	}
	if len(parts) >= 2 {
		return parts[0] + "/" + parts[1]
	}
	return parts[0]
}

// TestProtocolTypesStayInTheirAdapter checks that kmsg and echo types never
// leave the inbound adapters that own them.
func TestProtocolTypesStayInTheirAdapter(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	owners := map[string]string{
		"github.com/twmb/franz-go/pkg/kmsg": "adapters/kafkawire",
		"github.com/labstack/echo/v4":       "adapters/httpapi",
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := strings.TrimPrefix(fields[0], module+"/")
		if strings.HasPrefix(pkg, "test/") || strings.HasPrefix(pkg, "cmd/") || strings.HasSuffix(pkg, "test") {
			continue // clients and conformance suites speak the protocol from outside
		}
		for _, imp := range fields[1:] {
			if owner, ok := owners[imp]; ok && !strings.HasPrefix(pkg, owner) {
				t.Errorf("%s imports %s, which belongs to %s only", pkg, imp, owner)
			}
		}
	}
}
