package state

import "fmt"

// CountFiles returns the number of file records of folder, 0 for a folder
// without any. It reads the header of each page of the folder's bucket and
// decodes no record, so a caller can size a slice before ForEachFile.
func (tx *Tx) CountFiles(folder string) (int, error) {
	if err := validateFolderID(folder); err != nil {
		return 0, fmt.Errorf("count files: %w", err)
	}
	b, err := tx.folderFiles(folder)
	if err != nil {
		return 0, fmt.Errorf("count files in %s: %w", folder, err)
	}
	if b == nil {
		return 0, nil
	}
	var n int
	err = tx.protect(func() error {
		n = b.Stats().KeyN
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("count files in %s: %w", folder, err)
	}
	return n, nil
}
