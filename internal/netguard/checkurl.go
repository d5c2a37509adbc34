package netguard

import (
	"context"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// MaxURLLength is the longest endpoint URL CheckURL accepts.
const MaxURLLength = 2048

// lookupTimeout caps the DNS lookup CheckURL makes when the caller's context
// has no earlier deadline, so a slow resolver cannot hold a form submission.
const lookupTimeout = 5 * time.Second

// refusal is a CheckURL error: Error is a sentence fit to show the user, and
// Unwrap exposes ErrBlocked (or the underlying cause) to errors.Is.
type refusal struct {
	msg string
	err error
}

func (e *refusal) Error() string { return e.msg }
func (e *refusal) Unwrap() error { return e.err }

func invalid(msg string) error { return &refusal{msg: msg} }
func blocked(msg string) error { return &refusal{msg: msg, err: ErrBlocked} }

// CheckURL validates an endpoint URL for storage: absolute, scheme http or
// https (http only when AllowPrivate), a host present, no userinfo, at most
// MaxURLLength bytes, no fragment.
//
// Unless AllowPrivate, the host must be public: an IP literal (in any IPv4 or
// IPv6 spelling, IPv4-mapped included) must be a public address; a name must
// not be localhost or end in .localhost, .local or .internal, and every
// address it resolves to must be public. Numeric hosts that are not a
// standard dotted quad (2130706433, 0x7f.1, 127.1) are refused in every mode:
// resolvers disagree about what they mean.
//
// This is the store-time check that gives the user a clear message; the
// client from NewClient checks again at dial time, because DNS answers can
// change after this returns.
//
// It returns the normalized URL (scheme and host lowercased, IP literals in
// canonical form). Errors are user-facing sentences and wrap ErrBlocked when
// the reason is a non-public address.
func (p Policy) CheckURL(ctx context.Context, raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", invalid("URL is required")
	}
	if len(raw) > MaxURLLength {
		return "", invalid("URL must be at most " + strconv.Itoa(MaxURLLength) + " characters")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", invalid("URL is not valid")
	}
	if u.Scheme == "" {
		return "", invalid("URL must be absolute, like https://example.com/webhook")
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && p.AllowPrivate:
	case p.AllowPrivate:
		return "", invalid("URL must use http or https")
	default:
		return "", invalid("URL must use https")
	}
	if u.User != nil {
		return "", invalid("URL must not contain a user name or password")
	}
	// '#' can only appear in a URL as the fragment delimiter (elsewhere it
	// must be %23), so this also catches an empty fragment.
	if strings.Contains(raw, "#") {
		return "", invalid("URL must not contain a fragment (#...)")
	}
	if u.Opaque != "" || u.Host == "" {
		return "", invalid("URL must include a host")
	}
	port := u.Port()
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return "", invalid("URL port must be between 1 and 65535")
		}
	}
	name := strings.ToLower(u.Hostname())
	if name == "" {
		return "", invalid("URL must include a host")
	}

	host, err := p.checkHost(ctx, name)
	if err != nil {
		return "", err
	}
	if port != "" {
		host = net.JoinHostPort(host, port)
	} else if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	u.Host = host
	out := u.String()
	if len(out) > MaxURLLength {
		return "", invalid("URL must be at most " + strconv.Itoa(MaxURLLength) + " characters")
	}
	return out, nil
}

// checkHost checks a lowercased host (no brackets, no port) and returns its
// normalized form.
func (p Policy) checkHost(ctx context.Context, name string) (string, error) {
	if addr, err := netip.ParseAddr(name); err == nil {
		if addr.Zone() != "" {
			return "", invalid("URL host must not contain an IPv6 zone")
		}
		if !p.AllowPrivate && !isPublic(addr) {
			return "", blocked("URL must not point to a private, local or otherwise non-public address")
		}
		return addr.String(), nil
	}
	if looksNumeric(name) {
		return "", invalid("URL host must be a host name or a standard IP address")
	}
	if !validHostName(name) {
		return "", invalid("URL host is not a valid host name (use the xn-- form for international names)")
	}
	if p.AllowPrivate {
		return name, nil
	}

	bare := strings.TrimSuffix(name, ".")
	if bare == "localhost" || hasAnySuffix(bare, ".localhost", ".local", ".internal") {
		return "", blocked("URL must not point to a local host name (localhost, .local, .internal)")
	}

	lookup := p.Lookup
	if lookup == nil {
		lookup = defaultLookup
	}
	lctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	addrs, err := lookup(lctx, name)
	if err != nil {
		if ctx.Err() != nil {
			// The caller gave up (request cancelled); not the user's URL's fault.
			return "", &refusal{msg: "URL host could not be checked", err: ctx.Err()}
		}
		return "", &refusal{msg: "URL host does not resolve", err: err}
	}
	if len(addrs) == 0 {
		return "", invalid("URL host does not resolve")
	}
	for _, a := range addrs {
		if !isPublic(a.Unmap()) {
			return "", blocked("URL host resolves to a private, local or otherwise non-public address")
		}
	}
	return name, nil
}

func defaultLookup(ctx context.Context, host string) ([]netip.Addr, error) {
	return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
}

// isPublic reports whether the dialer would be allowed to connect to addr.
// It uses the same Guardian as the dialer. IPv4-mapped IPv6 literals are
// refused, as the library does, since they reach IPv4 through a spelling that
// naive checks miss.
func isPublic(addr netip.Addr) bool {
	return newGuardian().SafeAddr(addr) == nil
}

// looksNumeric reports whether host ends in a number, the rule the WHATWG URL
// standard uses to decide that a host is an IPv4 address: its last label
// (ignoring one trailing dot) is all decimal digits, or 0x followed by hex
// digits. Such a host that netip cannot parse is an unusual IPv4 spelling
// (2130706433, 0x7f.1, 127.1, 0177.0.0.1) that some resolvers turn into an
// address; no registered name ends in a number.
func looksNumeric(host string) bool {
	host = strings.TrimSuffix(host, ".")
	last := host[strings.LastIndexByte(host, '.')+1:]
	if last == "" {
		return false
	}
	if rest, ok := strings.CutPrefix(last, "0x"); ok {
		return strings.Trim(rest, "0123456789abcdef") == ""
	}
	return strings.Trim(last, "0123456789") == ""
}

// validHostName reports whether name (lowercased) is a plausible DNS name:
// ASCII letters, digits, '-' and '_', dot-separated labels of 1 to 63
// characters, at most 253 characters, one optional trailing dot.
func validHostName(name string) bool {
	name = strings.TrimSuffix(name, ".")
	if name == "" || len(name) > 253 {
		return false
	}
	for label := range strings.SplitSeq(name, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

func hasAnySuffix(s string, suffixes ...string) bool {
	for _, suf := range suffixes {
		if strings.HasSuffix(s, suf) {
			return true
		}
	}
	return false
}
