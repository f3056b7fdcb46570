package photosapi

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"

	"golang.org/x/oauth2"

	"github.com/photosync/photosync/internal/jsonscan"
	"github.com/photosync/photosync/photosapi/api"
	"github.com/photosync/photosync/photosapi/emulator"
)

// bodyRecorder is an http.RoundTripper that keeps the response bodies of
// batchCreate calls.
type bodyRecorder struct {
	mu     sync.Mutex
	bodies [][]byte
}

func (r *bodyRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil || !strings.HasSuffix(req.URL.Path, ":batchCreate") {
		return resp, err
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.bodies = append(r.bodies, data)
	r.mu.Unlock()
	resp.Body = io.NopCloser(bytes.NewReader(data))
	return resp, nil
}

// emulatorBatchCreateBodies returns real batchCreate response bodies from
// the emulator: created items with file names that JSON escapes, items
// created without a file name, and items failed by an injected status.
func emulatorBatchCreateBodies(t testing.TB) [][]byte {
	t.Helper()
	emu, err := emulator.Start(emulator.Options{DailyQuota: -1}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	rec := &bodyRecorder{}
	cfg := OAuthConfig("photosync-test", "secret", emu.URL+"/o/oauth2/auth", emu.URL+"/token", "http://127.0.0.1/")
	c, err := New(Options{
		Endpoint:    emu.URL + "/",
		TokenSource: NewTokenSource(t.Context(), cfg, &oauth2.Token{RefreshToken: "refresh-decoder"}, nil),
		HTTPClient:  &http.Client{Transport: rec},
		MaxRetries:  -1,
	})
	if err != nil {
		t.Fatal(err)
	}
	jpeg, err := os.ReadFile("../testdata/media/Orientation/f1-exif.jpg")
	if err != nil {
		t.Fatal(err)
	}

	names := []string{"plain.jpg", `quote" back\slash.jpg`, "é <tag> & \u2028.jpg", "日本語 😀.jpeg", "tab\tand \\u escape.jpg"}
	var counter uint64
	upload := func(name string) string {
		t.Helper()
		counter++
		data := bytes.Clone(jpeg)
		binary.BigEndian.PutUint64(data[len(data)-8:], counter)
		token, err := c.UploadRaw(t.Context(), bytes.NewReader(data), int64(len(data)), name, "image/jpeg")
		if err != nil {
			t.Fatal(err)
		}
		return token
	}
	create := func(items []api.NewMediaItem) {
		t.Helper()
		if _, err := c.BatchCreate(t.Context(), api.BatchCreateMediaItemsRequest{NewMediaItems: items}); err != nil {
			t.Fatal(err)
		}
	}
	item := func(token, name string) api.NewMediaItem {
		return api.NewMediaItem{SimpleMediaItem: &api.SimpleMediaItem{UploadToken: token, FileName: name}}
	}

	var named []api.NewMediaItem
	for _, name := range names {
		named = append(named, item(upload(name), name))
	}
	create(named)
	create([]api.NewMediaItem{item(upload("a.jpg"), ""), item(upload("c.jpg"), "c.jpg")})

	spec := `{"method": "mediaItems.batchCreate", "count": 2, "itemStatus": {"code": 13, "message": "Failed: \"internal\" error \\ <here>"}}`
	resp, err := http.Post(emu.URL+"/emulator/v1/faults", "application/json", strings.NewReader(spec))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("adding the item status fault: HTTP %d", resp.StatusCode)
	}
	create([]api.NewMediaItem{item(upload("d.jpg"), "d.jpg"), item(upload("e.jpg"), "e.jpg"), item(upload("f.jpg"), "f.jpg")})

	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.bodies) != 3 {
		t.Fatalf("recorded %d batchCreate responses, want 3", len(rec.bodies))
	}
	return rec.bodies
}

// decodeFast runs only the purpose-written decoder and reports whether
// it handled data itself.
func decodeFast(data []byte) (createdItemsResponse, bool) {
	var r createdItemsResponse
	d := createdItemsDecoder{Cursor: jsonscan.Cursor{Data: data}}
	if !d.response(&r) {
		return createdItemsResponse{}, false
	}
	d.finish()
	return r, true
}

