// Package scenario is a WebSocket test server whose routes behave well or
// badly on purpose, the Go counterpart of the web-platform-tests' WebSocket
// handlers. It records what each client sent so that tests can check the
// wire as well as the events.
//
// Routes (query parameters in brackets; every route takes id=TOKEN, which
// tags the connection's wire log):
//
//	/echo                    echoes every message with its type; selects
//	                         "echo" if offered; on the text "Goodbye" echoes it
//	                         and closes with 1000; answers the client's Close
//	                         with the same code and reason (the engine does).
//	/delay [ms=N]            waits N ms before the handshake, then as /echo.
//	/slow [ms=N]             as /echo without echoing, sleeping N ms before
//	                         each read (a slow reader, for back-pressure).
//	/protocol-first          selects the first offered subprotocol and sends
//	                         its name as a text message, then as /echo.
//	/origin, /query          send the request's Origin / raw query as a text
//	                         message, then as /echo.
//	/close [code=N&reason=R&drop=1]
//	                         sends Close N,R (an empty Close without code)
//	                         right after the handshake; with drop=1 drops
//	                         TCP at once, else waits for the client's reply
//	                         and closes TCP.
//	/drop [ping=1]           drops TCP right after the handshake, without a
//	                         Close; with ping=1 first sends a Ping "abc" and
//	                         reads the Pong.
//	/delayed-passive-close   on the client's Close, waits 1 s, then echoes it.
//	/keep-open               echoes the client's Close but never closes TCP.
//	/passive-close-abort     on the client's Close, drops TCP without a reply.
//	/no-reply                never answers a Close nor drops TCP; reads and
//	                         discards until the client drops.
//	/raw frames=HEX[,HEX...] [gap=MS&linger=MS&with101=1]
//	                         after the handshake writes these bytes onto TCP
//	                         (protocol violations...), each comma-separated
//	                         part in its own write, gap ms apart (default
//	                         20; with101=1: the first part in the same write
//	                         as the 101), then as /echo (on the raw wire);
//	                         after the client's Close waits up to linger ms
//	                         (default 250) to see it drop TCP.
//	/hs [status=N|accept=K|protocol=P|extensions=E|raw=BYTES]
//	                         answers the handshake by hand: another status
//	                         (3xx with a Location), this Accept, this
//	                         Sec-WebSocket-Protocol whatever was offered (none
//	                         when P is empty), these extensions, or these
//	                         raw bytes; then as /echo when it was a 101.
//	/log id=TOKEN [wait=MS]  the wire log of the connections tagged TOKEN, as
//	                         JSON (a Log), once they have ended or after MS.
//
// The well-behaved routes (/echo, /delay, /slow, /protocol-first, /origin,
// /query) run on package native's server side; the others write frames by
// hand. Every response allows any origin (CORS), so a test running in a
// browser page can fetch /log.
package scenario

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/w3ws/w3ws/native"
)

// timeNone is the zero time: no deadline.
var timeNone time.Time

// rawConnLifetime bounds every hand-run connection, so that no server
// goroutine outlives a client that hangs.
const rawConnLifetime = 30 * time.Second

// Server is the scenario server. Use it as an http.Handler, or Start it on
// a loopback port.
type Server struct {
	mu      sync.Mutex
	logs    map[string]*entry
	changed chan struct{} // closed and replaced whenever a log changes
	conns   map[io.Closer]struct{}
	closed  bool
	done    chan struct{} // closed by Close
	wg      sync.WaitGroup
}

// entry is the log of one id and its number of live connections.
type entry struct {
	log    Log
	active int
}

// NewServer returns a Server with empty logs.
func NewServer() *Server {
	return &Server{
		logs:    make(map[string]*entry),
		changed: make(chan struct{}),
		conns:   make(map[io.Closer]struct{}),
		done:    make(chan struct{}),
	}
}

// Start serves s on 127.0.0.1 at a free port. It returns the base URL
// ("http://127.0.0.1:PORT"; WebSocket clients map http to ws) and a function
// that stops the server, drops every connection and waits for its handlers.
// It panics if it cannot listen.
func (s *Server) Start() (baseURL string, stop func()) { return s.StartHandler(s) }

