package main

import (
	"net"

	"golang.org/x/sys/unix"
)

// tcpBytes returns the bytes conn's socket has received and sent, read
// from the kernel's TCP_INFO: every byte of the WebSocket stream, frame
// headers and masks included, TCP and IP headers not. Sent is
// tcpi_bytes_sent less tcpi_bytes_retrans: a loaded machine delays acks
// enough, even on loopback, for tail loss probes to resend a segment now
// and then. Kernels before 4.19 have neither; there tcpi_bytes_acked
// stands in.
func tcpBytes(conn *net.TCPConn) (recv, sent int64, err error) {
	rc, err := conn.SyscallConn()
	if err != nil {
		return 0, 0, err
	}
	var info *unix.TCPInfo
	var infoErr error
	err = rc.Control(func(fd uintptr) {
		info, infoErr = unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO)
	})
	if err == nil {
		err = infoErr
	}
	if err != nil {
		return 0, 0, err
	}
	sent = int64(info.Bytes_sent - info.Bytes_retrans)
	if info.Bytes_sent == 0 {
		sent = int64(info.Bytes_acked)
	}
	return int64(info.Bytes_received), sent, nil
}
