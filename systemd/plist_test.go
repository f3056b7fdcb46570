package systemd

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const plistPath = "com.github.photosync.plist"

// plistDoctype is the document type declaration that Apple's tools write
// and that marks the file as a property list.
const plistDoctype = `DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd"`

// decodePlist parses an XML property list into Go values: string, int64,
// float64, bool, []any and map[string]any. It rejects elements and text
// that the property list DTD does not allow, and duplicate dict keys. It
// returns the root value and reports whether the file has the plist
// DOCTYPE.
func decodePlist(data []byte) (root any, doctype bool, err error) {
	decoder := xml.NewDecoder(bytes.NewReader(data))
	decoder.Strict = true
	for {
		token, err := decoder.Token()
		if err != nil {
			return nil, doctype, fmt.Errorf("find <plist>: %w", err)
		}
		switch token := token.(type) {
		case xml.Directive:
			doctype = doctype || string(token) == plistDoctype
		case xml.StartElement:
			if token.Name.Local != "plist" {
				return nil, doctype, fmt.Errorf("root element is <%s>, want <plist>", token.Name.Local)
			}
			if version := attribute(token, "version"); version != "1.0" {
				return nil, doctype, fmt.Errorf("plist version %q, want 1.0", version)
			}
			root, err := decodeRoot(decoder)
			return root, doctype, err
		case xml.CharData:
			if len(bytes.TrimSpace(token)) > 0 {
				return nil, doctype, fmt.Errorf("text %q outside <plist>", token)
			}
		}
	}
}

// decodeRoot reads the one value inside <plist> and the end of the file.
func decodeRoot(decoder *xml.Decoder) (any, error) {
	start, err := nextElement(decoder)
	if err != nil {
		return nil, err
	}
	if start == nil {
		return nil, errors.New("empty <plist>")
	}
	root, err := decodeValue(decoder, *start)
	if err != nil {
		return nil, err
	}
	extra, err := nextElement(decoder)
	if err != nil {
		return nil, err
	}
	if extra != nil {
		return nil, fmt.Errorf("more than one value in <plist>: <%s> after the first", extra.Name.Local)
	}
	for {
		token, err := decoder.Token()
		if err == io.EOF {
			return root, nil
		}
		if err != nil {
			return nil, err
		}
		if text, ok := token.(xml.CharData); ok && len(bytes.TrimSpace(text)) > 0 {
			return nil, fmt.Errorf("text %q after </plist>", text)
		}
		if _, ok := token.(xml.StartElement); ok {
			return nil, errors.New("element after </plist>")
		}
	}
}

// nextElement skips whitespace and comments and returns the next start
// element, or nil at the end of the enclosing element.
func nextElement(decoder *xml.Decoder) (*xml.StartElement, error) {
	for {
		token, err := decoder.Token()
		if err != nil {
			return nil, err
		}
		switch token := token.(type) {
		case xml.StartElement:
			return &token, nil
		case xml.EndElement:
			return nil, nil
		case xml.CharData:
			if len(bytes.TrimSpace(token)) > 0 {
				return nil, fmt.Errorf("unexpected text %q", token)
			}
		case xml.Comment:
		default:
			return nil, fmt.Errorf("unexpected %T", token)
		}
	}
}

func decodeValue(decoder *xml.Decoder, start xml.StartElement) (any, error) {
	switch name := start.Name.Local; name {
	case "string", "date", "data":
		return elementText(decoder, name)
	case "integer":
		text, err := elementText(decoder, name)
		if err != nil {
			return nil, err
		}
		return strconv.ParseInt(strings.TrimSpace(text), 10, 64)
	case "real":
		text, err := elementText(decoder, name)
		if err != nil {
			return nil, err
		}
		return strconv.ParseFloat(strings.TrimSpace(text), 64)
	case "true", "false":
		if next, err := nextElement(decoder); err != nil || next != nil {
			return nil, fmt.Errorf("<%s/> must be empty", name)
		}
		return name == "true", nil
	case "array":
		return decodeArray(decoder)
	case "dict":
		return decodeDict(decoder)
	default:
		return nil, fmt.Errorf("unknown plist element <%s>", name)
	}
}

func decodeArray(decoder *xml.Decoder) ([]any, error) {
	var array []any
	for {
		start, err := nextElement(decoder)
		if err != nil || start == nil {
			return array, err
		}
		value, err := decodeValue(decoder, *start)
		if err != nil {
			return nil, err
		}
		array = append(array, value)
	}
}

// decodeDict reads <key> and value pairs up to </dict>.
func decodeDict(decoder *xml.Decoder) (map[string]any, error) {
	dict := map[string]any{}
	for {
		start, err := nextElement(decoder)
		if err != nil || start == nil {
			return dict, err
		}
		if start.Name.Local != "key" {
			return nil, fmt.Errorf("<%s> in <dict> where a <key> belongs", start.Name.Local)
		}
		key, err := elementText(decoder, "key")
		if err != nil {
			return nil, err
		}
		if _, ok := dict[key]; ok {
			return nil, fmt.Errorf("duplicate key %q", key)
		}
		valueStart, err := nextElement(decoder)
		if err != nil {
			return nil, err
		}
		if valueStart == nil {
			return nil, fmt.Errorf("key %q has no value", key)
		}
		if dict[key], err = decodeValue(decoder, *valueStart); err != nil {
			return nil, fmt.Errorf("key %q: %w", key, err)
		}
	}
}

