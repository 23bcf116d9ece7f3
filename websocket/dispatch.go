package websocket

import "sync"

// taskKind says what a dispatcher task does.
type taskKind uint8

const (
	taskOpen     taskKind = iota + 1 // readyState OPEN, then "open"
	taskMessage                      // "message", dropped unless OPEN
	taskBuffered                     // bufferedAmount falls by the bytes written since the last one
	taskClosing                      // readyState CLOSING (the peer's Close arrived)
	taskClose                        // readyState CLOSED, then "error" if err != nil, then "close"
)

// task is one unit of work for a socket's dispatcher: the equivalent of a
// task on the browser's WebSocket task source. It is a plain value, so
// queueing one allocates nothing.
type task struct {
	kind     taskKind
	text     string // text message data
	data     []byte // binary message data
	isText   bool
	protocol string // taskOpen
	ext      string // taskOpen
	err      error  // taskClose: the failure that fires "error" first
	code     int    // taskClose
	reason   string // taskClose
	clean    bool   // taskClose
	accepted bool   // taskOpen of a server socket, OPEN already: always fires
}

// dispatcher runs a socket's tasks one at a time, in order, never
// concurrently: the Go form of the browser's event loop for one socket.
//
// It has no goroutine of its own. The goroutine that reads the connection
// runs each task it produces itself (dispatch), so a message needs no
// channel hand-off; while a handler runs there, the reader is not reading,
// which gives TCP back-pressure. Tasks from elsewhere (write completions,
// a close requested while connecting) are posted: they run on the
// dispatching goroutine if one is active, or on a goroutine started for them
// that exits when the queue is empty. Handlers therefore never run on the
// goroutine of Send or Close, and never re-entrantly.
type dispatcher struct {
	mu      sync.Mutex // guards everything below
	idle    sync.Cond  // signalled when running goes false
	queue   []task
	running bool // a goroutine is running tasks
	waiting int  // dispatch calls waiting for running to go false
	run     func(task)
}

func (d *dispatcher) init(run func(task)) {
	d.run = run
	d.idle.L = &d.mu
}

// dispatch queues t and runs the queue on the calling goroutine, after
// waiting for another goroutine that is running it to finish. It returns once
// t has run.
func (d *dispatcher) dispatch(t task) {
	d.mu.Lock()
	d.queue = append(d.queue, t)
	d.waiting++
	for d.running {
		d.idle.Wait()
	}
	d.waiting--
	if len(d.queue) > 0 {
		d.drainLocked()
	}
	d.mu.Unlock()
}

// post queues t to run after everything queued before it, on the goroutine
// running the queue, or on a new one if none is.
func (d *dispatcher) post(t task) {
	d.mu.Lock()
	d.queue = append(d.queue, t)
	if !d.running {
		d.startDrainLocked()
	}
	d.mu.Unlock()
}

// startDrainLocked marks the dispatcher running and starts a goroutine that
// runs the queue until it is empty.
func (d *dispatcher) startDrainLocked() {
	d.running = true
	go func() {
		d.mu.Lock()
		d.drainLocked()
		d.mu.Unlock()
	}()
}

// offer runs the bookkeeping task t at once on the calling goroutine when
// the dispatcher is idle, or queues it for the goroutine running the queue.
// It never runs other queued tasks, so no handler ever runs on the calling
// goroutine: it is for the transport's own goroutines (the engine's write
// flusher), which must not be held up by a handler.
func (d *dispatcher) offer(t task) {
	d.mu.Lock()
	if d.running {
		d.queue = append(d.queue, t)
		d.mu.Unlock()
		return
	}
	d.running = true
	d.mu.Unlock()
	d.run(t)
	d.mu.Lock()
	d.running = false
	if len(d.queue) > 0 && d.waiting == 0 {
		// Tasks posted while t ran, and no dispatch waiting to run them
		// (the reading goroutine, whose message came while t ran): hand
		// them to a goroutine of their own.
		d.startDrainLocked()
	}
	d.idle.Broadcast()
	d.mu.Unlock()
}

// drainLocked runs queued tasks until the queue is empty. Called with mu
// held; it releases mu around each task.
func (d *dispatcher) drainLocked() {
	d.running = true
	for i := 0; i < len(d.queue); i++ {
		t := d.queue[i]
		d.queue[i] = task{} // drop references to delivered data
		d.mu.Unlock()
		d.run(t)
		d.mu.Lock()
	}
	d.queue = d.queue[:0]
	d.running = false
	d.idle.Broadcast()
}