func TestCreatedItemsDecoderEmulatorResponses(t *testing.T) {
	bodies := emulatorBatchCreateBodies(t)
	for i, body := range bodies {
		got, ok := decodeFast(body)
		if !ok {
			t.Errorf("response %d went to json.Unmarshal, want it decoded without: %s", i, body)
			continue
		}
		var want createdItemsResponse
		if err := json.Unmarshal(body, &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("response %d decodes differently from json.Unmarshal:\n got %s\nwant %s", i, dump(got), dump(want))
		}
	}
	all := bytes.Join(bodies, nil)
	for _, want := range []string{`\"`, `\\`, `\u003c`, `"code":`} {
		if !bytes.Contains(all, []byte(want)) {
			t.Errorf("no response contains %s, so the test does not cover it", want)
		}
	}
}

// dump formats r with its pointers followed.
func dump(r createdItemsResponse) string {
	data, _ := json.Marshal(r)
	return string(data)
}

// hardCreatedItemsBodies are hand-written batchCreate responses that test
// the decoder's edges: skipped values of every kind, whitespace, escapes,
// keys json.Unmarshal matches regardless of case, repeated keys, nulls,
// numbers out of range, and malformed JSON.
var hardCreatedItemsBodies = []string{
	``,
	` `,
	`null`,
	`[]`,
	`{}`,
	`{"newMediaItemResults":[]}`,
	`{"newMediaItemResults":null}`,
	`{"newMediaItemResults":[null]}`,
	`{"newMediaItemResults":[{}]}`,
	" \t\r\n{ \"newMediaItemResults\" : [ { \"status\" : { \"message\" : \"Success\" } , \"mediaItem\" : { \"id\" : \"m\" } } ] } \n",
	`{"newMediaItemResults":[{"uploadToken":"t","status":{"message":"Success"},"mediaItem":{"id":"m0","productUrl":"https://x/y","mimeType":"image/jpeg","mediaMetadata":{"creationTime":"2012-11-04T05:42:02Z","width":"40","photo":{"focalLength":4.3,"isoEquivalent":100,"exposureTime":"0.0025s"}},"filename":"IMG.jpg"}}]}`,
	`{"newMediaItemResults":[{"mediaItem":{"id":"m","x":[1,-2.5e+3,0.0,1E-7,true,false,null,"\u00e9\ud83d\ude00\n",{"a":[[]]}],"filename":"a\tb"}}]}`,
	`{"newMediaItemResults":[{"mediaItem":{"id":"m","filename":"caf\u00e9 \"x\" \\ \/ \b\f\n\r\t.jpg"}}]}`,
	`{"newMediaItemResults":[{"mediaItem":{"id":"m","filename":"\ud800 alone \udc00 \ud83d\ude00"}}]}`,
	"{\"newMediaItemResults\":[{\"mediaItem\":{\"id\":\"m\",\"filename\":\"bad \xff\xfe utf-8 \xc3\"}}]}",
	"{\"newMediaItemResults\":[{\"mediaItem\":{\"id\":\"m\",\"filename\":\"raw \x01 control\"}}]}",
	`{"newMediaItemResults":[{"mediaItem":{"id":"m","filename":"bad \x escape"}}]}`,
	`{"newMediaItemResults":[{"mediaItem":{"id":"m","filename":"short \u12"}}]}`,
	`{"newMediaItemResults":[{"status":{"code":3,"message":"Failed","details":[{"@type":"x","detail":"y"}, 1 ,"s",null,[]]}}]}`,
	`{"newMediaItemResults":[{"status":{"code":3,"details":[]}}]}`,
	`{"newMediaItemResults":[{"status":{"code":3,"details":null}}]}`,
	`{"newMediaItemResults":[{"status":{"code":-0}}]}`,
	`{"newMediaItemResults":[{"status":{"code":2147483647}},{"status":{"code":-2147483648}}]}`,
	`{"newMediaItemResults":[{"status":{"code":2147483648}}]}`,
	`{"newMediaItemResults":[{"status":{"code":-2147483649}}]}`,
	`{"newMediaItemResults":[{"status":{"code":99999999999}}]}`,
	`{"newMediaItemResults":[{"status":{"code":3.0}}]}`,
	`{"newMediaItemResults":[{"status":{"code":3e0}}]}`,
	`{"newMediaItemResults":[{"status":{"code":03}}]}`,
	`{"newMediaItemResults":[{"status":{"code":"3"}}]}`,
	`{"newMediaItemResults":[{"status":{"code":-}}]}`,
	`{"newMediaItemResults":[{"status":null,"mediaItem":null}]}`,
	`{"newMediaItemResults":[{"mediaItem":{"id":null}}]}`,
	`{"newMediaItemResults":[{"mediaItem":{"id":1}}]}`,
	`{"newMediaItemResults":[{"mediaItem":{"ID":"upper"}}]}`,
	`{"newMediaItemResults":[{"MediaItem":{"id":"m"}}]}`,
	`{"NEWMEDIAITEMRESULTS":[{"mediaItem":{"id":"m"}}]}`,
	`{"newMediaItemResults":[{"mediaItem":{"\u0069d":"escaped key"}}]}`,
	`{"newMediaItemResults":[{"\u017ftatus":{"code":3}}]}`,
	`{"newMediaItemResults":[{"mediaItem":{"id":"a"},"mediaItem":{"filename":"b"}}]}`,
	`{"newMediaItemResults":[{"mediaItem":{"id":"a","id":"b"}}]}`,
	`{"newMediaItemResults":[{"mediaItem":{"id":"a"}}],"newMediaItemResults":[{}]}`,
	`{"newMediaItemResults":[{"mediaItem":{"id":"m"}}]} x`,
	`{"newMediaItemResults":[{"mediaItem":{"id":"m"}}]}{}`,
	`{"newMediaItemResults":[{"mediaItem":{"id":"m"}},]}`,
	`{"newMediaItemResults":[{"mediaItem":{"id":"m",}}]}`,
	`{"newMediaItemResults":[{"mediaItem":{"id":"m"}}]`,
	`{"newMediaItemResults":[{"mediaItem":{"id":"m"`,
	`{"newMediaItemResults":[{"mediaItem":{"id" "m"}}]}`,
	`{"newMediaItemResults":[{"mediaItem":{"id":"m"}} {"mediaItem":{}}]}`,
	`{"other":tru}`,
	`{"other":nul}`,
	`{"other":01}`,
	`{"other":1.}`,
	`{"other":1e}`,
	`{"other":-a}`,
	`{"other":[1 2]}`,
	`{"other":{"a" 1}}`,
	`{"other":{1:2}}`,
	`{other:1}`,
	`{"newMediaItemResults":{}}`,
	`{"newMediaItemResults":"x"}`,
	`{"newMediaItemResults":[{"status":[]}]}`,
	`{"newMediaItemResults":[{"mediaItem":"m"}]}`,
	`{"other":` + strings.Repeat("[", 2000) + strings.Repeat("]", 2000) + `}`,
	`{"other":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`,
}

