package native

import (
	"fmt"
	"testing"
)

// benchSizes are the message sizes of the engine benchmarks.
var benchSizes = []int{16, 1 << 10, 64 << 10, 1 << 20}

func sizeName(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%dMiB", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%dKiB", n>>10)
	}
	return fmt.Sprintf("%dB", n)
}

// BenchmarkConnReadMessage measures reading one message with a reused
// buffer (client side: unmasked frames from the server), over loopback TCP.
// allocs/op is the engine's allocation per message read.
func BenchmarkConnReadMessage(b *testing.B) {
	for _, size := range benchSizes {
		b.Run("size="+sizeName(size), func(b *testing.B) {
			client, server := connPair(b, ConnOptions{MaxMessageSize: -1})
			msg := make([]byte, size)
			go func() {
				for {
					if server.WriteMessage(MessageBinary, msg) != nil {
						return
					}
				}
			}()
			buf := make([]byte, 0, size)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				_, m, err := client.ReadMessage(buf[:0])
				if err != nil {
					b.Fatal(err)
				}
				buf = m
			}
			client.CloseNow()
			server.CloseNow()
		})
	}
}

// BenchmarkConnWriteMessage measures writing one message (client side:
// masked) with back-pressure, over loopback TCP. allocs/op is the engine's
// allocation per message written.
func BenchmarkConnWriteMessage(b *testing.B) {
	for _, size := range benchSizes {
		b.Run("size="+sizeName(size), func(b *testing.B) {
			client, server := connPair(b, ConnOptions{MaxMessageSize: -1})
			go func() {
				buf := make([]byte, 0, size)
				for {
					_, m, err := server.ReadMessage(buf[:0])
					if err != nil {
						return
					}
					buf = m
				}
			}()
			msg := make([]byte, size)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if err := client.WriteMessage(MessageBinary, msg); err != nil {
					b.Fatal(err)
				}
			}
			client.CloseNow()
			server.CloseNow()
		})
	}
}

// BenchmarkConnEcho measures a round trip: the client writes a message and
// reads the server's echo.
func BenchmarkConnEcho(b *testing.B) {
	for _, size := range benchSizes {
		b.Run("impl=w3ws/size="+sizeName(size), func(b *testing.B) {
			client, server := connPair(b, ConnOptions{MaxMessageSize: -1})
			go func() {
				var buf []byte
				for {
					typ, m, err := server.ReadMessage(buf[:0])
					if err != nil {
						return
					}
					buf = m
					if server.WriteMessage(typ, m) != nil {
						return
					}
				}
			}()
			msg := make([]byte, size)
			buf := make([]byte, 0, size)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if err := client.WriteMessage(MessageBinary, msg); err != nil {
					b.Fatal(err)
				}
				_, m, err := client.ReadMessage(buf[:0])
				if err != nil {
					b.Fatal(err)
				}
				buf = m
			}
			client.CloseNow()
			server.CloseNow()
		})
	}
}