// StartHandler is Start serving h, a handler that routes to s for the
// scenario paths and may serve more (a test's pages); stop also closes s.
func (s *Server) StartHandler(h http.Handler) (baseURL string, stop func()) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic("scenario: listen: " + err.Error())
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan struct{})
	go func() {
		hs.Serve(ln)
		close(served)
	}()
	return "http://" + ln.Addr().String(), func() {
		hs.Close()
		<-served
		s.Close()
	}
}

// Close drops every WebSocket connection the server holds and waits for their
// handlers to return. Requests that arrive later get 503.
func (s *Server) Close() {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		close(s.done)
	}
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// route handles one WebSocket route; it reports whether the client dropped
// TCP, and the error that ended the connection.
type route func(s *Server, w http.ResponseWriter, r *http.Request, c *conn) (dropped bool, err error)

var routes map[string]route

func init() {
	routes = map[string]route{
		"/echo":                  serveEcho,
		"/delay":                 serveDelay,
		"/slow":                  serveSlow,
		"/protocol-first":        serveProtocolFirst,
		"/origin":                serveOrigin,
		"/query":                 serveQuery,
		"/close":                 serveClose,
		"/drop":                  serveDrop,
		"/delayed-passive-close": rawRoute(closeDelayed),
		"/keep-open":             rawRoute(closeKeepOpen),
		"/passive-close-abort":   rawRoute(closeAbort),
		"/no-reply":              rawRoute(closeNone),
		"/raw":                   serveRaw,
		"/hs":                    serveHandshake,
	}
}

// ServeHTTP dispatches to the routes listed in the package documentation.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	if r.URL.Path == "/log" {
		s.serveLog(w, r)
		return
	}
	h, ok := routes[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		http.Error(w, "scenario server closed", http.StatusServiceUnavailable)
		return
	}
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()
	c := s.begin(r)
	dropped, err := h(s, w, r, c)
	c.end(dropped, err)
}

// conn is a connection's handle on the log of its id.
type conn struct {
	s       *Server
	id      string
	with101 []byte // bytes to send in the same write as a hand-written 101
}

// begin records a new connection for the request's id.
func (s *Server) begin(r *http.Request) *conn {
	id := r.URL.Query().Get("id")
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.logs[id]
	if e == nil {
		e = &entry{log: Log{ID: id}}
		s.logs[id] = e
	}
	e.active++
	e.log.Conns++
	e.log.Path, e.log.Query, e.log.Header = r.URL.Path, r.URL.RawQuery, r.Header.Clone()
	s.notifyLocked()
	return &conn{s: s, id: id}
}

// frame records a frame the client sent.
func (c *conn) frame(f Frame) {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	e := c.s.logs[c.id]
	e.log.Frames = append(e.log.Frames, f)
	c.s.notifyLocked()
}

// end records the end of the connection.
func (c *conn) end(dropped bool, err error) {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	e := c.s.logs[c.id]
	e.active--
	e.log.ClientDropped = dropped
	e.log.Error = ""
	if err != nil {
		e.log.Error = err.Error()
	}
	c.s.notifyLocked()
}

// notifyLocked wakes the /log requests waiting for a change.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// track registers a connection for Close to drop; the returned function
// unregisters it.
func (s *Server) track(c io.Closer) (untrack func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		c.Close()
	}
	s.conns[c] = struct{}{}
	return func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
	}
}

// sleep waits for d, and reports false if the server closed or ctx's
// request ended first.
func (s *Server) sleep(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.done:
	case <-r.Context().Done():
	}
	return false
}

// serveLog answers GET /log?id=TOKEN&wait=MS with the Log of TOKEN in JSON,
// as soon as at least one connection was seen for it and all have ended, or
// after MS milliseconds.
func (s *Server) serveLog(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	id := q.Get("id")
	wait, _ := strconv.Atoi(q.Get("wait"))
	deadline := time.Now().Add(time.Duration(wait) * time.Millisecond)
	for {
		s.mu.Lock()
		l := Log{ID: id}
		e := s.logs[id]
		if e != nil {
			l = e.log
			l.Frames = append([]Frame(nil), l.Frames...)
			l.Ended = e.active == 0
		}
		changed := s.changed
		s.mu.Unlock()
		left := time.Until(deadline)
		if l.Ended || left <= 0 {
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(&l)
			return
		}
		t := time.NewTimer(left)
		select {
		case <-changed:
		case <-t.C:
		case <-s.done:
			deadline = time.Now()
		case <-r.Context().Done():
			t.Stop()
			return
		}
		t.Stop()
	}
}

