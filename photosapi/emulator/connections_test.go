package emulator

import (
	"net/http"
	"testing"
)

// The requests counters report the TCP connections the emulator accepted,
// so that a test can see whether a client reuses its connections.
func TestInspectCountsConnections(t *testing.T) {
	env := startEnv(t, Options{})
	var start requestsJSON
	env.inspect("GET", "requests", nil, &start)

	// The environment's client keeps its connection alive, so these
	// requests add no connection.
	for range 3 {
		env.do("GET", "/v1/albums", nil)
	}
	var reused requestsJSON
	env.inspect("GET", "requests", nil, &reused)
	if reused.Connections != start.Connections {
		t.Errorf("connections went from %d to %d over a kept-alive connection", start.Connections, reused.Connections)
	}

	// A client without keep-alive dials once per request.
	closing := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	for range 3 {
		resp, err := closing.Get(env.run.URL + "/emulator/v1/requests")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	var dialed requestsJSON
	env.inspect("GET", "requests", nil, &dialed)
	if got := dialed.Connections - reused.Connections; got != 3 {
		t.Errorf("three requests without keep-alive added %d connections, want 3", got)
	}
}
