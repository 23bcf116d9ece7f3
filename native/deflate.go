package native

import (
	"bytes"
	"compress/flate"
	"errors"
	"io"
	"sync"
)

// deflateTail is the empty stored block a sync flush ends with: RFC 7692
// §7.2.1 strips it from each compressed message and §7.2.2 puts it back.
// inflateTail adds an empty final block after it, so that a whole message
// ends in io.EOF and a truncated one in an error.
var inflateTail = []byte{0x00, 0x00, 0xff, 0xff, 0x01, 0x00, 0x00, 0xff, 0xff}

// rsv1 is the RSV1 bit of a header's rsv field: "compressed" (§6).
const rsv1 = 4

// ErrInflate is the violation of a compressed message that does not
// decompress (RFC 7692 §6.2: the connection is failed).
var ErrInflate = newViolation(StatusProtocolError, "Failed to inflate a compressed message")

// sliceWriter is an io.Writer that appends to b: the flate writers write
// into the frame buffer through it.
type sliceWriter struct{ b []byte }

func (s *sliceWriter) Write(p []byte) (int, error) {
	s.b = append(s.b, p...)
	return len(p), nil
}

// pooledDeflater is a flate.Writer with its sink. It costs about 1.2 MB at
// BestSpeed, 0.8 MB at level 2 and 0.7 MB Huffman-only: compress/flate
// allocates its hash tables whatever the level. That is why it is pooled,
// and kept by a connection only under context takeover.
type pooledDeflater struct {
	fw   *flate.Writer
	sink sliceWriter
}

// deflaterPools hold pooledDeflaters by use: [poolSpeed] BestSpeed, for
// messages compressed on their own; [poolHuffman] Huffman-only, for a peer
// that limits our window; [poolTakeover] level 2, kept by a connection for
// its whole life under context takeover, since BestSpeed matches only
// against the previous flush and sends flushes under 128 bytes without
// matches at all, so small messages would gain nothing from the context.
// A pooled writer is never shared by two messages at once.
var deflaterPools = [3]sync.Pool{
	poolSpeed:    {New: func() any { return newPooledDeflater(flate.BestSpeed) }},
	poolHuffman:  {New: func() any { return newPooledDeflater(flate.HuffmanOnly) }},
	poolTakeover: {New: func() any { return newPooledDeflater(flate.BestSpeed + 1) }},
}

const (
	poolSpeed = iota
	poolHuffman
	poolTakeover
)

func newPooledDeflater(level int) *pooledDeflater {
	d := &pooledDeflater{}
	d.fw, _ = flate.NewWriter(&d.sink, level) // the level is valid
	return d
}

// deflater compresses the messages one connection sends.
type deflater struct {
	// huffmanOnly: the peer limited our window under 15 bits, which
	// compress/flate cannot honour but by finding no matches at all: such
	// output is valid for every window (and needs no context).
	huffmanOnly bool
	// takeover: the compression context is kept between messages
	// (CompressionContextTakeover, unless the peer asked for
	// no_context_takeover).
	takeover bool
	// threshold: messages shorter than this go out uncompressed.
	threshold int
	own       *pooledDeflater // takeover: this connection's writer, from the pool at first use
}

// compress appends the compressed form of p (without the 4-byte tail) to
// dst.
func (d *deflater) compress(dst, p []byte) []byte {
	pd := d.own
	if pd == nil {
		pd = deflaterPools[d.pool()].Get().(*pooledDeflater)
		if !d.huffmanOnly {
			// Forget the last user's context. Huffman-only output
			// refers to no context, so that writer is never reset (a
			// reset costs as much as clearing 640 KB of tables).
			pd.fw.Reset(&pd.sink)
		}
		if d.pool() == poolTakeover {
			d.own = pd
		}
	}
	pd.sink.b = dst
	pd.fw.Write(p) // a sliceWriter never fails
	pd.fw.Flush()
	out := pd.sink.b
	pd.sink.b = nil
	if d.own == nil {
		deflaterPools[d.pool()].Put(pd)
	}
	// Flush ends with the empty stored block 00 00 ff ff (§7.2.1).
	return out[:len(out)-4]
}

// pool is the index in deflaterPools of the writers d uses.
func (d *deflater) pool() int {
	switch {
	case d.huffmanOnly:
		return poolHuffman
	case d.takeover:
		return poolTakeover
	}
	return poolSpeed
}

// release returns a kept writer to the pool when the connection ends.
func (d *deflater) release() {
	if d.own != nil {
		deflaterPools[poolTakeover].Put(d.own)
		d.own = nil
	}
}

// inflaterPool holds flate readers (about 40 KB each, most of it their
// 32 KB window), shared by every connection: a reader is taken for one
// message and given back.
var inflaterPool sync.Pool

// inflater decompresses the messages one connection receives.
type inflater struct {
	// takeover: the peer keeps its context between messages, so the last
	// windowSize bytes of what we inflated are kept as the next message's
	// dictionary. This window (2 x windowSize, allocated at the first
	// compressed message) is the only per-connection memory of inflating.
	takeover   bool
	windowSize int
	window     []byte
	src        bytes.Reader
}

