package websocket

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestDispatchRunsOnDispatcher: a task dispatched while offer runs a
// bookkeeping task inline runs on the dispatching goroutine once offer is
// done (the reading goroutine's message is not handed to a new goroutine),
// and a task posted while offer runs, with no one dispatching, still runs.
func TestDispatchRunsOnDispatcher(t *testing.T) {
	var d dispatcher
	var mu sync.Mutex
	ran := map[taskKind]uint64{}
	inOffer := make(chan struct{})
	release := make(chan struct{})
	d.init(func(t task) {
		if t.kind == taskBuffered {
			close(inOffer)
			<-release
		}
		mu.Lock()
		ran[t.kind] = goid()
		mu.Unlock()
	})
	offered := make(chan struct{})
	go func() {
		d.offer(task{kind: taskBuffered})
		close(offered)
	}()
	<-inOffer
	dispatched := make(chan uint64)
	go func() {
		d.dispatch(task{kind: taskMessage})
		dispatched <- goid()
	}()
	// Let the dispatch queue its task and wait for the offer to finish.
	for i := 0; ; i++ {
		d.mu.Lock()
		w := d.waiting
		d.mu.Unlock()
		if w == 1 {
			break
		}
		if i == 1000 {
			t.Fatal("dispatch did not wait")
		}
		time.Sleep(time.Millisecond)
	}
	close(release)
	<-offered
	id := <-dispatched
	mu.Lock()
	assert.Equal(t, id, ran[taskMessage], "the message ran on the goroutine that dispatched it")
	mu.Unlock()

	// Posted while offer runs inline, with nobody dispatching: once offer
	// is done, a goroutine of its own runs it.
	inOffer2, release2 := make(chan struct{}), make(chan struct{})
	posted := make(chan struct{})
	d.run = func(t task) {
		switch t.kind {
		case taskBuffered:
			close(inOffer2)
			<-release2
		case taskClosing:
			close(posted)
		}
	}
	go d.offer(task{kind: taskBuffered})
	<-inOffer2
	d.post(task{kind: taskClosing})
	close(release2)
	select {
	case <-posted:
	case <-time.After(5 * time.Second):
		t.Fatal("a task posted during offer did not run")
	}
}
