package photosapi

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/photosync/photosync/photosapi/api"
)

// Download parameters for base URLs. Image sizes are written as
// "w2048-h1024", and "-c" appended crops to exactly that size.
const (
	ParamPhoto = "d"  // the full photo, with EXIF metadata except location
	ParamVideo = "dv" // the video bytes, transcoded by Google
)

// Download streams the bytes at baseURL + "=" + params to w and returns
// the number of bytes written. The request carries no Authorization
// header, because base URLs are capability URLs. An expired base URL
// fails with an error for which api.IsExpiredURL reports true: fetch the
// item again for a fresh one.
//
// A failure before the first byte reaches w is retried like a read. Once
// bytes were written Download returns the error, because w cannot take
// them back; the caller starts over with a fresh file.
func (c *Client) Download(ctx context.Context, baseURL, params string, w io.Writer) (int64, error) {
	const method = api.MethodDownload
	if baseURL == "" {
		return 0, invalid(method, "base URL is empty")
	}
	parsed, err := url.Parse(baseURL)
	if err != nil || parsed.Host == "" {
		return 0, invalid(method, "base URL %q is not an absolute URL; pass the item's baseUrl field", clipText(baseURL))
	}
	if parsed.RawQuery != "" || parsed.Fragment != "" {
		return 0, invalid(method, "base URL %q has a query or fragment, where the parameters would not apply; "+
			"pass the item's baseUrl field", clipText(baseURL))
	}
	if strings.Contains(path.Base(parsed.Path), "=") && params != "" {
		return 0, invalid(method, "base URL already has parameters after \"=\"; pass the bare base URL")
	}
	target := baseURL
	if params != "" {
		target += "=" + params
	}

	var written int64
	counter := &countingWriter{w: w}
	send := func(ctx context.Context) (*http.Response, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
		if err != nil {
			return nil, err
		}
		if c.opts.UserAgent != "" {
			req.Header.Set("User-Agent", c.opts.UserAgent)
		}
		return c.download.Do(req)
	}
	handle := func(resp *http.Response) (int64, error) {
		n, err := io.Copy(counter, resp.Body)
		written = counter.n
		if err != nil {
			return n, fmt.Errorf("read body after %d bytes: %w", written, err)
		}
		if resp.ContentLength >= 0 && n != resp.ContentLength {
			return n, fmt.Errorf("read body: got %d of %d bytes", n, resp.ContentLength)
		}
		return n, nil
	}
	err = c.retry(ctx, &request{
		method:    method,
		timeout:   c.opts.TransferTimeout,
		send:      send,
		handle:    handle,
		retryable: func() bool { return counter.n == 0 },
	})
	if err != nil {
		return counter.n, fmt.Errorf("download %s: %w", clipText(baseURL), err)
	}
	return written, nil
}

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (cw *countingWriter) Write(p []byte) (int, error) {
	n, err := cw.w.Write(p)
	cw.n += int64(n)
	return n, err
}
