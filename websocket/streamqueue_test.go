package websocket

import (
	"context"
	"testing"
)

// TestMessageQueueStaysBounded: a queue that never empties (one message
// always queued, as under steady back-pressure) keeps its backing array
// small instead of growing with every message it ever held, and keeps the
// order.
func TestMessageQueueStaysBounded(t *testing.T) {
	var q messageQueue
	q.init(0)
	q.push(streamMessage{text: "0", isText: true})
	for i := 1; i <= 100000; i++ {
		q.push(streamMessage{data: []byte{byte(i)}})
		m, err := q.pop(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if want := byte(i - 1); i > 1 && m.data[0] != want {
			t.Fatalf("message %d: got %d", i-1, m.data[0])
		}
	}
	if c := cap(q.q); c > 64 {
		t.Fatalf("after 100000 messages with one always queued, the queue's array holds %d", c)
	}
}
