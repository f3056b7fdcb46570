package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// Load reads, decodes and validates the configuration file at path.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Parse(path, data)
}

// Parse decodes and validates a configuration file's contents. The name is
// the file's path, used in error messages and stored in Config.File. The
// environment supplies $VAR and ~ expansion and the XDG path defaults. Every
// problem found comes back as an *Error, joined with errors.Join.
func Parse(name string, data []byte) (*Config, error) {
	return parse(name, data, osEnv)
}

func parse(name string, data []byte, env lookupFunc) (*Config, error) {
	cfg := defaults()
	cfg.File = name

	d := &decoder{file: name, lines: make(map[string]int)}
	root, err := parseYAML(name, data)
	if err != nil {
		return nil, err
	}
	if root != nil {
		d.decodeValue(root, reflect.ValueOf(&cfg).Elem(), "")
	}
	if len(d.errs) > 0 {
		return nil, errors.Join(d.errs...)
	}

	v := &validator{decoder: d, env: env}
	v.validate(&cfg)
	if len(d.errs) > 0 {
		return nil, errors.Join(d.errs...)
	}
	return &cfg, nil
}

// parseYAML parses data into a node tree and returns the document's
// content, or nil for an empty file.
func parseYAML(name string, data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, syntaxError(name, err)
	}

	var next yaml.Node
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, syntaxError(name, err)
	default:
		return nil, &Error{File: name, Line: next.Line, Message: "a second YAML document (after ---) is not allowed; keep one"}
	}

	if len(doc.Content) == 0 {
		return nil, nil
	}
	return doc.Content[0], nil
}

// yamlLine matches the "yaml: line N: " prefix of yaml.v3 syntax errors.
var yamlLine = regexp.MustCompile(`^yaml: (?:line (\d+): )?`)

// syntaxError turns a yaml.v3 parse error into an *Error that carries the
// file name and line in the same form as every other problem.
func syntaxError(name string, err error) error {
	message := err.Error()
	line := 0
	if m := yamlLine.FindStringSubmatch(message); m != nil {
		line, _ = strconv.Atoi(m[1])
		message = message[len(m[0]):]
	}
	return &Error{File: name, Line: line, Message: "invalid YAML: " + message}
}
