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
	handled, bodyFault := s.faults.applyDownload(w, r)
	if handled {
		return
	}

	it, params, e := s.resolveBaseURL(r)
	if e != nil {
		writeDownloadError(w, e)
		return
	}
	body, mime, err := s.renderDownload(&it, params)
	if err != nil {
		s.log.Error().Err(err).Str("media_id", it.ID).Msg("Cannot render a base-URL download")
		http.Error(w, "Internal error: "+err.Error(), http.StatusInternalServerError)
		return
	}

	w.Header().Set("Content-Type", mime)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Header().Set("Cache-Control", "private, max-age=86400")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	bodyFault.write(w, r, body)
}

// writeDownloadError sends a base-URL failure. Like Google's image server,
// the emulator sends plain text, except for quota errors, which come in the
// API's JSON shape.
func writeDownloadError(w http.ResponseWriter, e *apiError) {
	if e.Code == http.StatusTooManyRequests {
		writeAPIError(w, e)
		return
	}
	http.Error(w, e.Message, e.Code)
}

// resolveBaseURL checks a base URL's signature, expiry and parameters,
// charges the media-bytes quota and returns a copy of the item.
func (s *Server) resolveBaseURL(r *http.Request) (item, imageParams, *apiError) {
	token, paramText, _ := strings.Cut(r.PathValue("token"), "=")
	ref, err := s.parseBaseURLToken(token)
	if err != nil {
		return item{}, imageParams{}, &apiError{Code: http.StatusNotFound, Message: "Not found: " + err.Error()}
	}
	params, err := parseImageParams(paramText)
	if err != nil {
		return item{}, imageParams{}, &apiError{Code: http.StatusBadRequest, Message: "Bad request: " + err.Error()}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.nowLocked()
	if !now.Before(ref.expiry) {
		return item{}, params, &apiError{Code: http.StatusForbidden,
			Message: "Forbidden: the base URL expired after 60 minutes. Get the media item again for a fresh one."}
	}
	it, ok := s.st.Items[ref.itemID]
	if !ok {
		return item{}, params, &apiError{Code: http.StatusNotFound, Message: "Not found: no media item has this base URL."}
	}
	if e := s.chargeDownloadLocked(ref.clientID, now); e != nil {
		return item{}, params, e
	}
	s.dirty = true

	processing := it.Video && now.Before(it.UploadTime.Add(s.opts.VideoProcessingTime))
	switch {
	case params.video && !it.Video:
		return item{}, params, &apiError{Code: http.StatusBadRequest, Message: "Bad request: =dv is only for videos."}
	case params.video && processing:
		return item{}, params, &apiError{Code: http.StatusNotFound, Message: "Not found: the video is still processing."}
	}
	return *it, params, nil
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
