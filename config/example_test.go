package config

import (
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"go.yaml.in/yaml/v3"
)

const examplePath = "../config.example.yaml"

// commentedKey matches a commented-out key line such as "  # socket: /x".
var commentedKey = regexp.MustCompile(`(?m)^(\s*)# ([a-z_]+:)`)

// exampleEnv is the environment under which the commented default values
// in the example file are the real defaults.
var exampleEnv = testEnv(map[string]string{
	"HOME":            "/home/user",
	"XDG_RUNTIME_DIR": "/run/user/1000",
})

// TestExampleLoads checks that the example file, as shipped, is valid.
func TestExampleLoads(t *testing.T) {
	data := readExample(t)
	if _, err := parse("config.example.yaml", data, exampleEnv); err != nil {
		t.Fatalf("parse example: %v", err)
	}
}

// TestExampleListsEveryKey checks that the example, with its commented keys
// enabled, sets every key the Config struct has and no other.
func TestExampleListsEveryKey(t *testing.T) {
	var root yaml.Node
	if err := yaml.Unmarshal(uncommentExample(t), &root); err != nil {
		t.Fatalf("parse uncommented example: %v", err)
	}
	got := nodeKeyPaths(root.Content[0], "")
	want := keyPaths(reflect.TypeFor[Config](), "")
	slices.Sort(got)
	slices.Sort(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("keys in config.example.yaml differ from Config (-Config +example):\n%s", diff)
	}
}

// TestExampleShowsDefaults checks that the values the example shows are the
// defaults, by comparing it, commented keys enabled, with a file that sets
// only the folder path.
func TestExampleShowsDefaults(t *testing.T) {
	got, err := parse("config.yaml", uncommentExample(t), exampleEnv)
	if err != nil {
		t.Fatalf("parse uncommented example: %v", err)
	}
	want, err := parse("config.yaml", []byte("folders: [{path: ~/Pictures/photosync}]"), exampleEnv)
	if err != nil {
		t.Fatalf("parse minimal config: %v", err)
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("example values differ from the defaults (-defaults +example):\n%s", diff)
	}
}

func readExample(t *testing.T) []byte {
	t.Helper()
	data, err := readExampleFile()
	if err != nil {
		t.Fatalf("read example: %v", err)
	}
	return data
}

func readExampleFile() ([]byte, error) {
	return os.ReadFile(examplePath)
}

func uncommentExample(t *testing.T) []byte {
	t.Helper()
	return commentedKey.ReplaceAll(readExample(t), []byte("$1$2"))
}

// nodeKeyPaths lists the leaf key paths set in a mapping node, in the form
// that keyPaths uses.
func nodeKeyPaths(n *yaml.Node, prefix string) []string {
	var paths []string
	for i := 0; i+1 < len(n.Content); i += 2 {
		path := prefix + n.Content[i].Value
		value := n.Content[i+1]
		switch {
		case value.Kind == yaml.MappingNode:
			paths = append(paths, nodeKeyPaths(value, path+".")...)
		case value.Kind == yaml.SequenceNode && len(value.Content) > 0 && value.Content[0].Kind == yaml.MappingNode:
			for _, item := range value.Content {
				for _, p := range nodeKeyPaths(item, path+"[].") {
					if !slices.Contains(paths, p) {
						paths = append(paths, p)
					}
				}
			}
		default:
			paths = append(paths, strings.TrimSuffix(path, "."))
		}
	}
	return paths
}
