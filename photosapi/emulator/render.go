package emulator

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash"
	"slices"
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

// baseURLSigner is an HMAC-SHA256 keyed with the state's secret, with
// scratch space for building one base URL.
type baseURLSigner struct {
	mac  hash.Hash
	sum  [sha256.Size]byte
	raw  []byte
	text []byte
}

// sign returns the first 16 bytes of the HMAC of a token's payload. They
// stay valid until the next call.
func (sg *baseURLSigner) sign(payload []byte) []byte {
	sg.mac.Reset()
	sg.mac.Write(payload)
	return sg.mac.Sum(sg.sum[:0])[:16]
}

// appendBaseURLToken returns prefix followed by a token that signs an item
// id, the client it was handed to and an expiry, so that fetching the base
// URL needs no lookup table and no Authorization header. The client pays
// the media-bytes quota for the fetch. The token is the 16-byte signature
// followed by the payload, base64url-encoded.
func (s *Server) appendBaseURLToken(prefix, itemID, clientID string, expiry time.Time) string {
	sg := s.signers.Get().(*baseURLSigner)
	raw := slices.Grow(sg.raw[:0], 16+9+len(itemID)+len(clientID))[:16+9]
	binary.BigEndian.PutUint64(raw[16:], uint64(expiry.Unix()))
	raw[24] = byte(len(itemID))
	raw = append(raw, itemID...)
	raw = append(raw, clientID...)
	copy(raw, sg.sign(raw[16:]))
	text := append(sg.text[:0], prefix...)
	text = base64.RawURLEncoding.AppendEncode(text, raw)
	url := string(text)
	sg.raw, sg.text = raw, text
	s.signers.Put(sg)
	return url
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
	sg := s.signers.Get().(*baseURLSigner)
	valid := hmac.Equal(sig, sg.sign(payload))
	s.signers.Put(sg)
	if !valid {
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
	return c.s.appendBaseURLToken(c.baseURLPrefix, itemID, c.clientID, c.now.Add(baseURLLifetime))
}
