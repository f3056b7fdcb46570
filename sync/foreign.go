package sync

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/photosync/photosync/photosapi/api"
)

// isInvalidItemID reports the error that batchAddMediaItems returns for an
// item this OAuth client did not create. Google is observed to keep one
// item per identical content, owned by the client that created it first
// (not documented), so a photo another app uploaded before photosync is
// such an item.
func isInvalidItemID(err error) bool {
	var e *api.Error
	return errors.As(err, &e) && e.Status == "INVALID_ARGUMENT" &&
		strings.Contains(strings.ToLower(e.Message), "invalid media item id")
}

// addByCreate puts the item of op's content into an album by sending the
// file's bytes again and creating the item in the album, which
// batchCreate allows for an item of another client where
// batchAddMediaItems does not. It returns op with the item id that the
// creation returned.
func (e *executor) addByCreate(ctx context.Context, albumID string, op Op) (Op, error) {
	e.s.log.Info().Str("folder", e.fr.cfg.Path).Str("path", op.Path).Str("media_id", op.MediaItemID).
		Str("album", albumID).Msg("item created by another app; uploading it again to add it to the album")
	u, err := e.journalStart(op, true)
	if err != nil {
		return op, err
	}
	token, err := e.send(ctx, op, &u)
	if err != nil {
		return op, err
	}
	results, err := e.s.opts.Remote.BatchCreate(ctx, albumID, []NewItem{{UploadToken: token, FileName: u.FileName}})
	if err != nil {
		return op, err
	}
	if len(results) != 1 {
		return op, fmt.Errorf("batchCreate returned %d results for 1 item", len(results))
	}
	if results[0].Err != nil {
		return op, results[0].Err
	}
	op.MediaItemID = results[0].MediaItemID
	return op, e.dropUpload(op.SHA256)
}
