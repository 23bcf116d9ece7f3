package leaktest

import (
	"testing"
	"time"
)

func TestFindReportsLiveGoroutine(t *testing.T) {
	stop, started := make(chan struct{}), make(chan struct{})
	go leakyHelperForTest(started, stop)
	<-started
	leaked := Find(50*time.Millisecond, "leakyHelperForTest")
	close(stop)
	if len(leaked) != 1 {
		t.Fatalf("want 1 leaked goroutine, got %d", len(leaked))
	}
	if leaked := Find(2*time.Second, "leakyHelperForTest"); len(leaked) != 0 {
		t.Fatalf("goroutine still reported after it ended: %v", leaked)
	}
}

func leakyHelperForTest(started, stop chan struct{}) {
	close(started)
	<-stop
}
