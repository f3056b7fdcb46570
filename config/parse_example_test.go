package config_test

import (
	"fmt"

	"github.com/photosync/photosync/config"
)

func ExampleParse() {
	data := []byte(`
state_dir: /var/lib/photosync
api:
  credentials_file: /etc/photosync/client_secret.json
  token_file: /var/lib/photosync/token.json
folders:
  - path: /srv/photos
    mode: upload-only
    exclude: ["Private"]
`)
	cfg, err := config.Parse("config.yaml", data)
	if err != nil {
		fmt.Println(err)
		return
	}
	f := cfg.Folders[0]
	fmt.Println(f.Path, f.Mode, f.Exclude, f.DeleteThreshold)
	fmt.Println(cfg.PollInterval, cfg.Workers, cfg.API.UploadEndpoint)

	_, err = config.Parse("config.yaml", []byte("workers: 4\nworker: 3\n"))
	fmt.Println(err)
	// Output:
	// /srv/photos upload-only [Private] 0.5
	// 5m0s 4 https://photoslibrary.googleapis.com/v1/uploads
	// config.yaml:2: unknown key "worker" (did you mean "workers"?)
}