// elementText returns the text of an element that may hold no child
// elements.
func elementText(decoder *xml.Decoder, name string) (string, error) {
	var text strings.Builder
	for {
		token, err := decoder.Token()
		if err != nil {
			return "", err
		}
		switch token := token.(type) {
		case xml.CharData:
			text.Write(token)
		case xml.EndElement:
			return text.String(), nil
		case xml.StartElement:
			return "", fmt.Errorf("element <%s> inside <%s>", token.Name.Local, name)
		}
	}
}

func attribute(start xml.StartElement, name string) string {
	for _, attr := range start.Attr {
		if attr.Name.Local == name {
			return attr.Value
		}
	}
	return ""
}

// launchdKeys lists the launchd.plist(5) keys the agent may use. A
// misspelled key is ignored by launchd without a word, so this catches it.
var launchdKeys = []string{
	"Label", "ProgramArguments", "RunAtLoad", "KeepAlive", "ThrottleInterval",
	"ExitTimeOut", "ProcessType", "Umask", "StandardOutPath", "StandardErrorPath",
	"EnvironmentVariables", "WorkingDirectory", "Nice", "LowPriorityIO",
}

func readAgent(t *testing.T) map[string]any {
	t.Helper()
	data, err := os.ReadFile(plistPath)
	if err != nil {
		t.Fatalf("read plist: %v", err)
	}
	root, doctype, err := decodePlist(data)
	if err != nil {
		t.Fatalf("parse plist: %v", err)
	}
	if !doctype {
		t.Errorf("plist lacks <!%s>", plistDoctype)
	}
	agent, ok := root.(map[string]any)
	if !ok {
		t.Fatalf("plist root is %T, want a dict", root)
	}
	return agent
}

func TestAgentKeysKnown(t *testing.T) {
	for key := range readAgent(t) {
		if !slices.Contains(launchdKeys, key) {
			t.Errorf("unknown launchd key %q", key)
		}
	}
}

func TestAgentRunsDaemon(t *testing.T) {
	agent := readAgent(t)
	if label := agent["Label"]; label != strings.TrimSuffix(plistPath, ".plist") {
		t.Errorf("Label %q does not match the file name %s", label, plistPath)
	}
	args, ok := agent["ProgramArguments"].([]any)
	if !ok || len(args) != 4 {
		t.Fatalf("ProgramArguments %v, want BINARY daemon --config FILE", agent["ProgramArguments"])
	}
	for i, arg := range args {
		if _, ok := arg.(string); !ok {
			t.Fatalf("ProgramArguments[%d] is %T, want a string", i, arg)
		}
	}
	if binary := args[0].(string); !strings.HasPrefix(binary, "/") || !strings.HasSuffix(binary, "/photosync") {
		t.Errorf("program %q is not an absolute path to photosync; launchd expands no ~ or $HOME", binary)
	}
	if args[1] != "daemon" || args[2] != "--config" {
		t.Errorf("arguments %v, want daemon --config FILE", args[1:])
	}
	if config := args[3].(string); !strings.HasPrefix(config, "/") || !strings.HasSuffix(config, ".yaml") {
		t.Errorf("config path %q is not an absolute .yaml path", config)
	}
}

func TestAgentRestartsOnFailure(t *testing.T) {
	agent := readAgent(t)
	if agent["RunAtLoad"] != true {
		t.Errorf("RunAtLoad is %v, want true", agent["RunAtLoad"])
	}
	keepAlive, ok := agent["KeepAlive"].(map[string]any)
	if !ok {
		t.Fatalf("KeepAlive is %T, want a dict", agent["KeepAlive"])
	}
	if keepAlive["SuccessfulExit"] != false {
		t.Errorf("KeepAlive.SuccessfulExit is %v, want false: restart only after a failure", keepAlive["SuccessfulExit"])
	}
	if agent["Umask"] != int64(0o077) {
		t.Errorf("Umask is %v, want %d (octal 077)", agent["Umask"], 0o077)
	}
	for _, key := range []string{"StandardOutPath", "StandardErrorPath"} {
		if path, _ := agent[key].(string); !strings.HasPrefix(path, "/") {
			t.Errorf("%s %q is not an absolute path", key, path)
		}
	}
}

func TestDecodePlistRejectsBadShapes(t *testing.T) {
	const header = `<?xml version="1.0" encoding="UTF-8"?>` + "\n<!" + plistDoctype + ">\n"
	tests := []struct {
		name string
		body string
		want string
	}{
		{"key without value", `<plist version="1.0"><dict><key>Label</key></dict></plist>`, `key "Label" has no value`},
		{"value without key", `<plist version="1.0"><dict><string>x</string></dict></plist>`, "where a <key> belongs"},
		{"duplicate key", `<plist version="1.0"><dict><key>A</key><true/><key>A</key><true/></dict></plist>`, "duplicate key"},
		{"unknown element", `<plist version="1.0"><dict><key>A</key><bool>1</bool></dict></plist>`, "unknown plist element <bool>"},
		{"bad integer", `<plist version="1.0"><integer>ten</integer></plist>`, "invalid syntax"},
		{"wrong version", `<plist version="2.0"><dict/></plist>`, "plist version"},
		{"unclosed", `<plist version="1.0"><dict>`, "EOF"},
		{"two roots", `<plist version="1.0"><dict/><dict/></plist>`, "more than one value"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := decodePlist([]byte(header + tc.body))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("decodePlist error %v, want one containing %q", err, tc.want)
			}
		})
	}
}
