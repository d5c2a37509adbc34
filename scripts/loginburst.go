//go:build ignore

// loginburst measures item 1 of issue 11 against a running server: the
// server's memory (VmRSS, VmHWM from /proc) before and after a burst of
// wrong logins and sign-ups, and how long a real user's login takes while
// the burst is on. The server must trust 127.0.0.1 as a proxy
// (CLIPCABINET_TRUSTED_PROXIES=127.0.0.1), so each request can say which
// client it stands for.
//
//	go run scripts/loginburst.go -url http://127.0.0.1:8080 -pid $(pgrep ...) \
//	    -email admin@example.com -password ... [-spread]
//
// -spread gives every attacking request its own address (the worst case:
// no address limit applies); without it they all come from one address.
package main

import (
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:8080", "server")
	pid := flag.Int("pid", 0, "server process id")
	email := flag.String("email", "", "a real user's email")
	password := flag.String("password", "", "their password")
	logins := flag.Int("logins", 40, "simultaneous wrong logins")
	signups := flag.Int("signups", 40, "simultaneous sign-ups")
	spread := flag.Bool("spread", false, "every attacking request from its own address")
	flag.Parse()

	client := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	post := func(path, xff string, form url.Values) (int, time.Duration) {
		req, _ := http.NewRequest("POST", *base+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", xff)
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 0, time.Since(start)
		}
		resp.Body.Close()
		return resp.StatusCode, time.Since(start)
	}
	realUser := func() (int, time.Duration) {
		return post("/login", "198.51.100.9", url.Values{"email": {*email}, "password": {*password}})
	}

	// The real user has logged in from their address before.
	if code, _ := realUser(); code != http.StatusSeeOther {
		fmt.Fprintf(os.Stderr, "the real user's login answers %d before the burst\n", code)
		os.Exit(1)
	}
	time.Sleep(500 * time.Millisecond)
	rssBefore, _ := mem(*pid)
	fmt.Printf("before: VmRSS %d MiB\n", rssBefore>>10)

	var mu sync.Mutex
	counts := map[string]map[int]int{"login": {}, "signup": {}}
	var wg sync.WaitGroup
	startGate := make(chan struct{})
	attacker := func(i int) string {
		if *spread {
			return fmt.Sprintf("203.0.%d.%d", i/250, i%250+1)
		}
		return "203.0.113.7"
	}
	for i := range *logins + *signups {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-startGate
			kind, path := "login", "/login"
			form := url.Values{"email": {fmt.Sprintf("guess%d@example.com", i)}, "password": {"wrong password!"}}
			if i >= *logins {
				kind, path = "signup", "/signup"
				form = url.Values{"email": {fmt.Sprintf("burst%d-%d@example.com", time.Now().UnixNano(), i)}, "password": {"a long enough password"}}
			}
			code, _ := post(path, attacker(i), form)
			mu.Lock()
			counts[kind][code]++
			mu.Unlock()
		}()
	}
	peak := int64(0)
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
				if r, _ := mem(*pid); r > peak {
					peak = r
				}
			}
		}
	}()
	close(startGate)
	time.Sleep(20 * time.Millisecond) // the burst is in
	code, took := realUser()
	wg.Wait()
	close(stop)
	rssAfter, hwm := mem(*pid)
	fmt.Printf("burst: %d wrong logins (%s), %d sign-ups (%s)\n", *logins, fmtCounts(counts["login"]), *signups, fmtCounts(counts["signup"]))
	fmt.Printf("real user's login during the burst: %d in %s\n", code, took.Round(time.Millisecond))
	fmt.Printf("after: VmRSS %d MiB (peak sampled %d MiB, VmHWM %d MiB)\n", rssAfter>>10, peak>>10, hwm>>10)
}

func fmtCounts(m map[int]int) string {
	var parts []string
	for code, n := range m {
		parts = append(parts, fmt.Sprintf("%d×%d", n, code))
	}
	return strings.Join(parts, ", ")
}

// mem is the process's VmRSS and VmHWM in KiB.
func mem(pid int) (rss, hwm int64) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		var v int64
		if n, _ := fmt.Sscanf(line, "VmRSS: %d kB", &v); n == 1 {
			rss = v
		}
		if n, _ := fmt.Sscanf(line, "VmHWM: %d kB", &v); n == 1 {
			hwm = v
		}
	}
	return rss, hwm
}
