package netguard

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

// offlineLookup is a resolver that does no network I/O: a few fixed names,
// "no such host" for everything else. It fails the test if asked about a name
// that CheckURL must refuse without a lookup.
func offlineLookup(t *testing.T) func(context.Context, string) ([]netip.Addr, error) {
	fixed := map[string][]string{
		"public.example":      {"93.184.216.34"},
		"public.example.":     {"93.184.216.34"},
		"v6.example":          {"2606:4700::1111"},
		"dual.example":        {"93.184.216.34", "2606:4700::1111"},
		"mapped.example":      {"::ffff:93.184.216.34"}, // how LookupNetIP often returns A records
		"private.example":     {"10.0.0.1"},
		"rebind.example":      {"93.184.216.34", "127.0.0.1"},
		"metadata.example":    {"169.254.169.254"},
		"mapped-loop.example": {"::ffff:127.0.0.1"},
		"ula.example":         {"2606:4700::1111", "fd00::1"},
		"empty.example":       {},
	}
	return func(ctx context.Context, host string) ([]netip.Addr, error) {
		bare := strings.TrimSuffix(host, ".")
		if bare == "localhost" || hasAnySuffix(bare, ".localhost", ".local", ".internal") {
			t.Errorf("lookup called for %q, want refusal without lookup", host)
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		ips, ok := fixed[host]
		if !ok {
			return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
		}
		var out []netip.Addr
		for _, s := range ips {
			out = append(out, netip.MustParseAddr(s))
		}
		return out, nil
	}
}

func TestCheckURLRefusesPublicOnly(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		raw         string
		wantBlocked bool
		wantMsg     string // substring of the user-facing error
	}{
		{name: "http needs https", raw: "http://example.com/", wantMsg: "URL must use https"},
		{name: "http to public ip needs https", raw: "http://93.184.216.34/", wantMsg: "URL must use https"},
		{name: "ftp", raw: "ftp://x", wantMsg: "URL must use https"},
		{name: "javascript", raw: "javascript:alert(1)", wantMsg: "URL must use https"},
		{name: "not a url", raw: "not a url", wantMsg: "absolute"},
		{name: "relative path", raw: "/webhook", wantMsg: "absolute"},
		{name: "empty", raw: "", wantMsg: "required"},
		{name: "blank", raw: "   ", wantMsg: "required"},
		{name: "unparseable", raw: "https://exa mple.com/", wantMsg: "not valid"},
		{name: "userinfo", raw: "https://user:pw@example.com/", wantMsg: "user name or password"},
		{name: "user only", raw: "https://user@example.com/", wantMsg: "user name or password"},
		{name: "fragment", raw: "https://93.184.216.34/#frag", wantMsg: "fragment"},
		{name: "empty fragment", raw: "https://93.184.216.34/#", wantMsg: "fragment"},
		{name: "empty host", raw: "https:///path", wantMsg: "include a host"},
		{name: "scheme only", raw: "https://", wantMsg: "include a host"},
		{name: "port only", raw: "https://:443/", wantMsg: "include a host"},
		{name: "opaque", raw: "https:example.com", wantMsg: "include a host"},
		{name: "port zero", raw: "https://93.184.216.34:0/", wantMsg: "port"},
		{name: "port too large", raw: "https://93.184.216.34:65536/", wantMsg: "port"},
		{name: "too long", raw: "https://93.184.216.34/" + strings.Repeat("a", MaxURLLength), wantMsg: "at most 2048"},

		{name: "loopback v4", raw: "https://127.0.0.1/", wantBlocked: true},
		{name: "loopback v4 other", raw: "https://127.8.9.10:8443/", wantBlocked: true},
		{name: "loopback v6", raw: "https://[::1]/", wantBlocked: true},
		{name: "mapped loopback dotted", raw: "https://[::ffff:127.0.0.1]/", wantBlocked: true},
		{name: "mapped loopback hex", raw: "https://[::ffff:7f00:1]/", wantBlocked: true},
		{name: "mapped public", raw: "https://[::ffff:93.184.216.34]/", wantBlocked: true},
		{name: "v4-compatible loopback", raw: "https://[::127.0.0.1]/", wantBlocked: true},
		{name: "nat64 loopback", raw: "https://[64:ff9b::7f00:1]/", wantBlocked: true},
		{name: "6to4 loopback", raw: "https://[2002:7f00:1::]/", wantBlocked: true},
		{name: "private 10", raw: "https://10.0.0.1/", wantBlocked: true},
		{name: "private 172.16", raw: "https://172.16.5.4/", wantBlocked: true},
		{name: "private 192.168", raw: "https://192.168.1.1/", wantBlocked: true},
		{name: "metadata link-local", raw: "https://169.254.169.254/latest/meta-data/", wantBlocked: true},
		{name: "cgnat", raw: "https://100.64.0.1/", wantBlocked: true},
		{name: "unspecified v4", raw: "https://0.0.0.0/", wantBlocked: true},
		{name: "unspecified v6", raw: "https://[::]/", wantBlocked: true},
		{name: "multicast v4", raw: "https://224.0.0.1/", wantBlocked: true},
		{name: "multicast v6", raw: "https://[ff02::1]/", wantBlocked: true},
		{name: "broadcast", raw: "https://255.255.255.255/", wantBlocked: true},
		{name: "link-local v6", raw: "https://[fe80::1]/", wantBlocked: true},
		{name: "ula v6", raw: "https://[fc00::1]/", wantBlocked: true},
		{name: "ula v6 fd", raw: "https://[fd12:3456::1]/", wantBlocked: true},
		{name: "percent-encoded loopback", raw: "https://%31%32%37.0.0.1/", wantMsg: "not valid"},
		{name: "percent-encoded non-ascii", raw: "https://b%C3%BCcher.example/", wantMsg: "xn--"},

		{name: "zone", raw: "https://[fe80::1%25eth0]/", wantMsg: "zone"},
		{name: "decimal ip", raw: "https://2130706433/", wantMsg: "standard IP address"},
		{name: "hex ip", raw: "https://0x7f000001/", wantMsg: "standard IP address"},
		{name: "hex dotted", raw: "https://0x7f.1/", wantMsg: "standard IP address"},
		{name: "short dotted", raw: "https://127.1/", wantMsg: "standard IP address"},
		{name: "octal dotted", raw: "https://0177.0.0.1/", wantMsg: "standard IP address"},
		{name: "leading zero", raw: "https://010.0.0.1/", wantMsg: "standard IP address"},
		{name: "trailing dot ip", raw: "https://127.0.0.1./", wantMsg: "standard IP address"},
		{name: "uppercase hex", raw: "https://0X7F000001/", wantMsg: "standard IP address"},

		{name: "localhost", raw: "https://localhost/", wantBlocked: true},
		{name: "localhost uppercase", raw: "https://LocalHost:8443/", wantBlocked: true},
		{name: "localhost trailing dot", raw: "https://localhost./", wantBlocked: true},
		{name: "sub.localhost", raw: "https://foo.localhost/", wantBlocked: true},
		{name: "mdns .local", raw: "https://printer.local/", wantBlocked: true},
		{name: ".internal", raw: "https://metadata.google.internal/", wantBlocked: true},

		{name: "name resolving to private", raw: "https://private.example/", wantBlocked: true},
		{name: "name with one loopback answer", raw: "https://rebind.example/", wantBlocked: true},
		{name: "name resolving to metadata", raw: "https://metadata.example/", wantBlocked: true},
		{name: "name resolving to mapped loopback", raw: "https://mapped-loop.example/", wantBlocked: true},
		{name: "name with one ula answer", raw: "https://ula.example/", wantBlocked: true},
		{name: "name does not resolve", raw: "https://nowhere.example/", wantMsg: "URL host does not resolve"},
		{name: "name with no answers", raw: "https://empty.example/", wantMsg: "URL host does not resolve"},

		{name: "non-ascii name", raw: "https://bücher.example/", wantMsg: "xn--"},
		{name: "empty label", raw: "https://a..example/", wantMsg: "valid host name"},
		{name: "label too long", raw: "https://" + strings.Repeat("a", 64) + ".example/", wantMsg: "valid host name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := Policy{Lookup: offlineLookup(t)}
			got, err := p.CheckURL(t.Context(), tt.raw)
			if err == nil {
				t.Fatalf("CheckURL(%q) = %q, want error", tt.raw, got)
			}
			if got != "" {
				t.Errorf("CheckURL(%q) returned %q with an error, want empty", tt.raw, got)
			}
			if IsBlocked(err) != tt.wantBlocked {
				t.Errorf("CheckURL(%q) error %q: IsBlocked = %v, want %v", tt.raw, err, IsBlocked(err), tt.wantBlocked)
			}
			if tt.wantMsg != "" && !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("CheckURL(%q) error = %q, want it to contain %q", tt.raw, err, tt.wantMsg)
			}
			if strings.Contains(err.Error(), "netguard:") {
				t.Errorf("CheckURL(%q) error = %q, want a user-facing sentence", tt.raw, err)
			}
		})
	}
}

