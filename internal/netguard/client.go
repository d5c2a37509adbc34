package netguard

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"
)

// ClientOptions configures NewClient.
type ClientOptions struct {
	Policy Policy
	// MaxConnsPerHost caps connections (idle, active and dialling) per
	// host; 0 means unlimited.
	MaxConnsPerHost int
	// MaxIdleConnsPerHost is the keep-alive pool per host; 64 when 0.
	MaxIdleConnsPerHost int
	// UserAgent is not used by the transport; callers set the header.
	UserAgent string
}

const (
	defaultMaxIdleConnsPerHost = 64
	// maxIdleConns caps idle connections across all hosts, so thousands of
	// endpoints cannot pin thousands of file descriptors between attempts.
	maxIdleConns = 1024
)

// MaxResponseHeaderBytes caps a receiver's response headers; a larger
// answer fails the attempt (see IsHeaderTooLarge).
const MaxResponseHeaderBytes = 64 << 10

// IsHeaderTooLarge reports whether err is a response whose headers went
// over MaxResponseHeaderBytes.
func IsHeaderTooLarge(err error) bool {
	return err != nil && strings.Contains(err.Error(), "server response headers exceeded")
}

// NewClient returns the client deliveries are sent through.
//
// Unless o.Policy.AllowPrivate, every address the transport dials is checked
// in the dialer's Control function, after DNS resolution and just before
// connect, for IPv4 and IPv6 alike; a refused dial fails the request with an
// error for which IsBlocked is true. Checking there rather than before the
// request is what stops DNS rebinding: the IP checked is the IP connected to.
//
// The transport never takes a proxy from the environment (a proxy would dial
// on our behalf, unchecked), keeps connections alive per host, and does not
// ask for compression (bodies are read raw). The client never follows
// redirects: a 3xx is returned to the caller as the response.
//
// The client has no Timeout: callers bound each attempt, body read included,
// with a context deadline.
func NewClient(o ClientOptions) *http.Client {
	dialer := &net.Dialer{
		Timeout:   10 * time.Second,
		KeepAlive: 30 * time.Second,
	}
	if !o.Policy.AllowPrivate {
		g := newGuardian()
		dialer.Control = func(network, address string, c syscall.RawConn) error {
			if err := g.Safe(network, address, c); err != nil {
				return fmt.Errorf("%w: %w", ErrBlocked, err)
			}
			return nil
		}
	}

	idle := o.MaxIdleConnsPerHost
	if idle <= 0 {
		idle = defaultMaxIdleConnsPerHost
	}
	transport := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: 1 * time.Second,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConns:          max(maxIdleConns, idle),
		MaxIdleConnsPerHost:   idle,
		MaxConnsPerHost:       o.MaxConnsPerHost,
		DisableCompression:    true,
		// A receiver's headers are read whole before the body, whose
		// size the dispatcher caps; without this cap each could be 10 MiB
		// (net/http's default), and 40 such answers held 346 MiB.
		MaxResponseHeaderBytes: MaxResponseHeaderBytes,
	}
	return &http.Client{
		Transport: transport,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
