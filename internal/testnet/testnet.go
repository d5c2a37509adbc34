// Package testnet has network helpers for tests.
package testnet

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strings"
	"testing"
)

// ClosedAddr is a loopback address nothing listens on, so a connection to
// it is refused, and nothing will: its port is below the kernel's
// ephemeral range, which is where every listener on port 0 (httptest
// servers, the test apps) and every outgoing connection get theirs. A port
// taken from a listener on port 0 and closed again could be handed to the
// next such listener at once, and was: a test's "refused" endpoint then
// answered 503 from the test's own other server.
func ClosedAddr(t testing.TB) string {
	t.Helper()
	low := 32768
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		_, _ = fmt.Sscan(strings.TrimSpace(string(b)), &low)
	}
	const from = 10000
	if low <= from+100 {
		t.Fatalf("the ephemeral port range starts at %d; no port below it to use", low)
	}
	for range 100 {
		addr := fmt.Sprintf("127.0.0.1:%d", from+rand.IntN(low-from))
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			continue // in use
		}
		ln.Close()
		return addr
	}
	t.Fatal("no free port below the ephemeral range")
	return ""
}
