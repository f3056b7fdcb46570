package config

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// maxAliasDepth bounds how many aliases may point to one another, so that a
// crafted file cannot make the decoder loop.
const maxAliasDepth = 16

// maxValues bounds the values decoded from one file. Aliases let a small
// file name the same large list many times, and a real config has a few
// hundred values, so a file past this limit is rejected.
const maxValues = 100_000

var durationType = reflect.TypeFor[time.Duration]()

// decoder walks a yaml.Node tree into a Config, guided by the yaml tags of
// the struct fields. It keeps going after an error so that one run reports
// every problem in the file.
type decoder struct {
	file string
	errs []error
	// values counts the values decoded, aliases expanded.
	values int
	// lines maps each key path that the file sets, such as
	// "folders[0].mode", to the line of its value. Validation uses it to
	// point at the value it rejects.
	lines map[string]int
}

func (d *decoder) fail(line int, key, format string, args ...any) {
	d.errs = append(d.errs, &Error{
		File:    d.file,
		Line:    line,
		Key:     key,
		Message: fmt.Sprintf(format, args...),
	})
}

// resolve follows aliases to the node they name.
func (d *decoder) resolve(n *yaml.Node, key string) *yaml.Node {
	for depth := 0; n.Kind == yaml.AliasNode; depth++ {
		if depth == maxAliasDepth || n.Alias == nil {
			d.fail(n.Line, key, "alias *%s nests too deep or names nothing", n.Value)
			return nil
		}
		n = n.Alias
	}
	return n
}

// isNull reports whether n is an explicit YAML null, which leaves the
// default in place.
func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// decodeStruct decodes the mapping n into the struct v. Keys are matched
// against the yaml tags of v's fields. The prefix is the key path of v,
// such as "api." or "folders[0].".
func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, prefix string) {
	if n.Kind != yaml.MappingNode {
		d.fail(n.Line, strings.TrimSuffix(prefix, "."), "must be a mapping of keys to values, not %s", describeNode(n))
		return
	}

	seen := make(map[string]int)
	for i := 0; i+1 < len(n.Content); i += 2 {
		keyNode, valueNode := n.Content[i], n.Content[i+1]
		name := keyNode.Value
		path := prefix + name
		if keyNode.Kind != yaml.ScalarNode {
			d.fail(keyNode.Line, strings.TrimSuffix(prefix, "."), "keys must be plain names, not %s", describeNode(keyNode))
			continue
		}
		if name == "<<" {
			d.fail(keyNode.Line, "", "merge keys (<<) are not supported; write the keys out")
			continue
		}
		if first, dup := seen[name]; dup {
			d.fail(keyNode.Line, "", "duplicate key %q (first set on line %d); keep one", path, first)
			continue
		}
		seen[name] = keyNode.Line

		field, ok := fieldByTag(v, name)
		if !ok {
			d.fail(keyNode.Line, "", "unknown key %q%s", path, suggest(v.Type(), prefix, name))
			continue
		}
		d.decodeValue(valueNode, field, path)
	}
}

// decodeValue decodes n into v, whose key path is path. A null leaves v as
// it is, which is the default.
func (d *decoder) decodeValue(n *yaml.Node, v reflect.Value, path string) {
	n = d.resolve(n, path)
	if n == nil {
		return
	}
	d.values++
	if d.values == maxValues {
		d.fail(n.Line, path, "the file expands to more than %d values through aliases; write the values out", maxValues)
	}
	if d.values >= maxValues {
		return
	}
	d.lines[path] = n.Line
	if isNull(n) {
		return
	}

	switch {
	case v.Type() == durationType:
		d.decodeDuration(n, v, path)
	case v.Kind() == reflect.Struct:
		d.decodeStruct(n, v, keyPrefix(path))
	case v.Kind() == reflect.Slice:
		d.decodeSlice(n, v, path)
	default:
		d.decodeScalar(n, v, path)
	}
}

func (d *decoder) decodeSlice(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.SequenceNode {
		d.fail(n.Line, path, "must be a list (one \"- item\" per line, or [a, b]), not %s", describeNode(n))
		return
	}

	slice := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		elem := slice.Index(i)
		if elem.Type() == reflect.TypeFor[Folder]() {
			elem.Set(reflect.ValueOf(folderDefaults()))
		}
		d.decodeValue(item, elem, fmt.Sprintf("%s[%d]", path, i))
	}
	v.Set(slice)
}

func (d *decoder) decodeDuration(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.ScalarNode {
		d.fail(n.Line, path, "must be a duration such as 90s or 5m, not %s", describeNode(n))
		return
	}
	duration, err := time.ParseDuration(n.Value)
	if err != nil {
		d.fail(n.Line, path, "invalid duration %q: write a number with a unit (ms, s, m, h), such as 90s or 1h30m", n.Value)
		return
	}
	v.SetInt(int64(duration))
}

func (d *decoder) decodeScalar(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.ScalarNode {
		d.fail(n.Line, path, "must be a single value, not %s", describeNode(n))
		return
	}

	switch v.Kind() {
	case reflect.String:
		// Any scalar is accepted as text, so that an album titled 2024
		// needs no quotes.
		v.SetString(n.Value)
	case reflect.Int:
		number, err := strconv.ParseInt(n.Value, 10, 64)
		if err != nil || number != int64(int(number)) {
			d.fail(n.Line, path, "invalid integer %q: write a whole decimal number", n.Value)
			return
		}
		v.SetInt(number)
	case reflect.Float64:
		number, err := strconv.ParseFloat(n.Value, 64)
		if err != nil {
			d.fail(n.Line, path, "invalid number %q: write a decimal number such as 0.25", n.Value)
			return
		}
		v.SetFloat(number)
	case reflect.Bool:
		switch n.Value {
		case "true", "True", "TRUE":
			v.SetBool(true)
		case "false", "False", "FALSE":
			v.SetBool(false)
		default:
			d.fail(n.Line, path, "invalid boolean %q: write true or false", n.Value)
		}
	default:
		// The Config types use only the kinds above, so reaching this
		// is a bug in this package, not in the file.
		panic(fmt.Sprintf("config: field %s has unsupported kind %s", path, v.Kind()))
	}
}

// keyPrefix returns the prefix for the keys of a mapping at path: "" for
// the top level, else path followed by a dot.
func keyPrefix(path string) string {
	if path == "" {
		return ""
	}
	return path + "."
}

// fieldByTag returns the field of struct v whose yaml tag is name.
func fieldByTag(v reflect.Value, name string) (reflect.Value, bool) {
	t := v.Type()
	for i := range t.NumField() {
		if yamlName(t.Field(i)) == name {
			return v.Field(i), true
		}
	}
	return reflect.Value{}, false
}

// yamlName returns the key name of a struct field, or "" for fields that
// have no key.
func yamlName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if name == "-" {
		return ""
	}
	return name
}

// describeNode names the kind of a node for error messages.
func describeNode(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	default:
		return fmt.Sprintf("%q", n.Value)
	}
}
