package main

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// mergeRounds combines the results of several rounds against one broker into
// one: every measurement is the median over the rounds in which that
// scenario succeeded. A scenario that failed in every round keeps its first
// failure. Errors of every round are kept, prefixed with the round.
func mergeRounds(rounds []*Results) *Results {
	if len(rounds) == 1 {
		return rounds[0]
	}
	out := *rounds[0]
	out.Throughput, out.HalfPeak, out.Many, out.Errors = nil, nil, nil, nil
	var loads []string
	for i, r := range rounds {
		if out.Broker == "" {
			out.Broker, out.Settings = r.Broker, r.Settings
		}
		loads = append(loads, orDash(r.LoadAvg))
		for _, e := range r.Errors {
			out.Errors = append(out.Errors, fmt.Sprintf("round %d: %s", i+1, e))
		}
	}
	out.LoadAvg = strings.Join(loads, "; ")

	var order []string
	tps := map[string][]Throughput{}
	hps := map[string][]HalfPeak{}
	for _, r := range rounds {
		for _, t := range r.Throughput {
			if _, ok := tps[t.Scenario]; !ok {
				order = append(order, t.Scenario)
			}
			tps[t.Scenario] = append(tps[t.Scenario], t)
		}
		for _, h := range r.HalfPeak {
			hps[h.Scenario] = append(hps[h.Scenario], h)
		}
	}
	for _, s := range order {
		out.Throughput = append(out.Throughput, medianOf(tps[s], func(t Throughput) bool { return t.Error == "" }))
		if hs := hps[s]; len(hs) > 0 {
			out.HalfPeak = append(out.HalfPeak, medianOf(hs, func(h HalfPeak) bool { return h.Error == "" }))
		}
	}
	var many []ManyPartitions
	for _, r := range rounds {
		if r.Many != nil {
			many = append(many, *r.Many)
		}
	}
	if len(many) > 0 {
		m := medianOf(many, func(m ManyPartitions) bool { return m.Error == "" })
		out.Many = &m
	}
	var totals []BrokerTotals
	for _, r := range rounds {
		totals = append(totals, r.BrokerTotals)
	}
	out.BrokerTotals = medianOf(totals, func(BrokerTotals) bool { return true })
	return &out
}

// medianOf returns the first good element with every numeric field (and
// every element of a numeric slice) replaced by its median over the good
// elements. With no good element it returns the first one unchanged.
func medianOf[T any](xs []T, good func(T) bool) T {
	var ok []reflect.Value
	for _, x := range xs {
		if good(x) {
			ok = append(ok, reflect.ValueOf(x))
		}
	}
	if len(ok) == 0 {
		return xs[0]
	}
	out := reflect.New(ok[0].Type()).Elem()
	out.Set(ok[0])
	medianInto(out, ok)
	return out.Interface().(T)
}

func medianInto(dst reflect.Value, srcs []reflect.Value) {
	switch dst.Kind() {
	case reflect.Struct:
		for i := range dst.NumField() {
			if !dst.Field(i).CanSet() {
				continue
			}
			fs := make([]reflect.Value, len(srcs))
			for j, s := range srcs {
				fs[j] = s.Field(i)
			}
			medianInto(dst.Field(i), fs)
		}
	case reflect.Float64:
		vs := make([]float64, len(srcs))
		for i, s := range srcs {
			vs[i] = s.Float()
		}
		dst.SetFloat(median(vs))
	case reflect.Int, reflect.Int32, reflect.Int64:
		vs := make([]float64, len(srcs))
		for i, s := range srcs {
			vs[i] = float64(s.Int())
		}
		dst.SetInt(int64(median(vs)))
	case reflect.Slice:
		if dst.Type().Elem().Kind() != reflect.Float64 {
			return
		}
		n := dst.Len()
		for _, s := range srcs {
			n = min(n, s.Len())
		}
		merged := reflect.MakeSlice(dst.Type(), n, n)
		for i := range n {
			es := make([]reflect.Value, len(srcs))
			for j, s := range srcs {
				es[j] = s.Index(i)
			}
			medianInto(merged.Index(i), es)
		}
		dst.Set(merged)
	}
}

// median of vs (sorted in a copy); 0 for none.
func median(vs []float64) float64 {
	if len(vs) == 0 {
		return 0
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
