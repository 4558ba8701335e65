package web

import (
	"net/http"
	"strings"
	"testing"
)

// TestGoogleHookHostile: a body is refused before anything is looked up;
// without push the webhook is 404; a flood from one address is throttled.
// (Channels and tokens are checked end to end in cmd's TestGooglePush.)
func TestGoogleHookHostile(t *testing.T) {
	e := newEnv(t, func(e *env) { e.srv.HookLimit = Limit{Rate: 0.001, Burst: 3} })
	post := func(body string) int {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, e.ts.URL+"/hooks/google", strings.NewReader(body))
		req.Header.Set("X-Goog-Channel-ID", "plan=0123")
		req.Header.Set("X-Goog-Resource-State", "exists")
		res, err := e.client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if got := post("{}"); got != http.StatusRequestEntityTooLarge {
		t.Errorf("a body: %d, want 413", got)
	}
	if got := post(""); got != http.StatusNotFound {
		t.Errorf("no push configured: %d, want 404", got)
	}
	if got := post(""); got != http.StatusNotFound {
		t.Errorf("no push configured: %d, want 404", got)
	}
	if got := post(""); got != http.StatusTooManyRequests {
		t.Errorf("over the limit: %d, want 429", got)
	}
}
