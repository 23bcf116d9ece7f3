package jsbridge

// The bounds of the byte slices a socket keeps for later messages: at most
// maxSpares of them, together at most maxSpareBytes.
const (
	maxSpares     = 16
	maxSpareBytes = 1 << 20
)

// spares are byte slices given back (WebSocket.Recycle) for later
// messages to be copied into. They are few and bounded, so a socket keeps
// at most maxSpareBytes for them.
type spares struct {
	free  [][]byte
	bytes int
}

// put keeps b for a later message, letting go of the oldest kept slices
// as the bounds require (they may be of a size messages no longer have).
func (s *spares) put(b []byte) {
	if cap(b) == 0 || cap(b) > maxSpareBytes {
		return
	}
	for len(s.free) == maxSpares || s.bytes+cap(b) > maxSpareBytes {
		s.bytes -= cap(s.free[0])
		last := copy(s.free, s.free[1:])
		s.free[last] = nil
		s.free = s.free[:last]
	}
	s.free = append(s.free, b[:0])
	s.bytes += cap(b)
}

// take returns a slice of length n: the most recently kept one with room
// for n bytes and no more than twice that (so a message its receiver keeps
// does not pin much more memory than itself), or a new one.
func (s *spares) take(n int) []byte {
	for i := len(s.free) - 1; n > 0 && i >= 0; i-- {
		if b := s.free[i]; cap(b) >= n && cap(b) <= 2*n {
			last := len(s.free) - 1
			s.free[i] = s.free[last]
			s.free[last] = nil
			s.free = s.free[:last]
			s.bytes -= cap(b)
			return b[:n]
		}
	}
	return make([]byte, n)
}
