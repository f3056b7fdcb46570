package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// discovery is the part of the API's discovery document the schema test
// reads.
type discovery struct {
	Schemas   map[string]*schema   `json:"schemas"`
	Resources map[string]*resource `json:"resources"`
}

type resource struct {
	Methods   map[string]*discoveryMethod `json:"methods"`
	Resources map[string]*resource        `json:"resources"`
}

type discoveryMethod struct {
	HTTPMethod string `json:"httpMethod"`
	FlatPath   string `json:"flatPath"`
	Response   struct {
		Ref string `json:"$ref"`
	} `json:"response"`
}

type schema struct {
	Type                 string             `json:"type"`
	Format               string             `json:"format"`
	Ref                  string             `json:"$ref"`
	Enum                 []string           `json:"enum"`
	Properties           map[string]*schema `json:"properties"`
	Items                *schema            `json:"items"`
	AdditionalProperties *schema            `json:"additionalProperties"`
}

// responseRoute maps a request to the schema of its success body.
type responseRoute struct {
	method  string
	pattern *regexp.Regexp
	schema  string
}

func loadDiscovery(t *testing.T) (*discovery, []responseRoute) {
	t.Helper()
	data, err := os.ReadFile("testdata/discovery-v1.json")
	if err != nil {
		t.Fatalf("read discovery document: %v", err)
	}
	var doc discovery
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("decode discovery document: %v", err)
	}
	var routes []responseRoute
	var walk func(r *resource)
	walk = func(r *resource) {
		for _, m := range r.Methods {
			expr := regexp.QuoteMeta("/" + m.FlatPath)
			expr = regexp.MustCompile(`\\\{[a-zA-Z]+\\\}`).ReplaceAllString(expr, `[^/:]+`)
			routes = append(routes, responseRoute{m.HTTPMethod, regexp.MustCompile("^" + expr + "$"), m.Response.Ref})
		}
		for _, sub := range r.Resources {
			walk(sub)
		}
	}
	for _, r := range doc.Resources {
		walk(r)
	}
	return &doc, routes
}

// validate checks a decoded JSON value against a discovery schema and
// returns every mismatch.
func (d *discovery) validate(v any, s *schema, path string) []string {
	if s.Ref != "" {
		return d.validate(v, d.Schemas[s.Ref], path)
	}
	var problems []string
	fail := func(format string, args ...any) {
		problems = append(problems, path+": "+fmt.Sprintf(format, args...))
	}
	switch s.Type {
	case "object":
		obj, ok := v.(map[string]any)
		if !ok {
			fail("want an object, got %T", v)
			break
		}
		for name, value := range obj {
			prop, ok := s.Properties[name]
			if !ok && s.AdditionalProperties != nil {
				prop = s.AdditionalProperties
			}
			if !ok && prop == nil {
				fail("unknown field %q", name)
				continue
			}
			problems = append(problems, d.validate(value, prop, path+"."+name)...)
		}
	case "array":
		list, ok := v.([]any)
		if !ok {
			fail("want an array, got %T", v)
			break
		}
		if len(list) == 0 {
			fail("empty arrays must be omitted")
		}
		for i, value := range list {
			problems = append(problems, d.validate(value, s.Items, fmt.Sprintf("%s[%d]", path, i))...)
		}
	case "string":
		str, ok := v.(string)
		if !ok {
			fail("want a string, got %T (%v)", v, v)
			break
		}
		switch s.Format {
		case "int64":
			if _, err := strconv.ParseInt(str, 10, 64); err != nil {
				fail("int64 string %q does not parse", str)
			}
		case "google-datetime":
			if _, err := time.Parse(time.RFC3339Nano, str); err != nil {
				fail("timestamp %q is not RFC 3339", str)
			}
		case "google-duration":
			if _, err := time.ParseDuration(str); err != nil || !strings.HasSuffix(str, "s") {
				fail("duration %q is not like \"0.0025s\"", str)
			}
		}
		if len(s.Enum) > 0 && !contains(s.Enum, str) {
			fail("%q is not one of %v", str, s.Enum)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			fail("want a boolean, got %T", v)
		}
	case "integer":
		n, ok := v.(json.Number)
		if _, err := n.Int64(); !ok || err != nil {
			fail("want an integer, got %v", v)
		}
	case "number":
		if _, ok := v.(json.Number); !ok {
			fail("want a number, got %T", v)
		}
	case "any":
	default:
		fail("schema type %q not handled", s.Type)
	}
	return problems
}

