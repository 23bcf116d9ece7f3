package chat

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/w3ws/w3ws/websocket"
)

// ErrNotConnected is returned by Client methods that send when the
// connection is not open (it closed, or is closing).
var ErrNotConnected = errors.New("chat: not connected")

// Config tells Connect where to connect, under which name, and what to call
// when something happens in the room. The callbacks run one at a time, in
// the order the server sent things, on the socket's event goroutine (never
// on the goroutine that called a Client method). They get the Client, whose
// methods they may call, because they can run before Connect has returned
// it. Any of them may be nil.
type Config struct {
	// URL is the chat endpoint: ws://, wss://, or http(s):// which maps to
	// ws(s)://, as in the browser. A relative URL needs BaseURL.
	URL string
	// BaseURL resolves a relative URL; in the page it is location.href.
	BaseURL string
	// Name is the name asked for when the server sends the id. The server
	// may give another one (see OnRename).
	Name string

	// OnLine receives every chat line, the client's own included (the server
	// broadcasts to everyone).
	OnLine func(c *Client, l Line)
	// OnUsers receives the names of everyone in the room, in the server's
	// order, whenever the list changes.
	OnUsers func(c *Client, users []string)
	// OnRename is called when the server refused the name asked for and gave
	// this client the name given instead; c.Name() is already given.
	OnRename func(c *Client, requested, given string)
	// OnClose is called once when the connection has closed, with the close
	// event's code and reason, whether Close was called or the server went
	// away.
	OnClose func(c *Client, code int, reason string)
	// OnError receives messages from the server that could not be decoded;
	// they are otherwise ignored.
	OnError func(c *Client, err error)
}

// Client is one chat user: a WebSocket to the chat server speaking the MDN
// chat protocol. Its methods are safe for concurrent use.
type Client struct {
	// ws is the socket. Its events can come before NewWithOptions has
	// returned it to Connect, so the handlers publish it too (e.Target()).
	ws  atomic.Pointer[websocket.WebSocket]
	cfg Config

	gotID chan struct{} // closed when the server's id message arrived
	done  chan struct{} // closed after OnClose returned

	mu        sync.Mutex // guards the fields below
	id        int
	name      string // the name the server knows this client by, as far as it told
	users     []string
	closeCode int
	closeWhy  string
}

// Connect opens a connection to the chat server and returns once the server
// has sent this client its id, to which the client has answered with
// cfg.Name; it gives up when ctx ends or the connection fails first. From
// then on the room's lines and user lists arrive through cfg's callbacks.
//
// Connect blocks: in the browser, call it from a goroutine, never from a
// JavaScript callback. When it fails after the socket was created, cfg's
// OnClose still follows for that socket.
func Connect(ctx context.Context, cfg Config) (*Client, error) {
	name, err := checkName(cfg.Name)
	if err != nil {
		return nil, err
	}
	c := &Client{
		cfg:   cfg,
		name:  name,
		gotID: make(chan struct{}),
		done:  make(chan struct{}),
	}
	ws, err := websocket.NewWithOptions(cfg.URL, &websocket.Options{
		BaseURL:   cfg.BaseURL,
		OnMessage: c.onMessage,
		OnClose:   c.onClose,
	})
	if err != nil {
		return nil, fmt.Errorf("chat: connecting to %s: %w", cfg.URL, err)
	}
	c.ws.Store(ws)
	// ErrNotOpen means it opened and closed already: the select reports
	// the close event.
	if err := ws.WaitOpen(ctx); err != nil && !errors.Is(err, websocket.ErrNotOpen) {
		ws.Close(0, "")
		return nil, fmt.Errorf("chat: connecting to %s: %w", ws.URL(), err)
	}
	select {
	case <-c.gotID:
		return c, nil
	case <-c.done:
		return nil, fmt.Errorf("chat: %s closed before sending an id (%d %q)", ws.URL(), c.closeCode, c.closeWhy)
	case <-ctx.Done():
		ws.Close(0, "")
		return nil, fmt.Errorf("chat: waiting for an id from %s: %w", ws.URL(), ctx.Err())
	}
}

