//go:build js && wasm

package main

import (
	"context"
	"fmt"
	"sync"
	"syscall/js"
	"time"

	"github.com/w3ws/w3ws/wasm/chat"
)

// connectTimeout bounds joining: opening the socket and getting an id.
const connectTimeout = 10 * time.Second

func main() {
	p := &page{
		body:   document.Get("body"),
		status: byID("status"),
		name:   byID("name"),
		join:   byID("join"),
		log:    byID("log"),
		users:  byID("users"),
		text:   byID("text"),
		send:   byID("send"),
	}
	onSubmit(byID("login"), p.joinOrRename)
	onSubmit(byID("compose"), p.say)
	setEnabled(true, p.name, p.join)
	p.setState("ready", "enter a name and join")
	p.name.Call("focus")
	select {} // the page's callbacks run Go code as long as the page is open
}

// page is the chat page: its elements and the connection.
type page struct {
	body, status, name, join, log, users, text, send js.Value

	mu     sync.Mutex   // guards the fields below
	client *chat.Client // nil when not connected
	busy   bool         // a connection attempt is under way
}

// joinOrRename joins the room under the name in the name field or, once
// joined, asks for that name.
func (p *page) joinOrRename() {
	name := p.name.Get("value").String()
	p.mu.Lock()
	c, busy := p.client, p.busy
	if c == nil && !busy {
		p.busy = true
	}
	p.mu.Unlock()
	switch {
	case busy:
		return
	case c != nil:
		if err := c.SetName(name); err != nil {
			p.notice(err.Error())
			return
		}
		p.setState("connected", "connected as "+c.Name())
		return
	}

	p.setState("connecting", "connecting…")
	setEnabled(false, p.join)
	ctx, cancel := context.WithTimeout(context.Background(), connectTimeout)
	defer cancel()
	// The close event can come before Connect returns; the page resets
	// only after it has shown the connection, on the goroutine below.
	closeEv := make(chan string, 1)
	c, err := chat.Connect(ctx, chat.Config{
		URL:      "/ws",
		BaseURL:  js.Global().Get("location").Get("href").String(),
		Name:     name,
		OnLine:   p.addLine,
		OnUsers:  p.showUsers,
		OnRename: p.renamed,
		OnClose:  func(_ *chat.Client, code int, reason string) { closeEv <- closeText(code, reason) },
		OnError:  func(_ *chat.Client, err error) { js.Global().Get("console").Call("warn", err.Error()) },
	})
	p.mu.Lock()
	p.busy, p.client = false, c
	p.mu.Unlock()
	setEnabled(true, p.join)
	if err != nil {
		p.setState("closed", "not connected")
		p.notice(fmt.Sprintf("Could not join: %v", err))
		return
	}
	p.join.Set("textContent", "Rename")
	setEnabled(true, p.text, p.send)
	p.setState("connected", "connected as "+c.Name())
	p.text.Call("focus")
	go func() { p.closed(<-closeEv) }()
}

// say sends the text field's line to the room.
func (p *page) say() {
	p.mu.Lock()
	c := p.client
	p.mu.Unlock()
	text := p.text.Get("value").String()
	if c == nil || text == "" {
		return
	}
	if err := c.Send(text); err != nil {
		p.notice(err.Error())
		return
	}
	p.text.Set("value", "")
	p.text.Call("focus")
}

// addLine appends a chat line to the log.
func (p *page) addLine(_ *chat.Client, l chat.Line) {
	li := newElement("li", "line", "")
	li.Call("append",
		newElement("span", "date", localTime(l.Date.UnixMilli())),
		newElement("span", "name", l.Name),
		newElement("span", "text", l.Text))
	p.appendLog(li)
}

// notice appends a message from the page itself to the log.
func (p *page) notice(text string) {
	p.appendLog(newElement("li", "notice", text))
}

// appendLog adds li at the end of the log and scrolls to it.
func (p *page) appendLog(li js.Value) {
	p.log.Call("append", li)
	p.log.Set("scrollTop", p.log.Get("scrollHeight"))
}

// showUsers replaces the user list; this user's own entry has class "me".
func (p *page) showUsers(c *chat.Client, users []string) {
	me := c.Name()
	p.users.Set("textContent", "")
	for _, u := range users {
		class := ""
		if u == me {
			class = "me"
		}
		li := newElement("li", class, u)
		li.Get("dataset").Set("name", u)
		p.users.Call("append", li)
	}
}

// renamed tells the user that the server gave them another name.
func (p *page) renamed(_ *chat.Client, requested, given string) {
	p.name.Set("value", given)
	p.notice(fmt.Sprintf("The name %q is taken: you are %q.", requested, given))
	p.setState("connected", "connected as "+given)
}

// closed resets the page when the connection has closed, saying why.
func (p *page) closed(why string) {
	p.mu.Lock()
	p.client = nil
	p.mu.Unlock()
	p.notice(why)
	p.users.Set("textContent", "")
	p.join.Set("textContent", "Join")
	setEnabled(false, p.text, p.send)
	p.setState("closed", "not connected: join again")
}

// setState shows status and records state in body[data-state].
func (p *page) setState(state, status string) {
	p.body.Get("dataset").Set("state", state)
	p.status.Set("textContent", status)
}

// closeText describes a close event for the log.
func closeText(code int, reason string) string {
	if reason == "" {
		return fmt.Sprintf("Disconnected (%d).", code)
	}
	return fmt.Sprintf("Disconnected (%d %s).", code, reason)
}
