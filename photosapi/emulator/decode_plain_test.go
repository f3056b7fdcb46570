package emulator

import (
	"reflect"
	"strings"
	"testing"
)

// decodeTargets makes a zero value of each type that handlers decode a
// request body into with decodeJSON.
var decodeTargets = []func() any{
	func() any { return new(batchCreateRequest) },
	func() any { return new(mediaItemJSON) },
	func() any { return new(searchRequest) },
	func() any { return new(createAlbumRequest) },
	func() any { return new(albumJSON) },
	func() any { return new(mediaItemIDsRequest) },
	func() any { return new(addEnrichmentRequest) },
	func() any { return new(shareAlbumRequest) },
	func() any { return new(shareTokenRequest) },
	func() any { return new(emptyRequest) },
	func() any { return new(faultSpec) },
	func() any { return new(clockJSON) },
}

// plainSeeds are request bodies as clients and the emulator's tests send
// them, with variants that the fast path must decline.
var plainSeeds = []string{
	// Bodies the way encoding/json writes the client's requests.
	`{"newMediaItems":[{"simpleMediaItem":{"uploadToken":"CAIS_token-1","fileName":"IMG_0001.jpg"}},{"description":"at the lake","simpleMediaItem":{"uploadToken":"CAIS_token-2","fileName":"IMG_0002.jpg"}}]}`,
	`{"albumId":"AF1Qalbum","newMediaItems":[{"simpleMediaItem":{"uploadToken":"t"}}],"albumPosition":{"position":"AFTER_MEDIA_ITEM","relativeMediaItemId":"AF1Qitem"}}`,
	`{"albumId":"a","pageSize":100,"pageToken":"eyJzIjoiIn0","orderBy":"MediaMetadata.creation_time desc"}`,
	`{"filters":{"dateFilter":{"dates":[{"year":2024,"month":7,"day":0}],"ranges":[{"startDate":{"year":2020,"month":1,"day":1},"endDate":{"year":2021,"month":12,"day":31}}]},"includeArchivedMedia":true,"excludeNonAppCreatedData":false}}`,
	`{"filters":{"featureFilter":{"includedFeatures":["FAVORITES"]},"mediaTypeFilter":{"mediaTypes":["ALL_MEDIA"]}}}`,
	`{"album":{"title":"Holidays 2024"}}`,
	`{"title":"Renamed","coverPhotoMediaItemId":"AF1Qitem"}`,
	`{"id":"x","description":"at the lake","mediaMetadata":{"photo":{"focalLength":4.25,"apertureFNumber":1.8,"isoEquivalent":100}}}`,
	`{"mediaItemIds":["AF1Qa","AF1Qb"]}`,
	`{"newEnrichmentItem":{"textEnrichment":{"text":"Day one"}},"albumPosition":{"position":"FIRST_IN_ALBUM"}}`,
	`{"newEnrichmentItem":{"locationEnrichment":{"location":{"locationName":"Oslo","latlng":{"latitude":59.9139,"longitude":10.7522}}}}}`,
	`{"newEnrichmentItem":{"mapEnrichment":{"origin":{"latlng":{"latitude":-33.8688,"longitude":151.2093}},"destination":{"latlng":{"latitude":1e1,"longitude":-0.5E-3}}}}}`,
	`{"sharedAlbumOptions":{"isCollaborative":true,"isCommentable":false}}`,
	`{"shareToken":"AOVP1k0"}`,
	`{"advance":"25h"}`,
	`{"method":"mediaItems.batchCreate","itemStatus":{"code":3,"message":"Failed"},"count":2}`,
	// Layout, null, empty values and non-ASCII text.
	"\t{ \"albumId\" : \"a\" ,\n \"newMediaItems\" : [ ] }\r\n",
	`{"albumId":null,"newMediaItems":null,"albumPosition":null}`,
	`{"newMediaItems":[null,{"simpleMediaItem":null},{"description":""}]}`,
	`{"mediaItemIds":[null,"a",""]}`,
	`{"newMediaItems":[{"simpleMediaItem":{"uploadToken":"t","fileName":"Ærøskøbing 日本.jpg"}}]}`,
	`{}`, ``, `  `, `{ }`,
	// Bodies the full path decodes differently from a plain decode.
	`{"page_size":5}`, `{"pageSize":"5"}`, `{"pageSize":5.0}`, `{"pageSize":5e0}`, `{"pageSize":2147483648}`,
	`{"pageSize":-0}`, `{"pageSize":01}`, `{"pageSize":1.}`, `{"pageSize":-}`,
	`{"albumId":"a","albumId":"b"}`, `{"page_size":1,"pageSize":2}`, `{"album":{"title":"a"},"album":{"id":"b"}}`,
	`{"newMediaItems":[{"simpleMediaItem":{"uploadToken":"a"},"simpleMediaItem":{"fileName":"b"}}]}`, `{"AlbumId":"a"}`, `{"albumid":"a"}`,
	`{"albumId":"a\"b"}`, `{"albumId":"\u00e9"}`, `{"albumId":"\ud800"}`, "{\"albumId\":\"\xff\"}", "{\"albumId\":\"a\x01\"}",
	`{"\u0061lbumId":"a"}`, `{"albumId":"a"}}`, `{"albumId":"a"}]`, `{"albumId":"a"} {}`, `{"albumId":"a",}`,
	`{"albumId":nul}`, `{"albumId":nullx}`, `{"includeArchivedMedia":True}`, `{"filters":{"includeArchivedMedia":1}}`,
	`{"newEnrichmentItem":{"locationEnrichment":{"location":{"latlng":{"latitude":1e400}}}}}`,
	`{"newEnrichmentItem":{"locationEnrichment":{"location":{"latlng":{"latitude":"1.5"}}}}}`,
	`{"newMediaItems":[{"description":1}]}`, `{"newMediaItems":{}}`, `{"x":1}`, `"str"`, `[]`, `null`, `{`, "\ufeff{}",
	"\u00a0{}\u00a0", "\v{}",
}

