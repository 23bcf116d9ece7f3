//go:build !js

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/w3ws/w3ws/wasm/browser"
)

// chatWait bounds each wait for the chat page; loading the 6 MB program
// is the slowest step, at about a second.
const chatWait = 15 * time.Second

// chatTab is one browser tab with the chat page: it keeps the tab's console,
// and its methods fail the test with what the page shows when a step fails.
type chatTab struct {
	t      *testing.T
	label  string // "tab 1", for messages
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	console []string // every console line and exception, for failure reports
	bad     []string // exceptions and errors, which fail the test
	done    chan struct{}
}

// openChatTab opens a tab, turns the Network domain off before anything
// loads, starts recording its console and opens the chat page at url. Under
// an allocator's context it starts Chromium with this as its first tab;
// under a tab's context it opens another tab (in a window of its own, so
// that it is never hidden) in the same Chromium.
func openChatTab(t *testing.T, parent context.Context, label, url string) *chatTab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(parent)
	t.Cleanup(cancel) // in case the test ends before close
	tab := &chatTab{t: t, label: label, ctx: ctx, cancel: cancel, done: make(chan struct{})}
	if err := chromedp.Do(ctx, browser.DisableNetwork()); err != nil {
		t.Fatalf("%s: starting the tab: %v", label, err)
	}
	messages := chromedp.Console(ctx)
	go func() {
		defer close(tab.done)
		for m, err := range messages {
			if err != nil {
				return // the tab closed
			}
			tab.record(m)
		}
	}()
	tab.do("opening the page",
		chromedp.EmulateViewport(900, 560),
		chromedp.Navigate(url))
	tab.waitFor("the page to start", `document.body.dataset.state === "ready"`)
	return tab
}

// record keeps a console message; exceptions and errors fail the test.
func (tab *chatTab) record(m chromedp.ConsoleMessage) {
	line := fmt.Sprintf("%s: %s", m.Type, m.Text)
	if m.Source != "" {
		line = fmt.Sprintf("browser %s (%s): %s", m.Type, m.Source, m.Text)
	}
	tab.mu.Lock()
	defer tab.mu.Unlock()
	tab.console = append(tab.console, line)
	if m.IsException() || m.Type == chromedp.ConsoleError {
		tab.bad = append(tab.bad, line)
	}
}

// close closes the tab, and Chromium if this is its first tab, gracefully
// (a killed Chromium leaves its singleton directory in $TMPDIR), and waits
// until the console is recorded to the end. It logs the console (go test
// shows it with -v or on failure) and reports its exceptions and errors.
func (tab *chatTab) close() {
	tab.t.Helper()
	ctx, cancel := context.WithTimeout(tab.ctx, 5*time.Second)
	defer cancel()
	if err := chromedp.Cancel(ctx); err != nil {
		tab.t.Errorf("%s: closing: %v", tab.label, err)
	}
	tab.cancel()
	<-tab.done
	tab.mu.Lock()
	defer tab.mu.Unlock()
	if len(tab.console) > 0 {
		tab.t.Logf("%s: console:\n\t%s", tab.label, strings.Join(tab.console, "\n\t"))
	}
	if len(tab.bad) > 0 {
		tab.t.Errorf("%s: the page logged errors:\n\t%s", tab.label, strings.Join(tab.bad, "\n\t"))
	}
}

// do runs steps in the tab.
func (tab *chatTab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	tab.t.Helper()
	if err := chromedp.Do(tab.ctx, steps...); err != nil {
		tab.fail("%s: %v", what, err)
	}
}

// waitFor polls the JavaScript condition expr until it is true, for at most
// chatWait.
func (tab *chatTab) waitFor(what, expr string) {
	tab.t.Helper()
	_, err := chromedp.Run(tab.ctx, chromedp.Poll[bool](expr,
		chromedp.WithPollingInterval(20*time.Millisecond),
		chromedp.WithPollingTimeout(chatWait)))
	if err != nil {
		tab.fail("waiting for %s: %v", what, err)
	}
}

// join enters name in the name field and presses Join.
func (tab *chatTab) join(name string) {
	tab.t.Helper()
	tab.do("joining as "+name,
		chromedp.SetValue(chromedp.ID("name"), name),
		chromedp.Click(chromedp.ID("join")))
	tab.waitFor("the connection", `document.body.dataset.state === "connected"`)
}

// say types text in the message field and presses Send.
func (tab *chatTab) say(text string) {
	tab.t.Helper()
	tab.do("sending "+text,
		chromedp.SetValue(chromedp.ID("text"), text),
		chromedp.Click(chromedp.ID("send")))
}

// waitLine waits until the chat log shows the line text from name.
func (tab *chatTab) waitLine(name, text string) {
	tab.t.Helper()
	tab.waitFor(fmt.Sprintf("the line %s: %s", name, text), fmt.Sprintf(
		`[...document.querySelectorAll("#log li.line")].some((li) =>
			li.querySelector(".name").textContent === %s && li.querySelector(".text").textContent === %s)`,
		jsString(name), jsString(text)))
}

// waitNotice waits until the chat log shows a notice of the page that
// contains text.
func (tab *chatTab) waitNotice(text string) {
	tab.t.Helper()
	tab.waitFor("the notice "+text, fmt.Sprintf(
		`[...document.querySelectorAll("#log li.notice")].some((li) => li.textContent.includes(%s))`, jsString(text)))
}

// waitUsers waits until the user list holds exactly users, in any order,
// with me marked as this tab's user.
func (tab *chatTab) waitUsers(me string, users ...string) {
	tab.t.Helper()
	tab.waitFor("the users "+strings.Join(users, ", "), fmt.Sprintf(
		`JSON.stringify([...document.querySelectorAll("#users li")].map((li) => li.dataset.name).sort()) === %s &&
			document.querySelector("#users li.me")?.dataset.name === %s`,
		jsString(jsonText(sorted(users))), jsString(me)))
}

// fail ends the test with what the page shows and its console.
func (tab *chatTab) fail(format string, args ...any) {
	tab.t.Helper()
	ctx, cancel := context.WithTimeout(tab.ctx, 2*time.Second)
	defer cancel()
	shown, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		`"state: " + document.body.dataset.state + "\nstatus: " + document.getElementById("status").textContent +
		"\nusers: " + document.getElementById("users").innerText.replaceAll("\n", ", ") +
		"\nlog:\n" + [...document.querySelectorAll("#log li")].map((li) => li.className !== "line" ? "(" + li.textContent + ")" :
			li.querySelector(".name").textContent + ": " + li.querySelector(".text").textContent).join("\n")`))
	if err != nil {
		shown = fmt.Sprintf("(could not read the page: %v)", err)
	}
	tab.mu.Lock()
	console := strings.Join(tab.console, "\n\t")
	tab.mu.Unlock()
	if console == "" {
		console = "(nothing)"
	}
	tab.t.Fatalf("%s: %s\n--- the page shows:\n%s\n--- console:\n\t%s", tab.label, fmt.Sprintf(format, args...), shown, console)
}

// jsString returns s as a JavaScript string literal.
func jsString(s string) string { return jsonText(s) }

// jsonText returns v as JSON, which JavaScript reads as a literal.
func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// sorted returns a sorted copy of s; for ASCII names Go's order is
// JavaScript's sort() order.
func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}
