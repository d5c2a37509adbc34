package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/internal/testdb"
)

// BenchmarkQueueComplete times the dispatcher's completion statement
// alone: batches of 100 results (90 successes, 10 HTTP 503s, durations
// 20 to 69 ms) for one endpoint (a drain) and over 20 (a fan-out).
// Publishing and claiming are not timed. It runs against the PostgreSQL
// of TEST_DATABASE_URL.
func BenchmarkQueueComplete(b *testing.B) {
	for _, endpoints := range []int{1, 20} {
		b.Run(fmt.Sprintf("endpoints=%d", endpoints), func(b *testing.B) { benchComplete(b, endpoints) })
	}
}

func benchComplete(b *testing.B, endpoints int) {
	ctx := context.Background()
	st, err := store.New(testdb.New(b), store.Options{EncryptionKey: testdb.Key})
	if err != nil {
		b.Fatal(err)
	}
	const batch = 100
	if _, err := st.UserCreate(ctx, store.NewUser{ID: "user_bench", Email: "bench@example.com"}); err != nil {
		b.Fatal(err)
	}
	for range endpoints {
		if _, _, err := st.EndpointCreate(ctx, apiActor, store.NewEndpoint{UserID: "user_bench", URL: "https://93.184.215.14/", Events: []string{"comment.added"}, Enabled: true}); err != nil {
			b.Fatal(err)
		}
	}
	noPhases := [4]int32{store.NoPhase, store.NoPhase, store.NoPhase, store.NoPhase}
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		publishMany(b, st, "user_bench", batch/endpoints)
		now := time.Now().UTC()
		token := int64(i + 1)
		claimed, err := st.QueueClaim(ctx, store.Claim{Token: token, Max: batch, Now: now, LeaseUntil: now.Add(time.Minute)})
		if err != nil || len(claimed) != batch {
			b.Fatalf("claimed %d: %v", len(claimed), err)
		}
		results := make([]store.Result, len(claimed))
		for j, c := range claimed {
			r := store.Result{DeliveryID: c.ID, EndpointID: c.EndpointID, Token: token, Number: 1, StartedAt: now, DurationMs: int32(20 + j%50),
				StatusCode: 200, Outcome: "success", Status: "succeeded", AutoAttempts: 1, CompletedAt: &now, Phases: noPhases}
			if j%10 == 0 {
				r.StatusCode, r.Outcome, r.Error, r.Status, r.CompletedAt = 503, "http_error", "HTTP 503", "failed", &now
			}
			results[j] = r
		}
		b.StartTimer()
		ids, err := st.QueueComplete(ctx, results)
		if err != nil || len(ids) != batch {
			b.Fatalf("completed %d: %v", len(ids), err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*batch), "µs/result")
}
