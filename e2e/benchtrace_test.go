//go:build !js

package e2e

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/tracing"
	"github.com/chromedp/chromedp"
)

// envBenchTrace, with envBenchProfile set, names the trace categories
// (toplevel,v8,devtools.timeline, say) to record each profiled run under,
// instead of the sampling profiler: the log then sums the trace events of
// the renderer's main thread per echo (traceExpr), which shows how many
// tasks a message costs and where their time goes.
const envBenchTrace = "W3WS_BENCH_TRACE"

// traceEvent is the part of a Chromium trace event that traceExpr reads.
type traceEvent struct {
	Name string          `json:"name"`
	Cat  string          `json:"cat"`
	Ph   string          `json:"ph"`
	Pid  int             `json:"pid"`
	Tid  int             `json:"tid"`
	Dur  float64         `json:"dur"`
	TDur float64         `json:"tdur"`
	Args json.RawMessage `json:"args"`
}

// traceExpr evaluates expr (a promise of a benchRun) in the page while
// Chromium traces the categories cats (comma-separated), and returns a
// table of the complete events of the renderer's main thread (its
// CrRendererMain), by category and name, the most thread time first: how
// many per echo of the run, and their wall and thread time per echo in
// µs. Nested events each count their whole time.
func traceExpr(b *testing.B, ctx context.Context, expr, cats string) string {
	b.Helper()
	var (
		mu     sync.Mutex
		events []traceEvent
		done   = make(chan struct{})
		once   sync.Once
	)
	lctx, lcancel := context.WithCancel(ctx)
	defer lcancel()
	if err := chromedp.Listen(lctx, func(ev any) {
		switch e := ev.(type) {
		case *tracing.EventDataCollected:
			mu.Lock()
			for _, v := range e.Value {
				var te traceEvent
				if json.Unmarshal(v, &te) == nil {
					events = append(events, te)
				}
			}
			mu.Unlock()
		case *tracing.EventTracingComplete:
			once.Do(func() { close(done) })
		}
	}); err != nil {
		b.Fatal(err)
	}
	var run benchRun
	_, err := chromedp.Run(ctx, chromedp.Action[struct{}](func(ctx context.Context, t *chromedp.Target) (struct{}, error) {
		if _, err := cdp.Call(ctx, t, tracing.Start, tracing.StartParams{
			TransferMode: tracing.StartTransferModeReportEvents,
			TraceConfig:  &tracing.TraceConfig{IncludedCategories: strings.Split(cats, ","), RecordMode: tracing.TraceConfigRecordModeRecordAsMuchAsPossible},
		}); err != nil {
			return struct{}{}, err
		}
		var err error
		if run, err = chromedp.Evaluate[benchRun](expr, chromedp.EvalAwaitPromise)(ctx, t); err != nil {
			return struct{}{}, err
		}
		_, err = cdp.Call(ctx, t, tracing.End, cdp.Empty{})
		return struct{}{}, err
	}))
	if err != nil {
		b.Fatalf("tracing %s: %v", expr, err)
	}
	select {
	case <-done:
	case <-ctx.Done():
		b.Fatalf("tracing %s: no tracingComplete: %v", expr, ctx.Err())
	}
	mu.Lock()
	defer mu.Unlock()
	mainTid, mainPid := -1, -1
	for _, e := range events {
		if e.Ph == "M" && e.Name == "thread_name" && strings.Contains(string(e.Args), "CrRendererMain") {
			mainTid, mainPid = e.Tid, e.Pid
		}
	}
	if mainTid < 0 {
		b.Fatalf("tracing %s: no CrRendererMain thread among %d events (categories %q)", expr, len(events), cats)
	}
	type agg struct {
		n         int
		dur, tdur float64
	}
	by := map[string]*agg{}
	for _, e := range events {
		if e.Tid != mainTid || e.Pid != mainPid || e.Ph != "X" {
			continue
		}
		k := e.Cat + " " + e.Name
		a := by[k]
		if a == nil {
			a = &agg{}
			by[k] = a
		}
		a.n++
		a.dur += e.Dur
		a.tdur += e.TDur
	}
	names := make([]string, 0, len(by))
	for k := range by {
		names = append(names, k)
	}
	slices.SortFunc(names, func(x, y string) int { return cmp.Compare(by[y].tdur, by[x].tdur) })
	var sb strings.Builder
	n := float64(max(run.Total, 1))
	fmt.Fprintf(&sb, "%s: %d echoes, %d events; main thread: per echo count, wall µs, thread µs\n", expr, run.Total, len(events))
	for _, k := range names[:min(40, len(names))] {
		a := by[k]
		fmt.Fprintf(&sb, "%7.2f %7.2f %7.2f  %s\n", float64(a.n)/n, a.dur/n, a.tdur/n, k)
	}
	return sb.String()
}
