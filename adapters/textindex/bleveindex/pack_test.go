package bleveindex

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chronik-stream/chronik/ports/textindex"
)

type entry struct {
	name     string
	typ      byte
	body     string
	sum      string // "" computes the right one
	linkname string
}

func tarOf(t *testing.T, es []entry, end bool, files int) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range es {
		sum := e.sum
		if sum == "" {
			s := sha256.Sum256([]byte(e.body))
			sum = hex.EncodeToString(s[:])
		}
		h := &tar.Header{Name: e.name, Typeflag: e.typ, Mode: 0o600, Size: int64(len(e.body)), Linkname: e.linkname,
			PAXRecords: map[string]string{paxSum: sum}, Format: tar.FormatPAX}
		if e.typ != tar.TypeReg {
			h.Size = 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if e.typ == tar.TypeReg {
			tw.Write([]byte(e.body))
		}
	}
	if end {
		tw.WriteHeader(&tar.Header{Name: endName, Typeflag: tar.TypeReg, Mode: 0o600,
			PAXRecords: map[string]string{paxCount: strconv.Itoa(files)}, Format: tar.FormatPAX})
	}
	tw.Close()
	return buf.Bytes()
}

func TestUnpackRefusesHostileStreams(t *testing.T) {
	meta := entry{name: "index_meta.json", typ: tar.TypeReg, body: "{}"}
	root := entry{name: "store/root.bolt", typ: tar.TypeReg, body: "x"}
	for name, data := range map[string][]byte{
		"parent_escape":    tarOf(t, []entry{meta, root, {name: "../evil", typ: tar.TypeReg, body: "x"}}, true, 3),
		"nested_escape":    tarOf(t, []entry{meta, root, {name: "store/../../evil", typ: tar.TypeReg, body: "x"}}, true, 3),
		"absolute":         tarOf(t, []entry{meta, root, {name: "/tmp/evil", typ: tar.TypeReg, body: "x"}}, true, 3),
		"subdirectory":     tarOf(t, []entry{meta, root, {name: "store/a/b", typ: tar.TypeReg, body: "x"}}, true, 3),
		"symlink":          tarOf(t, []entry{meta, root, {name: "store/link", typ: tar.TypeSymlink, linkname: "/etc/passwd"}}, true, 2),
		"unexpected_dir":   tarOf(t, []entry{{name: "other/", typ: tar.TypeDir}, meta, root}, true, 2),
		"bad_checksum":     tarOf(t, []entry{meta, {name: "store/root.bolt", typ: tar.TypeReg, body: "x", sum: strings.Repeat("0", 64)}}, true, 2),
		"duplicate":        tarOf(t, []entry{meta, root, root}, true, 3),
		"no_end":           tarOf(t, []entry{meta, root}, false, 0),
		"wrong_file_count": tarOf(t, []entry{meta, root}, true, 5),
		"no_metadata":      tarOf(t, []entry{root}, true, 1),
	} {
		t.Run(name, func(t *testing.T) {
			base := t.TempDir()
			dir := filepath.Join(base, "sub", "idx")
			err := New().Unpack(context.Background(), bytes.NewReader(data), dir)
			if !errors.Is(err, textindex.ErrCorrupt) {
				t.Fatalf("unpack: %v, want ErrCorrupt", err)
			}
			if strings.Contains(err.Error(), base) {
				t.Fatalf("error %q shows a path", err)
			}
			if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("a refused stream left %s behind", dir)
			}
			left, _ := os.ReadDir(filepath.Join(base, "sub"))
			if len(left) != 0 {
				t.Fatalf("a refused stream left %d entries behind", len(left))
			}
			if _, err := os.Stat(filepath.Join(base, "evil")); err == nil {
				t.Fatal("a file escaped the directory")
			}
		})
	}
}

func TestOpenRefusesForeignDirectory(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("hi"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := New().Open(context.Background(), dir, textindex.Options{}); !errors.Is(err, textindex.ErrCorrupt) {
		t.Fatalf("open of a directory with other files: %v, want ErrCorrupt", err)
	}
}