// exerciseEveryMethod calls every method once with success, including the
// sharing ones, which need Legacy mode.
func exerciseEveryMethod(t *testing.T) {
	env := startEnv(t, Options{Legacy: true})
	photo := env.create(sample(t, "Camera Roll/IMG_1811.JPG"), "a.jpg")
	video := env.create(sample(t, "Tricky/clip.mp4"), "clip.mp4")
	albumID := env.createAlbum("Everything")
	env.mustJSON("POST", "/v1/albums/"+albumID+":batchAddMediaItems", map[string]any{"mediaItemIds": []string{photo.ID, video.ID}}, nil)
	env.mustJSON("POST", "/v1/albums/"+albumID+":addEnrichment", map[string]any{
		"newEnrichmentItem": map[string]any{"textEnrichment": map[string]any{"text": "Day one"}},
		"albumPosition":     map[string]any{"position": "FIRST_IN_ALBUM"}}, nil)
	env.mustJSON("GET", "/v1/albums/"+albumID, nil, nil)
	env.mustJSON("GET", "/v1/albums?pageSize=1", nil, nil)
	env.mustJSON("PATCH", "/v1/albums/"+albumID+"?updateMask=title,coverPhotoMediaItemId",
		map[string]any{"title": "Renamed", "coverPhotoMediaItemId": video.ID}, nil)
	env.mustJSON("GET", "/v1/mediaItems/"+photo.ID, nil, nil)
	env.mustJSON("GET", "/v1/mediaItems?pageSize=1", nil, nil)
	env.mustJSON("GET", "/v1/mediaItems:batchGet?"+url.Values{"mediaItemIds": {photo.ID, "bad"}}.Encode(), nil, nil)
	env.mustJSON("PATCH", "/v1/mediaItems/"+photo.ID+"?updateMask=description", map[string]any{"description": "x"}, nil)
	env.mustJSON("POST", "/v1/mediaItems:search", map[string]any{"albumId": albumID, "pageSize": 1}, nil)
	env.mustJSON("POST", "/v1/mediaItems:search", map[string]any{"filters": map[string]any{
		"mediaTypeFilter": map[string]any{"mediaTypes": []string{"VIDEO"}}}}, nil)
	env.clock.Advance(time.Minute)
	env.mustJSON("GET", "/v1/mediaItems/"+video.ID, nil, nil)
	var share shareAlbumResponse
	env.mustJSON("POST", "/v1/albums/"+albumID+":share", map[string]any{}, &share)
	other := env.accessToken("client-b", "refresh-b")
	shareToken := share.ShareInfo.ShareToken
	for _, call := range []struct {
		method, path string
		body         any
	}{
		{"POST", "/v1/sharedAlbums:join", map[string]any{"shareToken": shareToken}},
		{"GET", "/v1/sharedAlbums/" + shareToken, nil},
		{"GET", "/v1/sharedAlbums", nil},
		{"POST", "/v1/sharedAlbums:leave", map[string]any{"shareToken": shareToken}},
	} {
		if status, _, body := env.doAs(other, call.method, call.path, call.body); status != 200 {
			t.Fatalf("%s %s: %d %s", call.method, call.path, status, body)
		}
	}
	env.mustJSON("POST", "/v1/albums/"+albumID+":unshare", map[string]any{}, nil)
	env.mustJSON("POST", "/v1/albums/"+albumID+":batchRemoveMediaItems", map[string]any{"mediaItemIds": []string{photo.ID}}, nil)
	env.do("GET", "/v1/albums/unknown", nil)
}

// TestResponsesMatchDiscovery checks every JSON body the emulator sent in
// this package's tests against the discovery document: success bodies
// against the method's response schema, error bodies against Google's
// error shape.
func TestResponsesMatchDiscovery(t *testing.T) {
	doc, routes := loadDiscovery(t)
	exerciseEveryMethod(t)
	allRecorded.mu.Lock()
	bodies := append([]recordedBody(nil), allRecorded.bodies...)
	allRecorded.mu.Unlock()
	seen := map[string]bool{}
	for _, rec := range bodies {
		dec := json.NewDecoder(bytes.NewReader(rec.body))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Errorf("%s %s: body is not JSON: %s", rec.method, rec.path, rec.body)
			continue
		}
		if rec.status != 200 {
			if rec.path != "/v1/uploads" {
				googleError(t, rec.body)
			}
			continue
		}
		var route *responseRoute
		for i := range routes {
			if routes[i].method == rec.method && routes[i].pattern.MatchString(rec.path) {
				route = &routes[i]
			}
		}
		if route == nil {
			t.Errorf("%s %s: no discovery method matches", rec.method, rec.path)
			continue
		}
		seen[route.schema] = true
		for _, p := range doc.validate(v, doc.Schemas[route.schema], route.schema) {
			t.Errorf("%s %s: %s", rec.method, rec.path, p)
		}
	}
	for _, r := range routes {
		if r.schema != "" && !seen[r.schema] {
			t.Errorf("no response of schema %s was checked", r.schema)
		}
	}
}
