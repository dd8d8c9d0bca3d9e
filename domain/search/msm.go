package search

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ErrBadMinimumShouldMatch: a minimum_should_match that does not parse.
var ErrBadMinimumShouldMatch = errors.New("bad minimum_should_match")

// MinimumShouldMatch resolves spec, in Elasticsearch's syntax, against
// the number of optional clauses: "3", "-1" (all but one), "75%" (rounded
// down), "-25%", and conditional "3<90%" or "2<-25% 9<-3" (up to the
// number before <, every clause is required). A result below 0 is 0; one
// above optional is kept (nothing can match then). "" is def.
func MinimumShouldMatch(spec string, optional, def int) (int, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return def, nil
	}
	if strings.Contains(spec, "<") {
		parts := strings.Fields(spec)
		if len(parts) > 16 {
			return 0, fmt.Errorf("%w: %q has too many conditions", ErrBadMinimumShouldMatch, spec)
		}
		result := optional
		for _, p := range parts {
			upTo, rest, ok := strings.Cut(p, "<")
			n, err := strconv.Atoi(upTo)
			if !ok || err != nil {
				return 0, fmt.Errorf("%w: %q", ErrBadMinimumShouldMatch, spec)
			}
			v, err := msmValue(rest, optional)
			if err != nil {
				return 0, fmt.Errorf("%w: %q", ErrBadMinimumShouldMatch, spec)
			}
			if optional > n {
				result = v
			}
		}
		return max(result, 0), nil
	}
	v, err := msmValue(spec, optional)
	if err != nil {
		return 0, fmt.Errorf("%w: %q", ErrBadMinimumShouldMatch, spec)
	}
	return max(v, 0), nil
}

func msmValue(s string, optional int) (int, error) {
	if p, ok := strings.CutSuffix(s, "%"); ok {
		f, err := strconv.ParseFloat(p, 64)
		if err != nil || math.IsNaN(f) || f < -100 || f > 100 {
			return 0, ErrBadMinimumShouldMatch
		}
		n := int(math.Floor(float64(optional) * math.Abs(f) / 100))
		if f < 0 {
			return optional - n, nil
		}
		return n, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n > 1<<20 || n < -(1<<20) {
		return 0, ErrBadMinimumShouldMatch
	}
	if n < 0 {
		return optional + n, nil
	}
	return n, nil
}
