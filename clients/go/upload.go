package aeserve

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"aeserve.dev/clients/go/aeservev1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// UploadAttempts is how many times UploadVersion tries one logical upload, all under one key.
const UploadAttempts = 4

const uploadChunk = 1 << 20

// Upload is one version to upload. IdempotencyKey names the logical upload; empty means a fresh
// random one, which UploadVersion reuses on every retry of this call.
type Upload struct {
	Model           string
	SpecJSON        string
	MetricsJSON     string
	CalibrationJSON string
	Weights         []byte
	IdempotencyKey  string
}

// UploadVersion uploads a new version. It is retried with the same idempotency key when the server
// is unavailable or the connection drops: an attempt whose answer was lost but whose version was
// created returns that version, never a second one. The same key with other bytes is refused with
// codes.AlreadyExists naming the version it created. ctx bounds all attempts together.
func (c *Client) UploadVersion(ctx context.Context, u Upload) (*aeservev1.VersionInfo, error) {
	key := u.IdempotencyKey
	if key == "" {
		var b [16]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, err
		}
		b[6] = (b[6] & 0x0f) | 0x40
		b[8] = (b[8] & 0x3f) | 0x80
		key = fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
	}
	metrics := u.MetricsJSON
	if metrics == "" {
		metrics = "{}"
	}
	sum := sha256.Sum256(u.Weights)
	header := &aeservev1.UploadHeader{Model: u.Model, SpecJson: u.SpecJSON, MetricsJson: metrics,
		CalibrationJson: u.CalibrationJSON, ArtifactSize: uint64(len(u.Weights)),
		ArtifactSha256: hex.EncodeToString(sum[:]), IdempotencyKey: key}
	backoff := 200 * time.Millisecond
	for attempt := 1; ; attempt++ {
		v, err := c.uploadOnce(ctx, header, u.Weights)
		if err == nil || attempt >= UploadAttempts || status.Code(err) != codes.Unavailable {
			return v, err
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(backoff):
		}
		if backoff *= 2; backoff > 2*time.Second {
			backoff = 2 * time.Second
		}
	}
}

func (c *Client) uploadOnce(ctx context.Context, header *aeservev1.UploadHeader, weights []byte) (*aeservev1.VersionInfo, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := c.registry.UploadVersion(ctx)
	if err != nil {
		return nil, err
	}
	if err := stream.Send(&aeservev1.UploadVersionRequest{Part: &aeservev1.UploadVersionRequest_Header{Header: header}}); err != nil {
		_, err = stream.CloseAndRecv()
		return nil, err
	}
	for off := 0; off < len(weights); off += uploadChunk {
		end := min(off+uploadChunk, len(weights))
		if err := stream.Send(&aeservev1.UploadVersionRequest{Part: &aeservev1.UploadVersionRequest_Chunk{Chunk: weights[off:end]}}); err != nil {
			_, err = stream.CloseAndRecv() // the status says why the stream ended
			return nil, err
		}
	}
	return stream.CloseAndRecv()
}
