package emulator

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/photosync/photosync/internal/media"
)

// defaultThumbnailSize bounds the image a bare base URL returns. Google
// returns a small image for a base URL without parameters, and 512 pixels
// is the emulator's choice.
const defaultThumbnailSize = 512

// maxImageParam bounds w and h, as Google caps them at 16383.
const maxImageParam = 16383

// imageParams are the options after "=" in a base URL.
type imageParams struct {
	width, height int
	crop          bool
	download      bool
	video         bool
}

// parseImageParams parses "w100-h200-c", "d" or "dv".
func parseImageParams(s string) (imageParams, error) {
	var p imageParams
	if s == "" {
		return p, nil
	}
	for _, part := range strings.Split(s, "-") {
		switch {
		case part == "c":
			p.crop = true
		case part == "d":
			p.download = true
		case part == "dv":
			p.video = true
		case len(part) > 1 && (part[0] == 'w' || part[0] == 'h'):
			n, err := strconv.Atoi(part[1:])
			if err != nil || n <= 0 || n > maxImageParam {
				return p, fmt.Errorf("invalid size %q: use w or h with 1 to %d pixels", part, maxImageParam)
			}
			if part[0] == 'w' {
				p.width = n
			} else {
				p.height = n
			}
		default:
			return p, fmt.Errorf("unknown base URL parameter %q: use wN, hN, c, d or dv", part)
		}
	}
	return p, nil
}

// serveDownload serves a base URL. It needs no Authorization header: the
// URL is the capability, signed and valid for 60 minutes of emulator clock.
func (s *Server) serveDownload(w http.ResponseWriter, r *http.Request) {
	s.counters.record(methodDownload)
	handled, dropAfter := s.faults.apply(w, r, methodDownload)
	if handled {
		return
	}
	token, paramText, _ := strings.Cut(r.PathValue("token"), "=")
	ref, err := s.parseBaseURLToken(token)
	if err != nil {
		http.Error(w, "Not found: "+err.Error(), http.StatusNotFound)
		return
	}
	params, err := parseImageParams(paramText)
	if err != nil {
		http.Error(w, "Bad request: "+err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	now := s.nowLocked()
	if !now.Before(ref.expiry) {
		s.mu.Unlock()
		http.Error(w, "Forbidden: the base URL expired after 60 minutes; get the media item again for a fresh one.", http.StatusForbidden)
		return
	}
	it, ok := s.st.Items[ref.itemID]
	var snapshot item
	if ok {
		snapshot = *it
	}
	quotaErr := s.chargeDownloadLocked(ref.clientID, now)
	processing := snapshot.Video && now.Before(snapshot.UploadTime.Add(s.opts.VideoProcessingTime))
	s.saveOrLogLocked()
	s.mu.Unlock()
	switch {
	case !ok:
		http.Error(w, "Not found: the media item no longer exists.", http.StatusNotFound)
		return
	case quotaErr != nil:
		writeAPIError(w, quotaErr)
		return
	case params.video && !snapshot.Video:
		http.Error(w, "Bad request: =dv is only for videos.", http.StatusBadRequest)
		return
	case params.video && processing:
		http.Error(w, "Not found: the video is still processing.", http.StatusNotFound)
		return
	}
	body, mime, err := s.renderDownload(&snapshot, params)
	if err != nil {
		http.Error(w, "Internal error: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", mime)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Header().Set("Cache-Control", "private, max-age=86400")
	if r.Method == http.MethodHead {
		w.WriteHeader(http.StatusOK)
		return
	}
	if dropAfter > 0 && dropAfter < int64(len(body)) {
		w.WriteHeader(http.StatusOK)
		w.Write(body[:dropAfter])
		http.NewResponseController(w).Flush()
		abortConnection()
	}
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

// renderDownload produces the bytes a base URL with params returns.
func (s *Server) renderDownload(it *item, p imageParams) ([]byte, string, error) {
	data, err := s.blobs.get(it.SHA256)
	if err != nil {
		return nil, "", fmt.Errorf("read media item %s: %w", it.ID, err)
	}
	switch {
	case p.video:
		return data, it.MimeType, nil
	case it.Video:
		// NOTE: the emulator cannot decode video frames, so image
		// parameters on a video return a grey placeholder of the right
		// size in place of a thumbnail.
		w, h := fitBox(int(it.Width), int(it.Height), orDefault(p.width), orDefault(p.height), p.crop)
		out, err := placeholderJPEG(w, h)
		return out, "image/jpeg", err
	case p.download && p.width == 0 && p.height == 0:
		return downloadPhoto(data)
	}
	w, h := p.width, p.height
	if w == 0 && h == 0 {
		w, h = defaultThumbnailSize, defaultThumbnailSize
	}
	out, mime, err := resizePhoto(data, w, h, p.crop && w > 0 && h > 0)
	if errors.Is(err, media.ErrNoDecoder) {
		// NOTE: formats internal/media cannot decode (HEIC, AVIF, RAW)
		// get a grey placeholder of the right size.
		pw, ph := fitBox(int(it.Width), int(it.Height), w, h, p.crop)
		out, err = placeholderJPEG(pw, ph)
		mime = "image/jpeg"
	}
	if err != nil {
		return nil, "", fmt.Errorf("resize media item %s: %w", it.ID, err)
	}
	return out, mime, nil
}

func orDefault(n int) int {
	if n == 0 {
		return defaultThumbnailSize
	}
	return n
}
