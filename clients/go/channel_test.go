package aeserve

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"aeserve.dev/clients/go/aeservev1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// flaky fails its first `failures` Encode calls with `code`, then answers with version 3.
type flaky struct {
	aeservev1.UnimplementedAutoencoderServer
	mu       sync.Mutex
	failures int
	code     codes.Code
	calls    int
	md       []metadata.MD
}

func (f *flaky) Encode(ctx context.Context, _ *aeservev1.EncodeRequest) (*aeservev1.EncodeResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	md, _ := metadata.FromIncomingContext(ctx)
	f.md = append(f.md, md)
	if f.calls <= f.failures {
		return nil, status.Error(f.code, "try again")
	}
	return &aeservev1.EncodeResponse{ServedBy: &aeservev1.ServedBy{Model: "m", Version: 3, Route: aeservev1.Route_ROUTE_LATEST},
		Latents: &aeservev1.Matrix{Rows: 1, Cols: 1, Values: []float32{42}}}, nil
}

func fakeServer(t *testing.T, f *flaky) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer()
	aeservev1.RegisterAutoencoderServer(s, f)
	go s.Serve(lis)
	t.Cleanup(s.Stop)
	return lis.Addr().String()
}

func TestRetriesTransientCodesThroughTheServiceConfig(t *testing.T) {
	for _, code := range []codes.Code{codes.Unavailable, codes.ResourceExhausted} {
		f := &flaky{failures: 2, code: code}
		c, err := Dial(fakeServer(t, f), WithRetries(4, 10*time.Millisecond, 50*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		r, err := c.Encode(context.Background(), M("m"), [][]float32{{1}}, nil)
		c.Close()
		if err != nil || f.calls != 3 || r.Latents[0][0] != 42 || r.ServedBy.Version != 3 || r.ServedBy.Route != "latest" {
			t.Fatalf("%v: err %v after %d calls", code, err, f.calls)
		}
	}
}

func TestDoesNotRetryOtherCodes(t *testing.T) {
	f := &flaky{failures: 1, code: codes.InvalidArgument}
	c, _ := Dial(fakeServer(t, f))
	defer c.Close()
	_, err := c.Encode(context.Background(), M("m"), [][]float32{{1}}, nil)
	if status.Code(err) != codes.InvalidArgument || f.calls != 1 {
		t.Fatalf("err %v after %d calls", err, f.calls)
	}
}

func TestSendsBearerTokenAndActor(t *testing.T) {
	f := &flaky{}
	c, _ := Dial(fakeServer(t, f), WithBearerToken("s3cret"), WithActor("ci"))
	defer c.Close()
	if _, err := c.Encode(context.Background(), M("m"), [][]float32{{1}}, nil); err != nil {
		t.Fatal(err)
	}
	if got := f.md[0].Get("authorization"); len(got) != 1 || got[0] != "Bearer s3cret" {
		t.Fatalf("authorization %v", got)
	}
	if got := f.md[0].Get("x-aeserve-actor"); len(got) != 1 || got[0] != "ci" {
		t.Fatalf("actor %v", got)
	}
}

func TestParseModel(t *testing.T) {
	for s, want := range map[string]Model{"a": {Name: "a"}, "a:3": {Name: "a", Version: 3}, "a@prod": {Name: "a", Alias: "prod"}} {
		if got, err := ParseModel(s); err != nil || got != want {
			t.Fatalf("%s: %+v %v", s, got, err)
		}
	}
	if _, err := ParseModel("a:x"); err == nil {
		t.Fatal("a:x parsed")
	}
}
