// Package aeserve is a thin Go client for aeserve, the gRPC model server for autoencoders:
// [][]float32 in and out, context deadlines, and the version that served each call in every result.
//
// Errors are gRPC status errors: status.Code(err) is codes.NotFound for an unknown model,
// codes.InvalidArgument for malformed input, and so on (see docs/api.md).
//
// The channel retries UNAVAILABLE and RESOURCE_EXHAUSTED with exponential backoff through its gRPC
// service config, and balances round robin over every address its target resolves to:
// "dns:///aeserve-headless.ns.svc:50051" spreads calls over a Kubernetes headless Service's pods.
package aeserve

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"os"
	"os/user"
	"strconv"
	"strings"
	"time"

	"aeserve.dev/clients/go/aeservev1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
)

// Client calls one aeserve target. It is safe for concurrent use; Close it when done.
type Client struct {
	conn      *grpc.ClientConn
	inference aeservev1.AutoencoderClient
	registry  aeservev1.ModelRegistryClient
	rollouts  aeservev1.RolloutsClient
}

type options struct {
	timeout        time.Duration
	tls            *tls.Config
	token          string
	actor          string
	maxAttempts    int
	initialBackoff time.Duration
	maxBackoff     time.Duration
	loadBalancing  string
	dial           []grpc.DialOption
}

// Option configures a Client.
type Option func(*options)

// WithTimeout sets the deadline of calls whose context has none (default 30 s).
func WithTimeout(d time.Duration) Option { return func(o *options) { o.timeout = d } }

// WithTLS connects with TLS; a nil config trusts the system's certificate authorities.
func WithTLS(c *tls.Config) Option {
	return func(o *options) {
		if c == nil {
			c = &tls.Config{}
		}
		o.tls = c
	}
}

// RootCAs returns a TLS config that trusts the certificate authorities in a PEM file (a private CA),
// for WithTLS.
func RootCAs(pemFile string) (*tls.Config, error) {
	pem, err := os.ReadFile(pemFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("no PEM certificates in %s", pemFile)
	}
	return &tls.Config{RootCAs: pool}, nil
}

// WithBearerToken sends "authorization: Bearer TOKEN" on every call. Use it with TLS.
func WithBearerToken(token string) Option { return func(o *options) { o.token = token } }

// WithActor names the caller in the registry's audit log (default: the local user).
func WithActor(actor string) Option { return func(o *options) { o.actor = actor } }

// WithRetries sets the attempts per call on UNAVAILABLE and RESOURCE_EXHAUSTED (default 4; 1 turns
// retries off) and the exponential backoff between them.
func WithRetries(maxAttempts int, initialBackoff, maxBackoff time.Duration) Option {
	return func(o *options) { o.maxAttempts, o.initialBackoff, o.maxBackoff = maxAttempts, initialBackoff, maxBackoff }
}

// WithLoadBalancing sets the policy over the target's addresses: "round_robin" (default) or "pick_first".
func WithLoadBalancing(policy string) Option { return func(o *options) { o.loadBalancing = policy } }

// WithDialOptions passes extra options to grpc.NewClient.
func WithDialOptions(d ...grpc.DialOption) Option { return func(o *options) { o.dial = append(o.dial, d...) } }

// Dial creates a client for target ("host:port" or any gRPC target). It does not wait for a connection.
func Dial(target string, opts ...Option) (*Client, error) {
	o := options{timeout: 30 * time.Second, actor: localUser(), maxAttempts: 4,
		initialBackoff: 100 * time.Millisecond, maxBackoff: 2 * time.Second, loadBalancing: "round_robin"}
	for _, opt := range opts {
		opt(&o)
	}
	md := metadata.Pairs("x-aeserve-actor", o.actor)
	if o.token != "" {
		md.Set("authorization", "Bearer "+o.token)
	}
	creds := insecure.NewCredentials()
	if o.tls != nil {
		creds = credentials.NewTLS(o.tls)
	}
	dial := append([]grpc.DialOption{
		grpc.WithTransportCredentials(creds),
		grpc.WithDefaultServiceConfig(ServiceConfig(o.maxAttempts, o.initialBackoff, o.maxBackoff, o.loadBalancing)),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(64 << 20)),
		grpc.WithChainUnaryInterceptor(func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn,
			invoker grpc.UnaryInvoker, callOpts ...grpc.CallOption) error {
			ctx, cancel := withDefaultDeadline(metadata.NewOutgoingContext(ctx, merged(ctx, md)), o.timeout)
			defer cancel()
			return invoker(ctx, method, req, reply, cc, callOpts...)
		}),
		grpc.WithChainStreamInterceptor(func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn,
			method string, streamer grpc.Streamer, callOpts ...grpc.CallOption) (grpc.ClientStream, error) {
			// A stream's deadline is the caller's context: it lives as long as the caller reads from it.
			return streamer(metadata.NewOutgoingContext(ctx, merged(ctx, md)), desc, cc, method, callOpts...)
		}),
	}, o.dial...)
	conn, err := grpc.NewClient(target, dial...)
	if err != nil {
		return nil, err
	}
	return &Client{conn: conn, inference: aeservev1.NewAutoencoderClient(conn),
		registry: aeservev1.NewModelRegistryClient(conn), rollouts: aeservev1.NewRolloutsClient(conn)}, nil
}

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }

