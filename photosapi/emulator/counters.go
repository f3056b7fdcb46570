package emulator

import "sync"

// requestCounters counts requests by method for the inspection API.
type requestCounters struct {
	mu          sync.Mutex
	total       int
	byMethod    map[string]int
	uploadBytes int64
	// inFlight counts API requests whose handlers have not returned yet,
	// so a test can wait until a killed client's requests are finished.
	inFlight int
	// connections counts the TCP connections accepted, so that a test can
	// tell whether a client reuses its connections.
	connections int
}

func newRequestCounters() *requestCounters {
	return &requestCounters{byMethod: map[string]int{}}
}

func (c *requestCounters) record(method string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.total++
	c.byMethod[method]++
}

// begin marks an API request as started; the returned function marks it
// finished.
func (c *requestCounters) begin() func() {
	c.mu.Lock()
	c.inFlight++
	c.mu.Unlock()
	return func() {
		c.mu.Lock()
		c.inFlight--
		c.mu.Unlock()
	}
}

func (c *requestCounters) addConnection() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.connections++
}

func (c *requestCounters) addUploadBytes(n int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.uploadBytes += n
}

// requestsJSON is the body of GET /emulator/v1/requests.
type requestsJSON struct {
	Total       int            `json:"total"`
	ByMethod    map[string]int `json:"byMethod"`
	UploadBytes int64          `json:"uploadBytes"`
	InFlight    int            `json:"inFlight"`
	Connections int            `json:"connections"`
}

func (c *requestCounters) snapshot() requestsJSON {
	c.mu.Lock()
	defer c.mu.Unlock()
	by := make(map[string]int, len(c.byMethod))
	for k, v := range c.byMethod {
		by[k] = v
	}
	return requestsJSON{Total: c.total, ByMethod: by, UploadBytes: c.uploadBytes, InFlight: c.inFlight,
		Connections: c.connections}
}

func (c *requestCounters) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.total = 0
	c.byMethod = map[string]int{}
	c.uploadBytes = 0
	c.connections = 0
}