// FuzzCreatedItemsDecoder checks the batchCreate decoder against
// json.Unmarshal on the same bytes: the same result when both succeed,
// and never a result when json.Unmarshal fails. decodeJSON must return
// what json.Unmarshal returns, errors included.
func FuzzCreatedItemsDecoder(f *testing.F) {
	for _, body := range emulatorBatchCreateBodies(f) {
		f.Add(body)
	}
	for _, body := range hardCreatedItemsBodies {
		f.Add([]byte(body))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var want createdItemsResponse
		wantErr := json.Unmarshal(data, &want)

		got, handled := decodeFast(data)
		if handled && wantErr != nil {
			t.Fatalf("decoder accepted %q, which json.Unmarshal rejects: %v", data, wantErr)
		}
		if handled && !reflect.DeepEqual(got, want) {
			t.Fatalf("decoder result for %q differs from json.Unmarshal's:\n got %s\nwant %s", data, dump(got), dump(want))
		}

		var full createdItemsResponse
		err := full.decodeJSON(data)
		if (err == nil) != (wantErr == nil) || (err != nil && err.Error() != wantErr.Error()) {
			t.Fatalf("decodeJSON(%q) error = %v, want %v", data, err, wantErr)
		}
		if err == nil && !reflect.DeepEqual(full, want) {
			t.Fatalf("decodeJSON result for %q differs from json.Unmarshal's:\n got %s\nwant %s", data, dump(full), dump(want))
		}
	})
}

