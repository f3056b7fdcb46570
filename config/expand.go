package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// lookupFunc reads an environment variable, as os.LookupEnv does. Parsing
// takes it as a parameter so that tests control the environment.
type lookupFunc func(string) (string, bool)

var osEnv lookupFunc = os.LookupEnv

// expandPath expands a leading ~ and $VAR or ${VAR} references, then checks
// that the result is absolute and returns it cleaned. A variable that is
// unset or empty is an error, because silently dropping it could turn
// "$PHOTOS/2024" into "/2024".
func expandPath(path string, env lookupFunc) (string, error) {
	expanded, err := expandHome(path, env)
	if err != nil {
		return "", err
	}

	var missing []string
	expanded = os.Expand(expanded, func(name string) string {
		value, _ := env(name)
		if value == "" {
			missing = append(missing, name)
		}
		return value
	})
	if len(missing) > 0 {
		return "", fmt.Errorf("path %q uses environment variable %s, which is unset or empty; set it or write the path out",
			path, missing[0])
	}

	if !filepath.IsAbs(expanded) {
		return "", fmt.Errorf("path %q is not absolute; start it with /, ~/ or a variable such as $HOME", path)
	}
	return filepath.Clean(expanded), nil
}

// expandHome replaces a leading "~" or "~/" with the home directory.
func expandHome(path string, env lookupFunc) (string, error) {
	if path != "~" && !strings.HasPrefix(path, "~/") {
		if strings.HasPrefix(path, "~") {
			return "", fmt.Errorf("path %q: the ~user form is not supported; write the home directory out", path)
		}
		return path, nil
	}
	home, err := homeDir(env)
	if err != nil {
		return "", fmt.Errorf("expand %q: %w", path, err)
	}
	return home + path[1:], nil
}
