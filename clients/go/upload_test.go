package aeserve

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"aeserve.dev/clients/go/aeservev1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Uploads carry an idempotency key: a retried upload never makes a second version. AESERVE_UPLOAD_DIR
// holds two trained artifacts, a/ and b/ (clients/test-all trains them), with different weights.

type artifact struct {
	spec, metrics string
	weights       []byte
}

func readArtifacts(t *testing.T) (artifact, artifact) {
	t.Helper()
	dir := os.Getenv("AESERVE_UPLOAD_DIR")
	if dir == "" {
		t.Fatal("AESERVE_UPLOAD_DIR is not set: run clients/test-all, or train two artifacts with `./aeserve train --save`")
	}
	read := func(sub, name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, sub, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a := artifact{string(read("a", "spec.json")), string(read("a", "metrics.json")), read("a", "weights.bin")}
	b := artifact{string(read("b", "spec.json")), string(read("b", "metrics.json")), read("b", "weights.bin")}
	if string(a.weights) == string(b.weights) {
		t.Fatal("the two upload artifacts must differ")
	}
	return a, b
}

func freshModel(t *testing.T, c *Client) string {
	t.Helper()
	var b [5]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	name := "go-upload-" + hex.EncodeToString(b[:])
	if _, err := c.Registry().CreateModel(context.Background(),
		&aeservev1.CreateModelRequest{Name: name, Family: "ae", Description: "go upload test"}); err != nil {
		t.Fatal(err)
	}
	return name
}

func upload(c *Client, model string, a artifact, key string) (uint32, error) {
	v, err := c.UploadVersion(context.Background(),
		Upload{Model: model, SpecJSON: a.spec, MetricsJSON: a.metrics, Weights: a.weights, IdempotencyKey: key})
	if err != nil {
		return 0, err
	}
	return v.GetVersion(), nil
}

func mustUpload(t *testing.T, c *Client, model string, a artifact, key string) uint32 {
	t.Helper()
	v, err := upload(c, model, a, key)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func versionsOf(t *testing.T, c *Client, model string) []uint32 {
	t.Helper()
	r, err := c.Registry().ListVersions(context.Background(), &aeservev1.ListVersionsRequest{Model: model})
	if err != nil {
		t.Fatal(err)
	}
	var out []uint32
	for _, v := range r.GetVersions() {
		out = append(out, v.GetVersion())
	}
	return out
}

func TestUploadTheSameKeyAndBytesReturnTheFirstVersion(t *testing.T) {
	c, _ := demo(t)
	a, _ := readArtifacts(t)
	model := freshModel(t, c)
	first := mustUpload(t, c, model, a, "key-1")
	if again := mustUpload(t, c, model, a, "key-1"); again != first {
		t.Fatalf("the retry made version %d, the first upload %d", again, first)
	}
	if vs := versionsOf(t, c, model); len(vs) != 1 || vs[0] != first {
		t.Fatalf("versions %v, want [%d]", vs, first)
	}
	// Another key is another upload.
	if second := mustUpload(t, c, model, a, "key-2"); second == first {
		t.Fatalf("another key returned the first version %d", first)
	}
	if vs := versionsOf(t, c, model); len(vs) != 2 {
		t.Fatalf("versions %v, want two", vs)
	}
}

func TestUploadTheSameKeyWithOtherBytesIsRefusedNamingTheVersion(t *testing.T) {
	c, _ := demo(t)
	a, b := readArtifacts(t)
	model := freshModel(t, c)
	first := mustUpload(t, c, model, a, "key-1")
	_, err := upload(c, model, b, "key-1")
	wantCode(t, err, codes.AlreadyExists)
	if msg := status.Convert(err).Message(); !strings.Contains(msg, "version "+strconv.FormatUint(uint64(first), 10)) {
		t.Fatalf("the refusal does not name version %d: %s", first, msg)
	}
	if vs := versionsOf(t, c, model); len(vs) != 1 || vs[0] != first {
		t.Fatalf("versions %v, want [%d]", vs, first)
	}
}

func TestUploadWithoutAKeySendsAFreshOne(t *testing.T) {
	c, _ := demo(t)
	a, _ := readArtifacts(t)
	model := freshModel(t, c)
	first, second := mustUpload(t, c, model, a, ""), mustUpload(t, c, model, a, "")
	if first == second {
		t.Fatalf("two uploads without a key gave one version %d", first)
	}
	r, err := c.Registry().ListEvents(context.Background(), &aeservev1.ListEventsRequest{Model: model, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	keys := map[string]bool{}
	for _, e := range r.GetEvents() {
		if e.GetAction() != "version.create" {
			continue
		}
		var details struct {
			Key string `json:"idempotency_key"`
		}
		if err := json.Unmarshal([]byte(e.GetDetailsJson()), &details); err != nil {
			t.Fatal(err)
		}
		if !uuid.MatchString(details.Key) {
			t.Fatalf("version %d was created with key %q, want a random UUID", e.GetVersion(), details.Key)
		}
		keys[details.Key] = true
	}
	if len(keys) != 2 {
		t.Fatalf("keys %v, want two different ones", keys)
	}
}

// loseFirstUploadAnswer lets the first UploadVersion reach the server and complete there, then
// fails it on this side with UNAVAILABLE, as when the connection drops after the last byte.
type loseFirstUploadAnswer struct{ uploads atomic.Int32 }

func (l *loseFirstUploadAnswer) intercept(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn,
	method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	s, err := streamer(ctx, desc, cc, method, opts...)
	if err != nil || !strings.HasSuffix(method, "/UploadVersion") || l.uploads.Add(1) != 1 {
		return s, err
	}
	return lostAnswer{s}, nil
}

type lostAnswer struct{ grpc.ClientStream }

func (s lostAnswer) RecvMsg(m any) error {
	if err := s.ClientStream.RecvMsg(m); err != nil {
		return err
	}
	return status.Error(codes.Unavailable, "connection lost (test)")
}

func TestUploadWhoseAnswerWasLostIsRetriedIntoOneVersion(t *testing.T) {
	c, _ := demo(t)
	a, _ := readArtifacts(t)
	model := freshModel(t, c)
	lose := &loseFirstUploadAnswer{}
	lossy, err := Dial(os.Getenv("AESERVE_TARGET"), WithActor("go-tests"), WithTimeout(60*time.Second),
		WithDialOptions(grpc.WithChainStreamInterceptor(lose.intercept)))
	if err != nil {
		t.Fatal(err)
	}
	defer lossy.Close()
	version := mustUpload(t, lossy, model, a, "") // no key given: the client's own key must be reused on retry
	if n := lose.uploads.Load(); n != 2 {
		t.Fatalf("%d upload attempts, want 2 (one retry)", n)
	}
	if vs := versionsOf(t, c, model); len(vs) != 1 || vs[0] != version {
		t.Fatalf("versions %v, want [%d]", vs, version)
	}
}
