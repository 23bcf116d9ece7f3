//go:build !js

package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/profiler"
	"github.com/chromedp/chromedp"
)

// envBenchProfile names a run of BenchmarkBrowserThroughput to profile,
// as impl/mode/size (go/pingpong/16B): the benchmark then runs it once more
// under the renderer's sampling profiler and logs the functions that took
// the most of its time, JavaScript's and the Go program's (wasm functions
// keep their Go names).
const envBenchProfile = "W3WS_BENCH_PROFILE"

// profileTop is how many functions profileExpr reports.
const profileTop = 16

// profileInterval is profileExpr's sampling interval.
const profileInterval = 50 // µs

// profileExpr evaluates expr (a promise of a benchRun) in the page under
// the V8 sampling profiler and returns a table of the functions with the
// most self time, in µs per echo of the run.
func profileExpr(b *testing.B, ctx context.Context, expr string) string {
	b.Helper()
	var run benchRun
	prof, err := chromedp.Run(ctx, chromedp.Action[*profiler.Profile](func(ctx context.Context, t *chromedp.Target) (*profiler.Profile, error) {
		if _, err := cdp.Call(ctx, t, profiler.Enable, cdp.Empty{}); err != nil {
			return nil, err
		}
		if _, err := cdp.Call(ctx, t, profiler.SetSamplingInterval, profiler.SetSamplingIntervalParams{Interval: profileInterval}); err != nil {
			return nil, err
		}
		if _, err := cdp.Call(ctx, t, profiler.Start, cdp.Empty{}); err != nil {
			return nil, err
		}
		var err error
		if run, err = chromedp.Evaluate[benchRun](expr, chromedp.EvalAwaitPromise)(ctx, t); err != nil {
			return nil, err
		}
		r, err := cdp.Call(ctx, t, profiler.Stop, cdp.Empty{})
		if err != nil {
			return nil, err
		}
		return r.Profile, nil
	}))
	if err != nil {
		b.Fatalf("profiling %s: %v", expr, err)
	}
	self := map[string]int64{}
	var total int64
	for _, n := range prof.Nodes {
		name := n.CallFrame.FunctionName
		if name == "" {
			name = "(anonymous) " + n.CallFrame.URL
		}
		self[name] += n.HitCount
		total += n.HitCount
	}
	names := make([]string, 0, len(self))
	for name := range self {
		names = append(names, name)
	}
	slices.SortFunc(names, func(x, y string) int { return int(self[y] - self[x]) })
	var sb strings.Builder
	perEcho := func(hits int64) float64 { return float64(hits*profileInterval) / float64(max(run.Total, 1)) }
	fmt.Fprintf(&sb, "%s: %d echoes, %d samples of %d µs; self time by function, µs per echo (share)\n",
		expr, run.Total, total, profileInterval)
	busy := total - self["(idle)"]
	fmt.Fprintf(&sb, "%7.2f  all but (idle)\n", perEcho(busy))
	for _, name := range names[:min(profileTop, len(names))] {
		fmt.Fprintf(&sb, "%7.2f (%4.1f%%) %s\n", perEcho(self[name]), 100*float64(self[name])/float64(max(total, 1)), name)
	}
	return sb.String()
}
