package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aimskit/aimskit/aims/genai"
	"github.com/aimskit/aimskit/aims/ledger"
)

// Ratings are records too (a durable ledger write each). One client that
// rates its one answer over and over cannot write records without bound,
// filling the ledger and the disk every other person's turns are recorded
// on: an answer takes maxRatingsPerResponse ratings (a person may change
// their mind), later ones are refused and record nothing.
func TestRatingsOfOneAnswerAreBounded(t *testing.T) {
	ctx := context.Background()
	s, err := newService(ctx, filepath.Join(t.TempDir(), "data"))
	require.NoError(t, err)
	defer s.Close(ctx)
	h := s.routes()
	var out chatResponse
	require.NoError(t, call(h, "POST", "/v1/chat", chatRequest{ConversationID: "c1", Message: script[0]}, &out))
	accepted := 0
	for i := range 50 {
		rec := httptest.NewRecorder()
		body := fmt.Sprintf(`{"conversation_id":"c1","response_id":%q,"kind":"rating","rating":%d}`, out.ResponseID, 1-2*(i%2))
		h.ServeHTTP(rec, httptest.NewRequest("POST", "/v1/feedback", strings.NewReader(body)))
		if rec.Code == http.StatusOK {
			accepted++
		}
	}
	require.NoError(t, s.Close(ctx))
	ratings := 0
	require.NoError(t, ledger.Scan(s.ledgerDir, func(sr ledger.ScannedRecord) error {
		if rec, err := genai.ParseRecord(sr.Record); err == nil && rec.Feedback != nil && rec.Feedback.Kind == genai.FeedbackRating {
			ratings++
		}
		return nil
	}))
	assert.Equal(t, accepted, ratings, "every accepted rating is recorded, no refused one")
	assert.LessOrEqual(t, ratings, 3, "50 ratings of one answer were all recorded")
	assert.Positive(t, ratings)
}
