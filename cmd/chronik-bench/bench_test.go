package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseStatCPU(t *testing.T) {
	tests := []struct {
		name string
		line string
		want float64
	}{
		{
			name: "plain_comm",
			line: "4242 (chronik-server) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 12 0 100 1000 200 18446744073709551615",
			want: 3.25,
		},
		{
			name: "comm_with_spaces_and_parens",
			line: "7 (a) b (c) R 1 7 7 0 -1 0 0 0 0 0 1 2 0 0 20 0 1 0 5 6 7",
			want: 0.03,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseStatCPU([]byte(tt.line))
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("parseStatCPU = %v, want %v", got, tt.want)
			}
		})
	}
	if _, err := parseStatCPU([]byte("12 (x) S 1 2")); err == nil {
		t.Error("short line: want an error")
	}
}

func TestParseStatusKB(t *testing.T) {
	status := "Name:\tchronik-server\nVmPeak:\t  900 kB\nVmHWM:\t   2048 kB\nVmRSS:\t    1024 kB\nThreads:\t9\n"
	if got := parseStatusKB([]byte(status), "VmRSS:"); got != 1024 {
		t.Errorf("VmRSS = %d, want 1024", got)
	}
	if got := parseStatusKB([]byte(status), "VmHWM:"); got != 2048 {
		t.Errorf("VmHWM = %d, want 2048", got)
	}
	if got := parseStatusKB([]byte(status), "VmSwap:"); got != 0 {
		t.Errorf("missing key = %d, want 0", got)
	}
}

func TestProcSelf(t *testing.T) {
	p := proc{os.Getpid()}
	if _, err := p.cpuSeconds(); err != nil {
		t.Fatal(err)
	}
	rss, hwm, err := p.memory()
	if err != nil {
		t.Fatal(err)
	}
	if rss <= 0 || hwm < rss {
		t.Errorf("rss %d, hwm %d: want 0 < rss <= hwm", rss, hwm)
	}
	s := startRSSSampler(p, time.Millisecond)
	time.Sleep(5 * time.Millisecond)
	if peak, err := s.Stop(); err != nil || peak <= 0 {
		t.Errorf("sampler: peak %d, err %v", peak, err)
	}
}

func TestPercentiles(t *testing.T) {
	lat := make([]int64, 1000)
	for i := range lat {
		lat[i] = int64(1000-i) * int64(time.Millisecond) // 1..1000 ms, reversed
	}
	got := percentiles(lat)
	want := Percentiles{P50: 500, P99: 990, P999: 999, Max: 1000}
	if got != want {
		t.Errorf("percentiles = %+v, want %+v", got, want)
	}
	if (percentiles(nil) != Percentiles{}) {
		t.Error("empty input: want zero percentiles")
	}
}

func TestReportMarksTargets(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, r Results) string {
		t.Helper()
		path := filepath.Join(dir, name)
		b := mustJSON(t, r)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	mk := func(name string, produce, consume, cpu, p99, rss float64) Results {
		return Results{
			Broker:   name,
			Settings: Settings{MBPerScenario: 1, ManyPartitions: 1000},
			Throughput: []Throughput{{
				Scenario: "1KiB x 1p", RecordBytes: 1024, Partitions: 1,
				Produce: Phase{MBps: produce}, Consume: Phase{MBps: consume}, BrokerCPUPerGB: cpu,
			}},
			HalfPeak: []HalfPeak{{Scenario: "1KiB x 1p", Latency: Percentiles{P99: p99}}},
			Many:     &ManyPartitions{Partitions: 1000, PeakRSSBytes: int64(rss * 1e6)},
		}
	}
	c := write("c.json", mk("chronik", 100, 50, 2, 12, 400))
	k := write("k.json", mk("kfake", 80, 60, 3, 30, 200))
	out := filepath.Join(dir, "BENCHMARKS.md")
	if err := reportCmd([]string{"--chronik", c, "--kfake", k, "--out", out}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	md := string(b)
	for _, want := range []string{
		"| durable produce ≥ kfake | **met** |",
		"| consume ≥ kfake | **not met** |",
		"| broker CPU-s/GB ≤ kfake | **met** |",
		"≤ WAL window + 5 ms = 15.0 ms (medium) | **met** |",
		"| RSS < 500 MB with 1000 partitions | **met** |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
}

// reportPage writes one empty Chronik result, runs report with it as both
// brokers and args (paths made by jsonFile), and returns the page.
func reportPage(t *testing.T, args ...string) string {
	t.Helper()
	c := jsonFile(t, "c.json", Results{Broker: "chronik"})
	out := filepath.Join(t.TempDir(), "BENCHMARKS.md")
	if err := reportCmd(append([]string{"--chronik", c, "--kfake", c, "--out", out}, args...)); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// jsonFile writes v as JSON to a new file named name and returns its path.
func jsonFile(t *testing.T, name string, v any) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, mustJSON(t, v), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// pageHas fails t for every want the page lacks.
func pageHas(t *testing.T, md string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestMergeRoundsTakesMedians(t *testing.T) {
	round := func(produce, p99 float64, failed bool) *Results {
		tp := Throughput{Scenario: "100B x 1p", Produce: Phase{MBps: produce, Records: int64(produce)}}
		if failed {
			tp = Throughput{Scenario: "100B x 1p", Error: "boom"}
		}
		return &Results{
			Broker:     "chronik",
			LoadAvg:    "1.00 1.00 1.00",
			Throughput: []Throughput{tp},
			HalfPeak:   []HalfPeak{{Scenario: "100B x 1p", Latency: Percentiles{P99: p99}, Timeline: []float64{p99, 2 * p99}}},
		}
	}
	got := mergeRounds([]*Results{round(10, 5, false), round(30, 1, false), round(0, 3, true), round(20, 9, false)})
	if n := len(got.Throughput); n != 1 {
		t.Fatalf("%d throughput scenarios, want 1", n)
	}
	if mbps, recs := got.Throughput[0].Produce.MBps, got.Throughput[0].Produce.Records; mbps != 20 || recs != 20 {
		t.Errorf("median produce = %v MB/s, %d records; want 20, 20 (the failed round left out)", mbps, recs)
	}
	if p99 := got.HalfPeak[0].Latency.P99; p99 != 4 {
		t.Errorf("median p99 = %v, want 4", p99)
	}
	if tl := got.HalfPeak[0].Timeline; len(tl) != 2 || tl[1] != 8 {
		t.Errorf("median timeline = %v, want [4 8]", tl)
	}
	if len(got.Errors) != 0 || got.Throughput[0].Error != "" {
		t.Errorf("errors = %v / %q: a scenario that succeeded in some round is not an error", got.Errors, got.Throughput[0].Error)
	}
	if all := mergeRounds([]*Results{round(0, 0, true), round(0, 0, true)}); all.Throughput[0].Error != "boom" {
		t.Errorf("a scenario failed in every round must keep its error, got %+v", all.Throughput[0])
	}
}