// ID returns the id the server gave this client.
func (c *Client) ID() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.id
}

// Name returns the name this client has in the room: the one it asked for,
// or the one the server gave instead.
func (c *Client) Name() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.name
}

// Users returns the last user list the server sent.
func (c *Client) Users() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.users)
}

// SetName asks the server for a new name. If it is taken, the server picks
// another one and OnRename says which.
func (c *Client) SetName(name string) error {
	name, err := checkName(name)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.name = name
	c.mu.Unlock()
	return c.send(Message{Type: TypeUsername, Name: name})
}

// Send sends one chat line to the room; it comes back through OnLine once
// the server has broadcast it. It returns at once: the socket queues the
// message.
func (c *Client) Send(text string) error {
	if strings.TrimSpace(text) == "" {
		return errors.New("chat: empty message")
	}
	return c.send(Message{Type: TypeMessage, Text: text})
}

// Close leaves the room: it starts the closing handshake with code 1000.
// OnClose follows, and Done is closed after it.
func (c *Client) Close() error {
	if err := c.ws.Load().Close(1000, "bye"); err != nil {
		return fmt.Errorf("chat: closing: %w", err)
	}
	return nil
}

// Done returns a channel that is closed once the connection has closed and
// OnClose has returned.
func (c *Client) Done() <-chan struct{} { return c.done }

// send stamps m with the client's id and the current time and sends it.
func (c *Client) send(m Message) error {
	ws := c.ws.Load()
	if ws.ReadyState() != websocket.OPEN {
		return ErrNotConnected
	}
	m.ID = c.ID()
	m.Date = time.Now().UnixMilli()
	s, err := Encode(m)
	if err != nil {
		return err
	}
	if err := ws.Send(s); err != nil {
		return fmt.Errorf("chat: sending a %q message: %w", m.Type, err)
	}
	return nil
}

// onMessage handles one message from the server, on the socket's event
// goroutine.
func (c *Client) onMessage(e *websocket.MessageEvent) {
	c.ws.Store(e.Target())
	data, ok := e.Data.(string)
	if !ok {
		c.fail(errors.New("chat: the server sent a binary message"))
		return
	}
	m, err := Decode(data)
	if err != nil {
		c.fail(err)
		return
	}
	switch m.Type {
	case TypeID:
		c.mu.Lock()
		first := c.id == 0
		c.id = m.ID
		name := c.name
		c.mu.Unlock()
		if err := c.send(Message{Type: TypeUsername, Name: name}); err != nil {
			c.fail(err)
		}
		if first {
			close(c.gotID)
		}
	case TypeRejectUsername:
		c.mu.Lock()
		requested := c.name
		c.name = m.Name
		c.mu.Unlock()
		if c.cfg.OnRename != nil {
			c.cfg.OnRename(c, requested, m.Name)
		}
	case TypeUserList:
		c.mu.Lock()
		c.users = slices.Clone(m.Users)
		c.mu.Unlock()
		if c.cfg.OnUsers != nil {
			c.cfg.OnUsers(c, slices.Clone(m.Users))
		}
	case TypeMessage:
		if c.cfg.OnLine != nil {
			c.cfg.OnLine(c, Line{Name: m.Name, Text: m.Text, Date: time.UnixMilli(m.Date)})
		}
	}
}

// onClose records the close event, calls OnClose and closes done.
func (c *Client) onClose(e *websocket.CloseEvent) {
	c.ws.Store(e.Target())
	c.mu.Lock()
	c.closeCode, c.closeWhy = e.Code, e.Reason
	c.mu.Unlock()
	if c.cfg.OnClose != nil {
		c.cfg.OnClose(c, e.Code, e.Reason)
	}
	close(c.done)
}

// fail reports a protocol error to OnError.
func (c *Client) fail(err error) {
	if c.cfg.OnError != nil {
		c.cfg.OnError(c, err)
	}
}

// checkName trims a requested name and refuses an empty one.
func checkName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", errors.New("chat: empty name")
	}
	return name, nil
}