// FuzzMarshalBatchCreate checks that marshalBatchCreate writes the bytes
// json.Marshal writes for the same request.
func FuzzMarshalBatchCreate(f *testing.F) {
	f.Add("", "token", "IMG_0001.jpg", "", false)
	f.Add("album", "t", "", "a description", false)
	f.Add("", "", "no token.jpg", "", true)
	f.Add("a<b>&c", "t\"\\", "é 日本語 😀\u2028\u2029.jpg", "tab\tnew\nline\x00\x1f\x7f", false)
	f.Add("\xff", "t\xc3", "bad \xed\xa0\x80 surrogate.jpg", "\ufffd", false)
	f.Fuzz(func(t *testing.T, albumID, token, fileName, description string, noSimple bool) {
		req := api.BatchCreateMediaItemsRequest{AlbumID: albumID}
		for i := range 3 {
			item := api.NewMediaItem{Description: description}
			if !noSimple || i == 1 {
				item.SimpleMediaItem = &api.SimpleMediaItem{UploadToken: token, FileName: fileName}
			}
			req.NewMediaItems = append(req.NewMediaItems, item)
			fileName, description = description, fileName
		}
		want, err := json.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		got, err := marshalBatchCreate(&req)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("marshalBatchCreate:\n got %s\nwant %s", got, want)
		}
	})
}

func TestMarshalBatchCreateFallback(t *testing.T) {
	for _, req := range []api.BatchCreateMediaItemsRequest{
		{},
		{AlbumID: "a", AlbumPosition: &api.AlbumPosition{Position: api.PositionAfterMediaItem, RelativeMediaItemID: "m"},
			NewMediaItems: []api.NewMediaItem{{SimpleMediaItem: &api.SimpleMediaItem{UploadToken: "t"}}}},
	} {
		want, err := json.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		got, err := marshalBatchCreate(&req)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("marshalBatchCreate:\n got %s\nwant %s", got, want)
		}
	}
}

// BenchmarkDecodeCreatedItems decodes a 50-item batchCreate response made
// of the emulator's results, with the decoder that BatchCreateItems uses
// and with json.Unmarshal.
func BenchmarkDecodeCreatedItems(b *testing.B) {
	var first struct {
		NewMediaItemResults []json.RawMessage `json:"newMediaItemResults"`
	}
	// The second response has plain file names, like most photos.
	if err := json.Unmarshal(emulatorBatchCreateBodies(b)[1], &first); err != nil {
		b.Fatal(err)
	}
	var results []json.RawMessage
	for len(results) < api.MaxBatchCreateItems {
		results = append(results, first.NewMediaItemResults...)
	}
	first.NewMediaItemResults = results[:api.MaxBatchCreateItems]
	body, err := json.Marshal(first)
	if err != nil {
		b.Fatal(err)
	}
	decoders := map[string]func(*createdItemsResponse) error{
		"decodeJSON":     func(r *createdItemsResponse) error { return r.decodeJSON(body) },
		"json.Unmarshal": func(r *createdItemsResponse) error { return json.Unmarshal(body, r) },
	}
	for name, decode := range decoders {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				var r createdItemsResponse
				if err := decode(&r); err != nil {
					b.Fatal(err)
				}
				if len(r.NewMediaItemResults) != api.MaxBatchCreateItems {
					b.Fatalf("decoded %d results, want %d", len(r.NewMediaItemResults), api.MaxBatchCreateItems)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*api.MaxBatchCreateItems), "ns/item")
		})
	}
}