// isDrop reports whether a read error means the client closed or reset TCP.
func isDrop(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// engine runs a route on package native's server side: it accepts the
// handshake selecting the first offered protocol in protocols, sends first
// as a text message when not empty, then reads (pausing slow before each
// read), records and (if echo) echoes messages until the connection ends.
func (s *Server) engine(w http.ResponseWriter, r *http.Request, c *conn, protocols []string, first string, slow time.Duration, echo bool) (bool, error) {
	nc, err := native.Accept(w, r, &native.AcceptOptions{
		Subprotocols:            protocols,
		InsecureSkipOriginCheck: true,
		ConnOptions: native.ConnOptions{
			MaxMessageSize: -1,
			OnPeerClose: func(code native.StatusCode, reason string) {
				if code == native.StatusNoStatusRcvd {
					c.frame(newFrame(8, true, 0, true, nil))
					return
				}
				c.frame(newFrame(8, true, 0, true, closeBody(int(code), reason)))
			},
		},
	})
	if err != nil {
		return false, err
	}
	defer s.track(&funcCloser{nc.CloseNow})()
	defer nc.CloseNow()
	if first != "" {
		if err := nc.WriteMessage(native.MessageText, []byte(first)); err != nil {
			return false, err
		}
	}
	var buf []byte
	for {
		if slow > 0 && !s.sleep(r, slow) {
			return false, errors.New("scenario: server closed")
		}
		typ, msg, err := nc.ReadMessage(buf[:0])
		if err != nil {
			var ce *native.CloseError
			if errors.As(err, &ce) {
				return false, nil
			}
			return isDrop(err), err
		}
		buf = msg
		op := byte(typ)
		c.frame(newFrame(op, true, 0, true, msg))
		if echo {
			if err := nc.WriteMessage(typ, msg); err != nil {
				return false, err
			}
		}
		if typ == native.MessageText && string(msg) == "Goodbye" {
			return false, nc.Close(native.StatusNormalClosure, "")
		}
	}
}

// funcCloser adapts a func to io.Closer (as a pointer, so it can be a map key).
type funcCloser struct{ close func() error }

func (f *funcCloser) Close() error { return f.close() }

func serveEcho(s *Server, w http.ResponseWriter, r *http.Request, c *conn) (bool, error) {
	return s.engine(w, r, c, []string{"echo"}, "", 0, true)
}

func serveDelay(s *Server, w http.ResponseWriter, r *http.Request, c *conn) (bool, error) {
	ms, _ := strconv.Atoi(r.URL.Query().Get("ms"))
	if !s.sleep(r, time.Duration(ms)*time.Millisecond) {
		// The client gave up (or the server closed) during the handshake.
		return r.Context().Err() != nil, errors.New("scenario: handshake abandoned")
	}
	return s.engine(w, r, c, []string{"echo"}, "", 0, true)
}

func serveSlow(s *Server, w http.ResponseWriter, r *http.Request, c *conn) (bool, error) {
	ms, _ := strconv.Atoi(r.URL.Query().Get("ms"))
	return s.engine(w, r, c, nil, "", time.Duration(ms)*time.Millisecond, false)
}

func serveProtocolFirst(s *Server, w http.ResponseWriter, r *http.Request, c *conn) (bool, error) {
	offered := offeredProtocols(r.Header)
	first := ""
	if len(offered) > 0 {
		first = offered[0]
	}
	return s.engine(w, r, c, offered, first, 0, true)
}

func serveOrigin(s *Server, w http.ResponseWriter, r *http.Request, c *conn) (bool, error) {
	return s.engine(w, r, c, nil, r.Header.Get("Origin"), 0, true)
}

func serveQuery(s *Server, w http.ResponseWriter, r *http.Request, c *conn) (bool, error) {
	return s.engine(w, r, c, nil, r.URL.RawQuery, 0, true)
}

// closeMode is how a hand-run route answers the client's Close frame.
type closeMode int

const (
	closeEcho     closeMode = iota // echo it, then close TCP
	closeDelayed                   // wait 1 s, echo it, then close TCP
	closeKeepOpen                  // echo it, then wait for the client to drop TCP
	closeAbort                     // drop TCP without a reply
	closeNone                      // no reply; wait for the client to drop TCP
)

// rawSession is a hand-run connection after its handshake.
type rawSession struct {
	s         *Server
	r         *http.Request
	c         *conn
	nc        net.Conn
	br        *bufio.Reader
	sentClose bool // we sent a Close frame
}

// dropAfterClose ends TCP right after our Close frame without reading the
// peer's reply as a frame: it sends FIN and discards what still comes for
// a moment, so that the reply does not meet a closed socket, whose RST
// would make the client's view of the close depend on timing.
func (rs *rawSession) dropAfterClose() {
	tc, ok := rs.nc.(interface{ CloseWrite() error })
	if !ok {
		return
	}
	tc.CloseWrite()
	rs.nc.SetReadDeadline(time.Now().Add(time.Second))
	io.Copy(io.Discard, rs.br)
}

// startRaw hijacks the connection and writes the handshake response that
// the query asks for (see handshakeResponse). ok reports a 101.
func (s *Server) startRaw(w http.ResponseWriter, r *http.Request, c *conn) (rs *rawSession, ok bool, err error) {
	nc, br, err := hijack(w, r)
	if err != nil {
		return nil, false, err
	}
	nc.SetDeadline(time.Now().Add(rawConnLifetime))
	resp, ok := handshakeResponse(r, r.URL.Query())
	resp = append(resp, c.with101...)
	rs = &rawSession{s: s, r: r, c: c, nc: nc, br: br}
	if _, err := nc.Write(resp); err != nil {
		return rs, false, err
	}
	return rs, ok, nil
}

// run starts a raw session, runs body, then closes TCP.
func (s *Server) run(w http.ResponseWriter, r *http.Request, c *conn, body func(rs *rawSession, ok bool) (bool, error)) (bool, error) {
	rs, ok, err := s.startRaw(w, r, c)
	if rs == nil {
		return false, err
	}
	defer s.track(rs.nc)()
	defer rs.nc.Close()
	if err != nil {
		return false, err
	}
	return body(rs, ok)
}

// write writes b, ignoring errors (a client that has gone shows in reads).
func (rs *rawSession) write(b []byte) { rs.nc.Write(b) }

// serve reads and records the client's frames until the connection ends:
// data frames are echoed and pings answered (until a Close was sent), and
// the client's Close is handled as mode says. When we close TCP after the
// closing handshake, linger first gives the client that long to drop TCP
// itself, so the log can tell. It reports whether the client dropped TCP.
func (rs *rawSession) serve(mode closeMode, linger time.Duration) (bool, error) {
	for {
		f, err := rs.read()
		if err != nil {
			return isDrop(err), err
		}
		switch f.op {
		case 0, 1, 2:
			if !rs.sentClose {
				b := appendFrame(nil, f.op, f.payload)
				if !f.fin {
					b[0] &^= 0x80
				}
				rs.write(b)
			}
		case 9:
			if !rs.sentClose {
				rs.write(appendFrame(nil, 10, f.payload))
			}
		case 8:
			if rs.sentClose {
				return rs.linger(linger)
			}
			switch mode {
			case closeDelayed:
				if !rs.s.sleep(rs.r, time.Second) {
					return false, errors.New("scenario: server closed")
				}
				fallthrough
			case closeEcho:
				rs.write(appendFrame(nil, 8, f.payload))
				rs.sentClose = true
				return rs.linger(linger)
			case closeKeepOpen:
				rs.write(appendFrame(nil, 8, f.payload))
				rs.sentClose = true
				return rs.readToEnd()
			case closeAbort:
				return false, nil
			case closeNone:
				return rs.readToEnd()
			}
		}
	}
}

// read reads and records one frame.
func (rs *rawSession) read() (rawFrame, error) {
	f, err := readFrame(rs.br)
	if err == nil {
		fr := newFrame(f.op, f.fin, f.rsv, f.masked, f.payload)
		if f.masked {
			fr.Key = hex.EncodeToString(f.key[:])
		}
		rs.c.frame(fr)
	}
	return f, err
}

// readToEnd reads and records frames until the connection ends, and reports
// whether the client dropped it.
func (rs *rawSession) readToEnd() (bool, error) {
	for {
		if _, err := rs.read(); err != nil {
			return isDrop(err), err
		}
	}
}

// linger waits up to d for the client to drop TCP, recording what it sends.
func (rs *rawSession) linger(d time.Duration) (bool, error) {
	if d <= 0 {
		return false, nil
	}
	rs.nc.SetReadDeadline(time.Now().Add(d))
	dropped, err := rs.readToEnd()
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return false, nil
	}
	return dropped, err
}