// inflate decompresses one message and appends it to dst. compressed is
// the message's payload followed by inflateTail. Past limit decompressed bytes it stops with
// ErrMessageTooBig, having allocated at most limit plus one growth step,
// so a compression bomb costs no more than an honest message.
func (f *inflater) inflate(dst []byte, compressed []byte, limit int64) ([]byte, error) {
	f.src.Reset(compressed)
	var dict []byte
	if f.takeover && len(f.window) > 0 {
		dict = f.window[max(0, len(f.window)-f.windowSize):]
	}
	var r io.ReadCloser
	if v := inflaterPool.Get(); v != nil {
		r = v.(io.ReadCloser)
		r.(flate.Resetter).Reset(&f.src, dict)
	} else {
		r = flate.NewReaderDict(&f.src, dict)
	}
	defer func() {
		// Let go of this connection's bytes before another takes it.
		r.(flate.Resetter).Reset(eofReader{}, nil)
		inflaterPool.Put(r)
	}()
	start := len(dst)
	for {
		if len(dst) == cap(dst) {
			// dst is full: the message may be over. Probe with one byte
			// before growing, so a caller whose buffer fits the message
			// exactly does not reallocate for every message.
			var one [1]byte
			k, err := r.Read(one[:])
			if k == 0 && err == io.EOF {
				break
			}
			// A byte past the limit decides, even if the input turns
			// corrupt after it: the reader hands both over at once.
			n := int64(len(dst) - start)
			if k == 1 && n >= limit {
				return dst[:start], ErrMessageTooBig
			}
			if err != nil && err != io.EOF {
				return dst[:start], inflateError(err)
			}
			// Geometric, from 4 KiB or four times the compressed
			// size, never past limit.
			room := max(int64(cap(dst)-start), 4<<10, 4*int64(len(compressed)))
			room = min(room, limit-n)
			grown := make([]byte, len(dst), len(dst)+int(room))
			copy(grown, dst)
			dst = append(grown, one[:k]...)
			if err == io.EOF {
				break
			}
			continue
		}
		k, err := r.Read(dst[len(dst):cap(dst)])
		dst = dst[:len(dst)+k]
		if int64(len(dst)-start) > limit {
			return dst[:start], ErrMessageTooBig
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return dst[:start], inflateError(err)
		}
	}
	if f.takeover {
		f.remember(dst[start:])
	}
	return dst, nil
}

// inflateError maps a flate reader's error: corrupt or truncated input is
// the peer's violation.
func inflateError(err error) error {
	var ce flate.CorruptInputError
	if errors.As(err, &ce) || err == io.ErrUnexpectedEOF {
		return ErrInflate
	}
	return err
}

// eofReader is an empty source for a pooled flate reader, so that the pool
// does not keep the last connection's buffers alive.
type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }
func (eofReader) ReadByte() (byte, error)  { return 0, io.EOF }

// gatherPool holds the buffers (as *[]byte) compressed messages are
// gathered in before they are inflated, so that an idle connection keeps
// none.
var gatherPool sync.Pool

// maxPooledGather is the largest gather buffer put back in gatherPool.
const maxPooledGather = 64 << 10

// getGather returns a holder with an empty buffer to gather a compressed
// message in.
func getGather() *[]byte {
	if v := gatherPool.Get(); v != nil {
		p := v.(*[]byte)
		*p = (*p)[:0]
		return p
	}
	return new([]byte)
}

// putGather gives a holder back with b as its buffer, unless b grew large.
func putGather(p *[]byte, b []byte) {
	if cap(b) <= maxPooledGather {
		*p = b[:0]
		gatherPool.Put(p)
	}
}

// remember adds a message's bytes to the takeover window. The buffer holds
// twice windowSize, so bytes are moved only when it fills.
func (f *inflater) remember(p []byte) {
	if f.window == nil {
		f.window = make([]byte, 0, 2*f.windowSize)
	}
	if len(p) >= f.windowSize {
		f.window = append(f.window[:0], p[len(p)-f.windowSize:]...)
		return
	}
	if len(f.window)+len(p) > cap(f.window) {
		keep := f.windowSize - len(p)
		f.window = f.window[:copy(f.window, f.window[len(f.window)-keep:])]
	}
	f.window = append(f.window, p...)
}

// newDeflateState sets up both directions of permessage-deflate for the
// negotiated parameters p, seen from our role.
func newDeflateState(p deflateParams, client bool, o ConnOptions) (*inflater, *deflater) {
	// Our compressor's parameters are the client_* ones on a client.
	ownNoTakeover, ownBits := p.serverNoContextTakeover, p.serverMaxWindowBits
	peerNoTakeover, peerBits := p.clientNoContextTakeover, p.clientMaxWindowBits
	if client {
		ownNoTakeover, ownBits, peerNoTakeover, peerBits = peerNoTakeover, peerBits, ownNoTakeover, ownBits
	}
	d := &deflater{
		huffmanOnly: ownBits > 0 && ownBits < 15,
		takeover:    o.Compression == CompressionContextTakeover && !ownNoTakeover,
		threshold:   o.CompressionThreshold,
	}
	switch {
	case d.threshold == 0:
		d.threshold = DefaultCompressionThreshold
	case d.threshold < 0:
		d.threshold = 0
	}
	f := &inflater{takeover: !peerNoTakeover, windowSize: 1 << 15}
	if peerBits > 0 {
		// zlib, which most peers use, takes 8 bits to mean 9.
		f.windowSize = 1 << max(peerBits, 9)
	}
	return f, d
}
