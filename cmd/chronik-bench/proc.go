package main

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat.
// Linux fixes it at 100 for user space on every architecture Go supports.
const clockTicks = 100

// proc reads a process's CPU time and memory from /proc. A zero pid means
// "not measured": every read returns zero and no error.
type proc struct{ pid int }

// cpuSeconds returns the process's user plus system CPU time in seconds
// (fields 14 and 15 of /proc/<pid>/stat).
func (p proc) cpuSeconds() (float64, error) {
	if p.pid == 0 {
		return 0, nil
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.pid))
	if err != nil {
		return 0, fmt.Errorf("broker pid %d: %w (has the broker exited?)", p.pid, err)
	}
	return parseStatCPU(b)
}

// parseStatCPU extracts utime+stime from the contents of /proc/<pid>/stat.
// The command name (field 2) is in parentheses and may itself hold spaces or
// parentheses, so fields are counted from the last ')'.
func parseStatCPU(b []byte) (float64, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("malformed /proc stat line %q", b)
	}
	f := bytes.Fields(b[i+1:])
	// f[0] is field 3 (state), so field n is f[n-3].
	if len(f) < 13 {
		return 0, fmt.Errorf("short /proc stat line %q", b)
	}
	ut, err1 := strconv.ParseUint(string(f[14-3]), 10, 64)
	st, err2 := strconv.ParseUint(string(f[15-3]), 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("bad utime/stime in /proc stat line %q", b)
	}
	return float64(ut+st) / clockTicks, nil
}

// alive reports whether the process exists and is not a zombie (an exited
// broker stays a zombie until run.sh, busy running us, reaps it).
func (p proc) alive() bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.pid))
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return false
	}
	f := bytes.Fields(b[i+1:])
	return len(f) > 0 && string(f[0]) != "Z" && string(f[0]) != "X"
}

// memory returns VmRSS and VmHWM (peak RSS since the process started) in
// bytes, from /proc/<pid>/status.
func (p proc) memory() (rss, hwm int64, err error) {
	if p.pid == 0 {
		return 0, 0, nil
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.pid))
	if err != nil {
		return 0, 0, fmt.Errorf("broker pid %d: %w (has the broker exited?)", p.pid, err)
	}
	return parseStatusKB(b, "VmRSS:") * 1024, parseStatusKB(b, "VmHWM:") * 1024, nil
}

// parseStatusKB returns the value in kB of a "Key:   123 kB" line, or 0.
func parseStatusKB(b []byte, key string) int64 {
	i := bytes.Index(b, []byte("\n"+key))
	if i < 0 {
		if !bytes.HasPrefix(b, []byte(key)) {
			return 0
		}
	} else {
		b = b[i+1:]
	}
	b = b[len(key):]
	if j := bytes.IndexByte(b, '\n'); j >= 0 {
		b = b[:j]
	}
	f := bytes.Fields(b)
	if len(f) == 0 {
		return 0
	}
	n, _ := strconv.ParseInt(string(f[0]), 10, 64)
	return n
}

// selfCPUSeconds is this process's own user plus system CPU time: how much of
// the shared cores the client took.
func selfCPUSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(ru.Utime) + tv(ru.Stime)
}

// rssSampler polls a process's VmRSS and keeps the highest value seen. One
// goroutine owns the polling; peak and err are read under mu.
type rssSampler struct {
	p    proc
	stop chan struct{}
	done chan struct{}

	mu   sync.Mutex
	peak int64
	err  error
}

func startRSSSampler(p proc, every time.Duration) *rssSampler {
	s := &rssSampler{p: p, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			s.sample()
			select {
			case <-s.stop:
				s.sample()
				return
			case <-t.C:
			}
		}
	}()
	return s
}

func (s *rssSampler) sample() {
	rss, _, err := s.p.memory()
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil && s.err == nil {
		s.err = err
	}
	s.peak = max(s.peak, rss)
}

// Peak returns the highest RSS seen so far.
func (s *rssSampler) Peak() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak
}

// Stop ends sampling (after one last sample) and returns the peak and the
// first error seen. It must be called once.
func (s *rssSampler) Stop() (int64, error) {
	close(s.stop)
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak, s.err
}

// StopInto stops the sampler (as Stop) and stores the peak in peak and the
// error's text in errText, unless errText already holds an earlier error:
// a scenario's result keeps its first failure.
func (s *rssSampler) StopInto(peak *int64, errText *string) {
	p, err := s.Stop()
	*peak = p
	if err != nil && *errText == "" {
		*errText = err.Error()
	}
}

// loadAvg returns the 1, 5 and 15 minute load averages, or "" if unknown.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := bytes.Fields(b)
	if len(f) < 3 {
		return ""
	}
	return string(bytes.Join(f[:3], []byte(" ")))
}