// rawRoute is a hand-run route that answers the client's Close as mode says.
func rawRoute(mode closeMode) route {
	return func(s *Server, w http.ResponseWriter, r *http.Request, c *conn) (bool, error) {
		return s.run(w, r, c, func(rs *rawSession, _ bool) (bool, error) {
			return rs.serve(mode, 0)
		})
	}
}

func serveClose(s *Server, w http.ResponseWriter, r *http.Request, c *conn) (bool, error) {
	q := r.URL.Query()
	return s.run(w, r, c, func(rs *rawSession, _ bool) (bool, error) {
		code, _ := strconv.Atoi(q.Get("code"))
		rs.write(appendFrame(nil, 8, closeBody(code, q.Get("reason"))))
		rs.sentClose = true
		if q.Get("drop") == "1" {
			rs.dropAfterClose()
			return false, nil
		}
		return rs.serve(closeEcho, 0)
	})
}

func serveDrop(s *Server, w http.ResponseWriter, r *http.Request, c *conn) (bool, error) {
	return s.run(w, r, c, func(rs *rawSession, _ bool) (bool, error) {
		if r.URL.Query().Get("ping") != "1" {
			return false, nil
		}
		rs.write(appendFrame(nil, 9, []byte("abc")))
		rs.nc.SetReadDeadline(time.Now().Add(2 * time.Second))
		for {
			f, err := rs.read()
			if err != nil {
				return isDrop(err), err
			}
			if f.op == 10 {
				return false, nil
			}
		}
	})
}

