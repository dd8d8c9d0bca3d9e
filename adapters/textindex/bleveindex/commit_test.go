package bleveindex_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chronik-stream/chronik/adapters/textindex/bleveindex"
	"github.com/chronik-stream/chronik/domain/search"
	"github.com/chronik-stream/chronik/ports/textindex"
)

// crashDir tells the test binary, run again by TestCommitSurvivesKill,
// to be the process that is killed.
const crashDir = "CHRONIK_TEST_CRASH_DIR"

const crashBatches, crashBatch = 20, 500

// TestCommitSurvivesKill: documents added before Commit returned are in
// the index after the process is killed (SIGKILL, no Close) right after.
func TestCommitSurvivesKill(t *testing.T) {
	if dir := os.Getenv(crashDir); dir != "" {
		crashChild(dir)
		return
	}
	dir := filepath.Join(t.TempDir(), "i")
	cmd := exec.Command(os.Args[0], "-test.run=^TestCommitSurvivesKill$")
	cmd.Env = append(os.Environ(), crashDir+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	committed := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if l := sc.Text(); strings.HasPrefix(l, "committed ") || strings.HasPrefix(l, "failed ") {
				committed <- l
				return
			}
		}
		close(committed)
	}()
	var line string
	select {
	case line = <-committed:
	case <-time.After(2 * time.Minute):
		t.Fatal("the child did not commit")
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if !strings.HasPrefix(line, "committed ") {
		t.Fatalf("child: %q", line)
	}
	ix, err := bleveindex.New().Open(context.Background(), dir, textindex.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	n, err := ix.Count()
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(crashBatches * crashBatch); n != want {
		t.Fatalf("%d documents after the kill, %d were committed", n, want)
	}
	if _, ok, err := ix.Get(context.Background(), 0, int64(crashBatches*crashBatch-1)); err != nil || !ok {
		t.Fatalf("the last committed document: %v %v", ok, err)
	}
}

// crashChild adds and commits, says so, then adds more without a
// commit and waits to be killed.
func crashChild(dir string) {
	ctx := context.Background()
	ix, err := bleveindex.New().Open(ctx, dir, textindex.Options{})
	if err != nil {
		fmt.Println("failed", err)
		return
	}
	m := search.Mapping{Fields: map[string]search.FieldMapping{
		"msg": {Type: search.Text, Index: true}, "n": {Type: search.Long, Index: true},
	}}
	batch := func(from int) []search.Doc {
		docs := make([]search.Doc, crashBatch)
		for k := range docs {
			off := int64(from + k)
			docs[k] = search.Doc{Offset: off, Source: []byte(`{}`), Fields: []search.FieldValue{
				{Path: "msg", Type: search.Text, Str: fmt.Sprintf("line %d of the crash test", off)},
				{Path: "n", Type: search.Long, Int: off},
			}}
		}
		return docs
	}
	for b := range crashBatches {
		if err := ix.Add(ctx, batch(b*crashBatch), m); err != nil {
			fmt.Println("failed", err)
			return
		}
	}
	if err := ix.Commit(ctx); err != nil {
		fmt.Println("failed", err)
		return
	}
	fmt.Println("committed", crashBatches*crashBatch)
	select {}
}