func TestCheckURLAcceptsPublic(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		raw  string
		want string
	}{
		{name: "public v4 literal", raw: "https://93.184.216.34/", want: "https://93.184.216.34/"},
		{name: "public v6 literal", raw: "https://[2606:4700::1111]/", want: "https://[2606:4700::1111]/"},
		{name: "v6 literal canonicalized", raw: "HTTPS://[2606:4700:0:0:0:0:0:1111]:8443/Hook", want: "https://[2606:4700::1111]:8443/Hook"},
		{name: "name lowercased, path kept", raw: "HTTPS://Public.Example/Hooks/In?Token=AbC", want: "https://public.example/Hooks/In?Token=AbC"},
		{name: "any port", raw: "https://public.example:8443/x", want: "https://public.example:8443/x"},
		{name: "empty port dropped", raw: "https://public.example:/x", want: "https://public.example/x"},
		{name: "trailing dot name", raw: "https://public.example./", want: "https://public.example./"},
		{name: "surrounding space trimmed", raw: "  https://public.example/  ", want: "https://public.example/"},
		{name: "v6 answer", raw: "https://v6.example/", want: "https://v6.example/"},
		{name: "dual stack answers", raw: "https://dual.example/", want: "https://dual.example/"},
		{name: "mapped public answer", raw: "https://mapped.example/", want: "https://mapped.example/"},
		{name: "numeric label not last", raw: "https://127.0.0.1.public.example/", want: "https://127.0.0.1.public.example/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			lookup := offlineLookup(t)
			p := Policy{Lookup: func(ctx context.Context, host string) ([]netip.Addr, error) {
				if host == "127.0.0.1.public.example" {
					return []netip.Addr{netip.MustParseAddr("93.184.216.34")}, nil
				}
				return lookup(ctx, host)
			}}
			got, err := p.CheckURL(t.Context(), tt.raw)
			if err != nil {
				t.Fatalf("CheckURL(%q) error = %v, want nil", tt.raw, err)
			}
			if got != tt.want {
				t.Errorf("CheckURL(%q) = %q, want %q", tt.raw, got, tt.want)
			}
		})
	}
}