// Registry is the generated ModelRegistry client on this client's connection (headers, deadline, retries).
func (c *Client) Registry() aeservev1.ModelRegistryClient { return c.registry }

// Rollouts is the generated Rollouts client on this client's connection.
func (c *Client) Rollouts() aeservev1.RolloutsClient { return c.rollouts }

// Inference is the generated Autoencoder client, for options the wrapper does not cover.
func (c *Client) Inference() aeservev1.AutoencoderClient { return c.inference }

// ServiceConfig is the gRPC service config (JSON) a client starts with. Registry and rollout writes
// are not retried: a write whose answer was lost may have committed.
func ServiceConfig(maxAttempts int, initialBackoff, maxBackoff time.Duration, loadBalancing string) string {
	config := map[string]any{"loadBalancingConfig": []any{map[string]any{loadBalancing: map[string]any{}}}}
	if maxAttempts > 1 {
		names := []any{map[string]string{"service": "aeserve.v1.Autoencoder"}}
		for _, m := range []string{"GetModel", "ListModels", "GetVersion", "ListVersions", "ListEvents"} {
			names = append(names, map[string]string{"service": "aeserve.v1.ModelRegistry", "method": m})
		}
		for _, m := range []string{"GetTraffic", "CompareShadow"} {
			names = append(names, map[string]string{"service": "aeserve.v1.Rollouts", "method": m})
		}
		config["methodConfig"] = []any{map[string]any{
			"name": names,
			"retryPolicy": map[string]any{
				"maxAttempts":          maxAttempts,
				"initialBackoff":       fmt.Sprintf("%.3fs", initialBackoff.Seconds()),
				"maxBackoff":           fmt.Sprintf("%.3fs", maxBackoff.Seconds()),
				"backoffMultiplier":    2,
				"retryableStatusCodes": []string{"UNAVAILABLE", "RESOURCE_EXHAUSTED"},
			},
		}}
	}
	b, _ := json.Marshal(config)
	return string(b)
}

// Model selects the version that serves a call: the model's routing (sticky by RoutingKey), an
// exact Version, or an Alias.
type Model struct {
	Name       string
	Version    uint32 // 0: none
	Alias      string // "": none
	RoutingKey string
}

// ParseModel parses "NAME", "NAME:VERSION" or "NAME@ALIAS".
func ParseModel(s string) (Model, error) {
	if name, alias, ok := strings.Cut(s, "@"); ok {
		return Model{Name: name, Alias: alias}, nil
	}
	if name, v, ok := strings.Cut(s, ":"); ok {
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return Model{}, fmt.Errorf("'%s' is not a version number; use NAME, NAME:VERSION or NAME@ALIAS", v)
		}
		return Model{Name: name, Version: uint32(n)}, nil
	}
	return Model{Name: s}, nil
}

// M is ParseModel for literals; it panics on a malformed selector.
func M(s string) Model {
	m, err := ParseModel(s)
	if err != nil {
		panic(err)
	}
	return m
}

// WithRoutingKey returns the same selection with a sticky routing key for traffic splits.
func (m Model) WithRoutingKey(key string) Model { m.RoutingKey = key; return m }

func (m Model) proto() *aeservev1.ModelRef {
	ref := &aeservev1.ModelRef{Name: m.Name, RoutingKey: m.RoutingKey}
	if m.Version != 0 {
		ref.Selector = &aeservev1.ModelRef_Version{Version: m.Version}
	} else if m.Alias != "" {
		ref.Selector = &aeservev1.ModelRef_Alias{Alias: m.Alias}
	}
	return ref
}

// ServedBy says which version served a call and how it was chosen.
type ServedBy struct {
	Model   string
	Version uint32
	Route   string // "version", "alias", "split" or "latest"
	Alias   string
	Arm     string
	Family  string
	Engine  string
}

func servedBy(s *aeservev1.ServedBy) ServedBy {
	route := map[aeservev1.Route]string{aeservev1.Route_ROUTE_VERSION: "version", aeservev1.Route_ROUTE_ALIAS: "alias",
		aeservev1.Route_ROUTE_SPLIT: "split", aeservev1.Route_ROUTE_LATEST: "latest"}[s.GetRoute()]
	return ServedBy{Model: s.GetModel(), Version: s.GetVersion(), Route: route, Alias: s.GetAlias(), Arm: s.GetArm(),
		Family: s.GetFamily(), Engine: s.GetEngine()}
}

func withDefaultDeadline(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok || d <= 0 {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, d)
}

func merged(ctx context.Context, md metadata.MD) metadata.MD {
	if existing, ok := metadata.FromOutgoingContext(ctx); ok {
		return metadata.Join(md, existing)
	}
	return md
}

func localUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "anonymous"
}

