package sql

import (
	"fmt"
	"testing"
)

// files makes consecutive files of the given sizes, each of ten offsets,
// in the directory dirs[i] (default "d").
func planFiles(sizes []int64, dirs ...string) []fileMeta {
	var out []fileMeta
	for i, b := range sizes {
		dir := "d"
		if i < len(dirs) {
			dir = dirs[i]
		}
		from := int64(i) * 10
		out = append(out, fileMeta{From: from, To: from + 10, Bytes: b, Key: fmt.Sprintf("%s/%020d-%020d.parquet", dir, from, from+10)})
	}
	return out
}

func TestPlanMerge(t *testing.T) {
	const target = 1000
	for _, c := range []struct {
		name     string
		files    []fileMeta
		logStart int64
		minFiles int
		quiet    bool
		lo, hi   int // hi 0: nothing to merge
	}{
		{"too_few", planFiles([]int64{10, 10, 10, 10}), 0, 4, false, 0, 0},
		{"min_files_not_the_newest", planFiles([]int64{10, 10, 10, 10, 10}), 0, 4, false, 0, 4},
		{"half_the_target", planFiles([]int64{300, 300, 300}), 0, 8, false, 0, 2},
		{"capped_at_the_target", planFiles([]int64{150, 150, 150, 150, 150, 150, 150, 150}), 0, 4, false, 0, 6},
		{"large_files_stay", planFiles([]int64{600, 10, 10, 10, 10, 10}), 0, 4, false, 1, 5},
		{"large_file_splits_runs", planFiles([]int64{10, 10, 600, 10, 10, 10}), 0, 2, false, 0, 2},
		{"tiers_do_not_mix", planFiles([]int64{200, 10, 10, 10}), 0, 2, false, 1, 3},
		{"a_tier_is_a_factor_of_4", planFiles([]int64{10, 40, 41, 10}), 0, 2, false, 0, 2},
		{"not_below_the_log_start", planFiles([]int64{10, 10, 10, 10}), 5, 2, false, 1, 3},
		{"not_across_time_buckets", planFiles([]int64{10, 10, 10, 10, 10}, "h0", "h1", "h1", "h2", "h2"), 0, 2, false, 1, 3},
		{"one_file_per_bucket", planFiles([]int64{10, 10, 10, 10}, "h0", "h1", "h2", "h3"), 0, 2, false, 0, 0},
		{"empty", nil, 0, 2, false, 0, 0},
		{"quiet_takes_the_newest", planFiles([]int64{10, 10}), 0, 16, true, 0, 2},
		{"quiet_mixes_sizes", planFiles([]int64{200, 10, 40, 5}), 0, 16, true, 0, 4},
		{"quiet_leaves_large_files", planFiles([]int64{600, 10, 300, 5}), 0, 16, true, 1, 4},
		{"quiet_capped_at_the_target", planFiles([]int64{400, 400, 400}), 0, 16, true, 0, 2},
		{"quiet_one_file_stays", planFiles([]int64{600, 10}), 0, 16, true, 0, 0},
		{"quiet_not_across_time_buckets", planFiles([]int64{10, 10, 10}, "h0", "h0", "h1"), 0, 16, true, 0, 2},
		{"quiet_empty", nil, 0, 16, true, 0, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			lo, hi, ok := planMerge(c.files, c.logStart, target, c.minFiles, c.quiet)
			if ok != (c.hi > 0) || (ok && (lo != c.lo || hi != c.hi)) {
				t.Fatalf("planMerge = [%d, %d) %v, want [%d, %d) %v", lo, hi, ok, c.lo, c.hi, c.hi > 0)
			}
		})
	}
}
