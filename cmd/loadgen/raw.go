package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/clipcabinet/webhooks/internal/netguard"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

// raw measures the ceiling a drain is compared with: --n signed POSTs sent
// straight to the receiver as fast as --concurrency clients can, through
// the client the server sends with (netguard.NewClient, private targets
// allowed, a keep-alive pool as large as the concurrency) and with the
// headers it sends, bodies of about --body bytes. It resets the receiver,
// gives it a fresh secret, and checks that every POST arrived and
// verified.
func raw(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("raw", flag.ContinueOnError)
	receiverURL := fs.String("receiver", "http://127.0.0.1:9100", "the loadgen receiver")
	n := fs.Int64("n", 50000, "POSTs to send")
	conc := fs.Int("concurrency", 64, "POSTs in flight (the server's default per-endpoint cap is 64)")
	size := fs.Int("body", 1024, "approximate body size")
	out := fs.String("out", "", "also write the results as key=value lines here")
	if err := fs.Parse(args); err != nil {
		return err
	}
	base := strings.TrimSuffix(*receiverURL, "/")
	secret := webhook.NewSecret()
	if err := receiverPost(base+"/control/reset", ""); err != nil {
		return err
	}
	if err := receiverPost(base+"/control/secret", secret); err != nil {
		return err
	}
	client := netguard.NewClient(netguard.ClientOptions{
		Policy: netguard.Policy{AllowPrivate: true}, MaxIdleConnsPerHost: *conc,
	})
	data := loadData(webhook.NewID("user_"), time.Now().UnixNano(), *size)
	hook := base + "/hook/raw"

	var sent, failed atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	for range *conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for sent.Add(1) <= *n && ctx.Err() == nil {
				if err := rawPost(ctx, client, hook, secret, data); err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err)
				}
			}
		}()
	}
	wg.Wait()
	secs := time.Since(start).Seconds()
	s, err := getCounts(ctx, base)
	if err != nil {
		return err
	}
	r := float64(*n-failed.Load()) / secs
	fmt.Fprintf(stdout, "raw: %d signed POSTs in %.2fs = %.0f/s, %d clients; failed %d; receiver: unique %d, invalid %d\n",
		*n, secs, r, *conc, failed.Load(), s.Unique, s.Invalid)
	if err := writeResult(*out, "rate", r, "failed", failed.Load(), "unique", s.Unique, "invalid", s.Invalid); err != nil {
		return err
	}
	if failed.Load() > 0 || s.Unique != *n || s.Invalid > 0 {
		return fmt.Errorf("raw: %d failed (first: %v), %d of %d arrived, %d invalid", failed.Load(), firstErr.Load(), s.Unique, *n, s.Invalid)
	}
	return nil
}

// rawPost sends one delivery as the dispatcher does (internal/dispatch
// send): a body rendered with a fresh delivery id, signed, the same
// headers, the response read to the end.
func rawPost(ctx context.Context, client *http.Client, url, secret string, data []byte) error {
	id := webhook.NewID("del_")
	body := webhook.RenderBody(webhook.EventRecordingCompleted, id, time.Now(), data)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	h := req.Header
	h["Content-Type"] = []string{webhook.ContentType}
	h["User-Agent"] = []string{webhook.UserAgent}
	h[webhook.HeaderEvent] = []string{webhook.EventRecordingCompleted}
	h[webhook.HeaderDelivery] = []string{id}
	h[webhook.HeaderSignature] = []string{webhook.Sign(secret, body)}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("receiver answered %s", resp.Status)
	}
	return nil
}
