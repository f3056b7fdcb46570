package emulator

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash"
	"strconv"
	"time"
)

// baseURLPath is the path prefix of base URLs on the emulator's own listener.
const baseURLPath = "/lh/"

// baseURLLifetime is how long a base URL works: 60 minutes, as Google
// documents.
const baseURLLifetime = 60 * time.Minute

// productURLPrefix is the shape of Google's product URLs. They are for
// people, so the emulator leaves them pointing at Google.
const productURLPrefix = "https://photos.google.com/lr/"

// baseURLToken signs an item id, the client it was handed to and an expiry
// into the last path segment of a base URL, so that fetching it needs no
// lookup table and no Authorization header. The client pays the media-bytes
// quota for the fetch. The token is the 16-byte signature followed by the
// payload, base64url-encoded.
func (s *Server) baseURLToken(itemID, clientID string, expiry time.Time) string {
	raw := make([]byte, 16+9, 16+9+len(itemID)+len(clientID))
	payload := raw[16:]
	binary.BigEndian.PutUint64(payload, uint64(expiry.Unix()))
	payload[8] = byte(len(itemID))
	payload = append(payload, itemID...)
	payload = append(payload, clientID...)
	sig := s.baseURLSignature(payload)
	copy(raw, sig[:])
	return base64.RawURLEncoding.EncodeToString(raw[:16+len(payload)])
}

// baseURLSignature returns the first 16 bytes of the HMAC-SHA256 of a base
// URL token's payload under the state's secret.
func (s *Server) baseURLSignature(payload []byte) [16]byte {
	mac := s.macs.Get().(hash.Hash)
	mac.Reset()
	mac.Write(payload)
	var sum [sha256.Size]byte
	mac.Sum(sum[:0])
	s.macs.Put(mac)
	return [16]byte(sum[:16])
}

// baseURLRef is the content of a base URL token.
type baseURLRef struct {
	itemID   string
	clientID string
	expiry   time.Time
}

// parseBaseURLToken checks a base URL token's signature and returns what
// it carries.
func (s *Server) parseBaseURLToken(token string) (baseURLRef, error) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) < 16+9 {
		return baseURLRef{}, fmt.Errorf("malformed base URL")
	}
	sig, payload := raw[:16], raw[16:]
	want := s.baseURLSignature(payload)
	if !hmac.Equal(sig, want[:]) {
		return baseURLRef{}, fmt.Errorf("base URL signature does not match")
	}
	idLen := int(payload[8])
	if len(payload) < 9+idLen {
		return baseURLRef{}, fmt.Errorf("malformed base URL")
	}
	return baseURLRef{
		expiry:   time.Unix(int64(binary.BigEndian.Uint64(payload[:8])), 0),
		itemID:   string(payload[9 : 9+idLen]),
		clientID: string(payload[9+idLen:]),
	}, nil
}

// renderItemLocked returns the wire form of an item, with a fresh base URL
// on the host the request came in on.
func (c *call) renderItemLocked(it *item) mediaItemJSON {
	s, now := c.s, c.now
	md := &mediaMetadataJSON{CreationTime: it.creationTime().UTC().Format(time.RFC3339)}
	if it.Width > 0 && it.Height > 0 {
		md.Width = strconv.FormatInt(it.Width, 10)
		md.Height = strconv.FormatInt(it.Height, 10)
	}
	if it.Video {
		status := "READY"
		if now.Before(it.UploadTime.Add(s.opts.VideoProcessingTime)) {
			status = "PROCESSING"
		}
		md.Video = &videoJSON{CameraMake: it.CameraMake, CameraModel: it.CameraModel, Fps: it.FPS, Status: status}
	} else {
		md.Photo = &photoJSON{
			CameraMake:      it.CameraMake,
			CameraModel:     it.CameraModel,
			FocalLength:     it.FocalLength,
			ApertureFNumber: it.ApertureFNumber,
			IsoEquivalent:   int32(it.ISOEquivalent),
		}
		if it.ExposureTime > 0 {
			md.Photo.ExposureTime = strconv.FormatFloat(it.ExposureTime, 'f', -1, 64) + "s"
		}
	}
	return mediaItemJSON{
		ID:            it.ID,
		Description:   it.Description,
		ProductURL:    productURLPrefix + "photo/" + it.ID,
		BaseURL:       c.baseURL(it.ID),
		MimeType:      it.MimeType,
		MediaMetadata: md,
		Filename:      it.Filename,
	}
}

// renderAlbumLocked returns the wire form of an album as the calling client
// sees it.
func (c *call) renderAlbumLocked(a *album) albumJSON {
	out := albumJSON{
		ID:          a.ID,
		Title:       a.Title,
		ProductURL:  productURLPrefix + "album/" + a.ID,
		IsWriteable: a.CreatorClientID == c.clientID,
	}
	if n := len(a.mediaItemIDs()); n > 0 {
		out.MediaItemsCount = strconv.Itoa(n)
	}
	cover := a.CoverPhotoMediaItemID
	if cover == "" {
		if ids := a.mediaItemIDs(); len(ids) > 0 {
			cover = ids[0]
		}
	}
	if it, ok := c.s.st.Items[cover]; ok {
		out.CoverPhotoMediaItemID = cover
		out.CoverPhotoBaseURL = c.baseURL(it.ID)
	}
	if a.Share != nil && c.s.opts.Legacy {
		out.ShareInfo = c.renderShareInfo(a)
	}
	return out
}

func (c *call) renderShareInfo(a *album) *shareInfoJSON {
	owned := a.CreatorClientID == c.clientID
	return &shareInfoJSON{
		SharedAlbumOptions: &sharedAlbumOptionsJSON{IsCollaborative: a.Share.IsCollaborative, IsCommentable: a.Share.IsCommentable},
		ShareableURL:       "https://photos.app.goo.gl/" + a.Share.ShareToken[:16],
		ShareToken:         a.Share.ShareToken,
		IsJoined:           owned || a.Share.Joined[c.clientID],
		IsOwned:            owned,
		IsJoinable:         true,
	}
}

// baseURL returns a fresh base URL for an item on the host the request came
// in on.
func (c *call) baseURL(itemID string) string {
	if c.baseURLPrefix == "" {
		c.baseURLPrefix = requestBase(c.r) + baseURLPath
	}
	return c.baseURLPrefix + c.s.baseURLToken(itemID, c.clientID, c.now.Add(baseURLLifetime))
}
