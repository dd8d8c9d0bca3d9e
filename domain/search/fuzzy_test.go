package search

import "testing"

func TestEditDistance(t *testing.T) {
	for _, c := range []struct {
		a, b  string
		limit int
		want  int
	}{
		{"", "", 2, 0},
		{"", "ab", 2, 2},
		{"abc", "", 2, 3},
		{"error", "error", 2, 0},
		{"error", "eror", 2, 1},
		{"error", "errro", 2, 1}, // transposition
		{"kitten", "sitting", 2, 3},
		{"abcd", "badc", 2, 2},
		{"héllo", "hello", 2, 1},
		{"ab", "ba", 1, 1},
	} {
		if got := EditDistance(c.a, c.b, c.limit); got != c.want {
			t.Errorf("EditDistance(%q, %q, %d) = %d, want %d", c.a, c.b, c.limit, got, c.want)
		}
	}
}

func TestMinimumShouldMatch(t *testing.T) {
	for _, c := range []struct {
		spec     string
		optional int
		want     int
	}{
		{"", 4, 1}, {"2", 4, 2}, {"-1", 4, 3}, {"75%", 4, 3}, {"75%", 3, 2},
		{"-25%", 4, 3}, {"-25%", 3, 3}, {"3<90%", 3, 3}, {"3<90%", 5, 4},
		{"2<-25% 9<-3", 2, 2}, {"2<-25% 9<-3", 8, 6}, {"2<-25% 9<-3", 12, 9}, {"-7", 4, 0}, {"6", 4, 6},
	} {
		got, err := MinimumShouldMatch(c.spec, c.optional, 1)
		if err != nil || got != c.want {
			t.Errorf("MinimumShouldMatch(%q, %d) = %d, %v; want %d", c.spec, c.optional, got, err, c.want)
		}
	}
	for _, bad := range []string{"x", "2<", "<3", "150%", "1.5"} {
		if _, err := MinimumShouldMatch(bad, 3, 1); err == nil {
			t.Errorf("MinimumShouldMatch(%q) accepted", bad)
		}
	}
}