// FuzzDecodePlainJSON checks the fast path of decodeJSONBytes against the
// full path. Whenever the fast path accepts a body, the full path must
// accept it too and decode the same value, and when it declines, it must
// leave its target at the zero value for the full path.
func FuzzDecodePlainJSON(f *testing.F) {
	for _, seeds := range [][]string{plainSeeds, searchSeeds, batchCreateSeeds} {
		for _, s := range seeds {
			f.Add([]byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, newTarget := range decodeTargets {
			checkPlainMatchesFull(t, body, newTarget)
		}
	})
}

func checkPlainMatchesFull(t *testing.T, body []byte, newTarget func() any) {
	t.Helper()
	plain := newTarget()
	if !decodePlainJSON(body, plain) {
		if !reflect.ValueOf(plain).Elem().IsZero() {
			t.Fatalf("fast path declined %q as %T but left %+v behind", body, plain, plain)
		}
		return
	}
	full := newTarget()
	if e := decodeJSONFull(body, full); e != nil {
		t.Fatalf("fast path accepted %q as %T, the full path rejects it: %s", body, plain, e.Message)
	}
	if !reflect.DeepEqual(plain, full) {
		t.Fatalf("%q:\nfast path %#v\nfull path %#v", body, plain, full)
	}
	again := newTarget()
	if e := decodeJSONBytes(body, again); e != nil || !reflect.DeepEqual(again, plain) {
		t.Fatalf("decodeJSONBytes(%q) = %+v, %v, want the fast path's %+v", body, again, e, plain)
	}
}

func TestDecodePlainJSONTakesClientBodies(t *testing.T) {
	body := `{"albumId":"AF1Q","newMediaItems":[{"description":"Ærø","simpleMediaItem":{"uploadToken":"t1","fileName":"a.jpg"}},` +
		`{"simpleMediaItem":{"uploadToken":"t2"}}],"albumPosition":{"position":"LAST_IN_ALBUM"}}`
	var got batchCreateRequest
	if !decodePlainJSON([]byte(body), &got) {
		t.Fatalf("fast path declined the client's batchCreate body %s", body)
	}
	want := batchCreateRequest{
		AlbumID: "AF1Q",
		NewMediaItems: []newMediaItemJSON{
			{Description: "Ærø", SimpleMediaItem: &simpleMediaItemJSON{UploadToken: "t1", FileName: "a.jpg"}},
			{SimpleMediaItem: &simpleMediaItemJSON{UploadToken: "t2"}},
		},
		AlbumPosition: &albumPositionJSON{Position: "LAST_IN_ALBUM"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("fast path decoded %+v, want %+v", got, want)
	}

	var search searchRequest
	body = `{"pageSize":25,"filters":{"dateFilter":{"ranges":[{"startDate":{"year":2020,"month":1,"day":1}}]},"includeArchivedMedia":true}}`
	if !decodePlainJSON([]byte(body), &search) {
		t.Fatalf("fast path declined the client's search body %s", body)
	}
	if search.PageSize != 25 || !search.Filters.IncludeArchivedMedia || search.Filters.DateFilter.Ranges[0].StartDate.Year != 2020 {
		t.Errorf("fast path decoded the search body as %+v", search)
	}
}

func TestDecodePlainJSONDeclines(t *testing.T) {
	tests := []struct {
		name string
		body string
	}{
		{"repeated name", `{"albumId":"a","albumId":"b"}`},
		{"both spellings", `{"album_id":"a","albumId":"b"}`},
		{"name in another case", `{"AlbumId":"a"}`},
		{"escaped string", `{"albumId":"a\u0062"}`},
		{"invalid UTF-8", "{\"albumId\":\"\xff\"}"},
		{"integer as string", `{"pageSize":"5"}`},
		{"integer with fraction", `{"pageSize":5.0}`},
		{"integer out of range", `{"pageSize":2147483648}`},
		{"trailing brace", `{"albumId":"a"}}`},
		{"trailing comma", `{"albumId":"a",}`},
		{"not an object", `[]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var req searchRequest
			if decodePlainJSON([]byte(tc.body), &req) {
				t.Fatalf("fast path accepted %s as %+v", tc.body, req)
			}
			if !reflect.ValueOf(req).IsZero() {
				t.Errorf("fast path left %+v behind", req)
			}
		})
	}
}

func TestDecodeJSONBytesKeepsFullPathResults(t *testing.T) {
	tests := []struct {
		body    string
		want    searchRequest
		message string
	}{
		{body: `{"albumId":"a","albumId":"b"}`, message: `Invalid JSON payload received. Duplicate name: "albumId" is set more than once.`},
		{body: `{"pageSize":7,"page_size":8}`, message: `Invalid JSON payload received. Duplicate name: "pageSize" and "page_size" set the same field.`},
		{body: `{"filters":{"mediaTypeFilter":{"mediaTypes":["PHOTO"]},"media_type_filter":{}}}`,
			message: `Invalid JSON payload received. Duplicate name at 'filters': "mediaTypeFilter" and "media_type_filter" set the same field.`},
		{body: `{"zz":1,"aa":2}`, message: `Invalid JSON payload received. Unknown name "aa": Cannot find field.`},
		{body: strings.Repeat("[", maxJSONDepth+1) + strings.Repeat("]", maxJSONDepth+1),
			message: "Invalid JSON payload received. The value nests more than 100 levels deep."},
		{body: `{"page_size":"7"}`, want: searchRequest{PageSize: 7}},
		{body: `{"pageSize":7.0}`, want: searchRequest{PageSize: 7}},
		{body: `{"albumId":"a\u0062"}`, want: searchRequest{AlbumID: "ab"}},
		{body: `{"albumId":"a"}}`, want: searchRequest{AlbumID: "a"}},
		{body: `{"AlbumId":"a"}`, message: `Invalid JSON payload received. Unknown name "AlbumId": Cannot find field.`},
		{body: `{"pageSize":"ten"}`, message: `Invalid value at 'pageSize' (TYPE_INT32), "ten"`},
		{body: `{"albumId":"a",}`, message: "Invalid JSON payload received. Unexpected token."},
		{body: `{"albumId":"a"} {}`, message: "Invalid JSON payload received. Unexpected token after the JSON value."},
	}
	for _, tc := range tests {
		var got searchRequest
		e := decodeJSONBytes([]byte(tc.body), &got)
		switch {
		case tc.message != "" && (e == nil || e.Message != tc.message):
			t.Errorf("decodeJSONBytes(%s) = %v, want error %q", tc.body, e, tc.message)
		case tc.message == "" && e != nil:
			t.Errorf("decodeJSONBytes(%s) failed: %s", tc.body, e.Message)
		case tc.message == "" && !reflect.DeepEqual(got, tc.want):
			t.Errorf("decodeJSONBytes(%s) = %+v, want %+v", tc.body, got, tc.want)
		}
	}
}

func TestPlainTypeOfDeclinesUnsupportedTypes(t *testing.T) {
	// faultSpec has a map, a uint64 and an *int64, which only the full
	// path decodes.
	if plan := plainTypeOf(reflect.TypeFor[faultSpec]()); plan != nil {
		t.Errorf("plainTypeOf(faultSpec) = %+v, want nil", plan)
	}
	type withStringOption struct {
		N int32 `json:"n,string"`
	}
	if plan := plainTypeOf(reflect.TypeFor[withStringOption]()); plan != nil {
		t.Errorf("plainTypeOf of a field with the string option = %+v, want nil", plan)
	}
	plan := plainTypeOf(reflect.TypeFor[batchCreateRequest]())
	if plan == nil {
		t.Fatal("plainTypeOf(batchCreateRequest) = nil, want a plan")
	}
	if _, ok := plan.names["new_media_items"]; !ok {
		t.Errorf("plainTypeOf(batchCreateRequest) does not list the proto name new_media_items")
	}
}
