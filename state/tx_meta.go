package state

import "fmt"

// ForEachMeta calls fn for each setting whose key starts with prefix, in key
// order. An empty prefix visits every setting. In a write transaction fn may
// write settings.
func (tx *Tx) ForEachMeta(prefix string, fn func(key, value string) error) error {
	b, err := tx.bucket(bucketSettings)
	if err != nil {
		return fmt.Errorf("list meta %s: %w", prefix, err)
	}
	var p []byte
	if prefix != "" {
		p = []byte(prefix)
	}
	return tx.cursorWalk(b, p, func(k, v []byte) error {
		return fn(string(k), string(v))
	})
}