func serveRaw(s *Server, w http.ResponseWriter, r *http.Request, c *conn) (bool, error) {
	q := r.URL.Query()
	var parts [][]byte
	for _, h := range strings.Split(q.Get("frames"), ",") {
		b, err := hex.DecodeString(h)
		if err != nil {
			http.Error(w, "frames: "+err.Error(), http.StatusBadRequest)
			return false, err
		}
		parts = append(parts, b)
	}
	linger := 250 * time.Millisecond
	if q.Has("linger") {
		ms, _ := strconv.Atoi(q.Get("linger"))
		linger = time.Duration(ms) * time.Millisecond
	}
	gap := 20 * time.Millisecond
	if q.Has("gap") {
		ms, _ := strconv.Atoi(q.Get("gap"))
		gap = time.Duration(ms) * time.Millisecond
	}
	if q.Get("with101") == "1" {
		// The first part goes out in the same write as the 101.
		c.with101 = parts[0]
		parts = parts[1:]
	}
	return s.run(w, r, c, func(rs *rawSession, _ bool) (bool, error) {
		rs.sentClose = containsClose(c.with101)
		for i, p := range parts {
			if i > 0 && !s.sleep(r, gap) {
				return false, errors.New("scenario: server closed")
			}
			rs.write(p)
			rs.sentClose = rs.sentClose || containsClose(p)
		}
		return rs.serve(closeEcho, linger)
	})
}

func serveHandshake(s *Server, w http.ResponseWriter, r *http.Request, c *conn) (bool, error) {
	return s.run(w, r, c, func(rs *rawSession, ok bool) (bool, error) {
		if !ok {
			return rs.readToEnd()
		}
		return rs.serve(closeEcho, 0)
	})
}
