package config

import (
	"fmt"
	"reflect"
	"strings"
)

// keyPaths lists every key that type t accepts as dotted paths, with "[]"
// marking a list of mappings: "api.endpoint", "folders[].path".
func keyPaths(t reflect.Type, prefix string) []string {
	var paths []string
	for i := range t.NumField() {
		field := t.Field(i)
		name := yamlName(field)
		if name == "" {
			continue
		}
		path := prefix + name
		switch {
		case field.Type == durationType:
			paths = append(paths, path)
		case field.Type.Kind() == reflect.Struct:
			paths = append(paths, keyPaths(field.Type, path+".")...)
		case field.Type.Kind() == reflect.Slice && field.Type.Elem().Kind() == reflect.Struct:
			paths = append(paths, keyPaths(field.Type.Elem(), path+"[].")...)
		default:
			paths = append(paths, path)
		}
	}
	return paths
}

// maxSuggestDistance is the largest edit distance at which an unknown key
// is taken for a typo of a known one. Two covers a missing letter plus a
// swapped one without suggesting unrelated short keys.
const maxSuggestDistance = 2

// suggest returns a " (did you mean ...?)" hint for the unknown key name
// found in a mapping of type t at key path prefix, or "" without a good
// guess. It prefers a near spelling at the same level, then the same name
// at another level, such as "endpoint" written outside "api".
func suggest(t reflect.Type, prefix, name string) string {
	best, bestDistance := "", maxSuggestDistance+1
	for i := range t.NumField() {
		candidate := yamlName(t.Field(i))
		if candidate == "" {
			continue
		}
		if distance := editDistance(name, candidate); distance < bestDistance {
			best, bestDistance = candidate, distance
		}
	}
	if best != "" {
		return fmt.Sprintf(" (did you mean %q?)", prefix+best)
	}

	for _, path := range keyPaths(reflect.TypeFor[Config](), "") {
		if path == name || strings.HasSuffix(path, "."+name) {
			return fmt.Sprintf(" (did you mean %q?)", path)
		}
	}
	return ""
}

// editDistance returns the Levenshtein distance between a and b, counted
// in bytes, which is enough for the ASCII key names.
func editDistance(a, b string) int {
	previous := make([]int, len(b)+1)
	current := make([]int, len(b)+1)
	for j := range previous {
		previous[j] = j
	}
	for i := 1; i <= len(a); i++ {
		current[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			current[j] = min(previous[j]+1, current[j-1]+1, previous[j-1]+cost)
		}
		previous, current = current, previous
	}
	return previous[len(b)]
}
