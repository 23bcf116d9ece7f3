package websocket

import (
	"net/netip"
	"strconv"
	"strings"
)

// endsInNumber reports whether the last label of a domain (a trailing dot
// aside) is a number, decimal or 0x hex: the URL standard then parses the
// domain as an IPv4 address, or refuses it.
func endsInNumber(domain string) bool {
	labels := strings.Split(domain, ".")
	if len(labels) > 1 && labels[len(labels)-1] == "" {
		labels = labels[:len(labels)-1]
	}
	last := labels[len(labels)-1]
	if last == "" {
		return false
	}
	if strings.Trim(last, "0123456789") == "" {
		return true
	}
	if hex, ok := strings.CutPrefix(strings.ToLower(last), "0x"); ok {
		return strings.Trim(hex, "0123456789abcdef") == "" // "0x" alone too
	}
	return false
}

// parseIPv4 is the URL standard's IPv4 parser: up to four parts, each
// decimal, 0x hex or 0 octal, the last filling the bytes the others leave
// ("127.1", "0x7f000001", "2130706433" are all 127.0.0.1). It returns the
// address in dotted decimal.
func parseIPv4(s string) (string, bool) {
	parts := strings.Split(s, ".")
	if len(parts) > 1 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	if len(parts) > 4 {
		return "", false
	}
	var addr uint64
	for i, p := range parts {
		n, ok := parseIPv4Number(p)
		if !ok {
			return "", false
		}
		if i < len(parts)-1 {
			if n > 255 {
				return "", false
			}
			addr |= n << (8 * (3 - i))
			continue
		}
		if n >= 1<<(8*(5-len(parts))) {
			return "", false
		}
		addr |= n
	}
	a := netip.AddrFrom4([4]byte{byte(addr >> 24), byte(addr >> 16), byte(addr >> 8), byte(addr)})
	return a.String(), true
}

// parseIPv4Number parses one part of an IPv4 address: "0x" or "0X" then
// hex digits (none is 0), a leading "0" then octal digits, or decimal
// digits. It fails on a value over 2^32 as on a bad digit, which changes
// nothing for parseIPv4, where no part may be that large; it is not the
// test of whether a label is a number (endsInNumber).
func parseIPv4Number(s string) (uint64, bool) {
	if s == "" {
		return 0, false
	}
	base := 10
	switch {
	case strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X"):
		s, base = s[2:], 16
	case len(s) > 1 && s[0] == '0':
		s, base = s[1:], 8
	}
	if s == "" {
		return 0, true
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		d := unhex(s[i])
		if d < 0 || d >= base {
			return 0, false
		}
		if n = n*uint64(base) + uint64(d); n > 1<<32 {
			return 0, false
		}
	}
	return n, true
}

// serializeIPv6 writes an IPv6 address as the URL standard does: eight
// lowercase hex pieces without leading zeros, the first longest run of two
// or more zero pieces as "::", and never a dotted IPv4 tail (net/netip
// writes "::ffff:1.2.3.4"; browsers write "::ffff:102:304").
func serializeIPv6(a netip.Addr) string {
	b16 := a.As16()
	var pieces [8]uint16
	for i := range pieces {
		pieces[i] = uint16(b16[2*i])<<8 | uint16(b16[2*i+1])
	}
	start, length := -1, 1
	for i := 0; i < 8; {
		if pieces[i] != 0 {
			i++
			continue
		}
		j := i
		for j < 8 && pieces[j] == 0 {
			j++
		}
		if j-i > length {
			start, length = i, j-i
		}
		i = j
	}
	var sb strings.Builder
	for i := 0; i < 8; i++ {
		if i == start {
			sb.WriteString("::")
			i += length - 1
			continue
		}
		if i > 0 && i != start+length {
			sb.WriteByte(':')
		}
		sb.WriteString(strconv.FormatUint(uint64(pieces[i]), 16))
	}
	return sb.String()
}