func TestCheckURLAllowPrivate(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(srv.Close)

	tests := []struct {
		name    string
		raw     string
		want    string
		wantMsg string
	}{
		{name: "http loopback test server", raw: srv.URL + "/x", want: srv.URL + "/x"},
		{name: "https loopback", raw: "https://127.0.0.1/", want: "https://127.0.0.1/"},
		{name: "localhost name, no lookup", raw: "http://LOCALHOST:8080/hook", want: "http://localhost:8080/hook"},
		{name: "private", raw: "http://10.0.0.1/", want: "http://10.0.0.1/"},
		{name: "docker-style name, no lookup", raw: "http://receiver:9000/", want: "http://receiver:9000/"},
		{name: "ftp still refused", raw: "ftp://x/", wantMsg: "URL must use http or https"},
		{name: "userinfo still refused", raw: "http://u:p@127.0.0.1/", wantMsg: "user name or password"},
		{name: "fragment still refused", raw: "http://127.0.0.1/#x", wantMsg: "fragment"},
		{name: "decimal ip still refused", raw: "http://2130706433/", wantMsg: "standard IP address"},
		{name: "empty host still refused", raw: "http:///x", wantMsg: "include a host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := Policy{AllowPrivate: true, Lookup: func(_ context.Context, host string) ([]netip.Addr, error) {
				t.Errorf("lookup called for %q with AllowPrivate", host)
				return nil, errors.New("unexpected lookup")
			}}
			got, err := p.CheckURL(t.Context(), tt.raw)
			if tt.wantMsg != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantMsg) {
					t.Fatalf("CheckURL(%q) = %q, %v; want error containing %q", tt.raw, got, err, tt.wantMsg)
				}
				if IsBlocked(err) {
					t.Errorf("CheckURL(%q) error %q is IsBlocked with AllowPrivate", tt.raw, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("CheckURL(%q) error = %v, want nil", tt.raw, err)
			}
			if got != tt.want {
				t.Errorf("CheckURL(%q) = %q, want %q", tt.raw, got, tt.want)
			}
		})
	}
}

func TestCheckURLLookupBoundedByContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	p := Policy{Lookup: func(ctx context.Context, host string) ([]netip.Addr, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}}
	_, err := p.CheckURL(ctx, "https://public.example/")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("CheckURL with cancelled context error = %v, want context.Canceled", err)
	}
	if IsBlocked(err) {
		t.Errorf("CheckURL with cancelled context error %q is IsBlocked", err)
	}
}
