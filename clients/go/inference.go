package aeserve

import (
	"context"
	"errors"
	"io"

	"aeserve.dev/clients/go/aeservev1"
)

// EncodeOptions: Sample asks VAE families for one z per row drawn with Seed (nil: the server
// chooses and echoes one); Condition is the CVAE condition (one label per row, or one for all).
type EncodeOptions struct {
	Sample    bool
	Seed      *uint64
	Condition []string
}

// EncodeResult holds one latent row per input row (the posterior mean for VAE families).
type EncodeResult struct {
	Latents           [][]float32
	LogVariances      [][]float32 // VAE families; nil otherwise
	Samples           [][]float32 // when sampling was asked
	Seed              *uint64
	LatentFingerprint string
	ServedBy          ServedBy
}

// Encode maps inputs to latent codes. opts may be nil.
func (c *Client) Encode(ctx context.Context, m Model, inputs [][]float32, opts *EncodeOptions) (*EncodeResult, error) {
	x, err := toMatrix(inputs)
	if err != nil {
		return nil, err
	}
	req := &aeservev1.EncodeRequest{Model: m.proto(), Inputs: x}
	if opts != nil {
		req.Sample, req.Seed, req.Condition = opts.Sample, opts.Seed, condition(opts.Condition)
	}
	r, err := c.inference.Encode(ctx, req)
	if err != nil {
		return nil, err
	}
	return &EncodeResult{Latents: fromMatrix(r.GetLatents()), LogVariances: fromMatrix(r.GetLogVariances()),
		Samples: fromMatrix(r.GetSamples()), Seed: r.Seed, LatentFingerprint: r.GetLatentFingerprint(),
		ServedBy: servedBy(r.GetServedBy())}, nil
}

// DecodeOptions: with LatentFingerprint, codes from another latent space fail with FailedPrecondition.
type DecodeOptions struct {
	LatentFingerprint string
	Condition         []string
}

type DecodeResult struct {
	Outputs           [][]float32
	LatentFingerprint string
	ServedBy          ServedBy
}

// Decode maps latent codes back to inputs. opts may be nil.
func (c *Client) Decode(ctx context.Context, m Model, latents [][]float32, opts *DecodeOptions) (*DecodeResult, error) {
	z, err := toMatrix(latents)
	if err != nil {
		return nil, err
	}
	req := &aeservev1.DecodeRequest{Model: m.proto(), Latents: z}
	if opts != nil {
		req.LatentFingerprint, req.Condition = opts.LatentFingerprint, condition(opts.Condition)
	}
	r, err := c.inference.Decode(ctx, req)
	if err != nil {
		return nil, err
	}
	return &DecodeResult{Outputs: fromMatrix(r.GetOutputs()), LatentFingerprint: r.GetLatentFingerprint(),
		ServedBy: servedBy(r.GetServedBy())}, nil
}

// ReconstructOptions: ScoreKind zero means the spec's loss.
type ReconstructOptions struct {
	OmitOutputs   bool
	FeatureErrors bool
	ScoreKind     aeservev1.ScoreKind
	Condition     []string
}

type ReconstructResult struct {
	Outputs       [][]float32 // nil with OmitOutputs
	Scores        []float32   // one per row; higher is worse
	ScoreKind     aeservev1.ScoreKind
	FeatureErrors [][]float32
	Anomalous     []bool                 // nil without a calibration for this score and with every row in its domain: never guessed
	Calibration   *aeservev1.Calibration // the calibration the verdicts used
	OutsideDomain []string               // per row, why it lies outside the trained input domain ("" inside); nil when all are inside
	ServedBy      ServedBy
}

func reconstructRequest(m Model, inputs [][]float32, opts *ReconstructOptions) (*aeservev1.ReconstructRequest, error) {
	x, err := toMatrix(inputs)
	if err != nil {
		return nil, err
	}
	req := &aeservev1.ReconstructRequest{Model: m.proto(), Inputs: x}
	if opts != nil {
		req.OmitOutputs, req.IncludeFeatureErrors, req.ScoreKind = opts.OmitOutputs, opts.FeatureErrors, opts.ScoreKind
		req.Condition = condition(opts.Condition)
	}
	return req, nil
}

func reconstructResult(r *aeservev1.ReconstructResponse) *ReconstructResult {
	out := &ReconstructResult{Outputs: fromMatrix(r.GetOutputs()), Scores: r.GetScores(), ScoreKind: r.GetScoreKind(),
		FeatureErrors: fromMatrix(r.GetFeatureErrors()), Calibration: r.GetCalibration(), ServedBy: servedBy(r.GetServedBy())}
	if len(r.GetAnomalous()) > 0 {
		out.Anomalous = r.GetAnomalous()
	}
	if len(r.GetOutsideDomain()) > 0 {
		out.OutsideDomain = r.GetOutsideDomain()
	}
	return out
}

// Reconstruct scores each row. opts may be nil.
func (c *Client) Reconstruct(ctx context.Context, m Model, inputs [][]float32, opts *ReconstructOptions) (*ReconstructResult, error) {
	req, err := reconstructRequest(m, inputs, opts)
	if err != nil {
		return nil, err
	}
	r, err := c.inference.Reconstruct(ctx, req)
	if err != nil {
		return nil, err
	}
	return reconstructResult(r), nil
}

// ReconstructStream scores many windows on one stream and returns one result per window, in order.
// ctx bounds the whole stream.
func (c *Client) ReconstructStream(ctx context.Context, m Model, windows [][][]float32, opts *ReconstructOptions) ([]*ReconstructResult, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := c.inference.ReconstructStream(ctx)
	if err != nil {
		return nil, err
	}
	sendErr := make(chan error, 1)
	go func() {
		for _, w := range windows {
			req, err := reconstructRequest(m, w, opts)
			if err == nil {
				err = stream.Send(req)
			}
			if err != nil {
				sendErr <- err
				cancel()
				return
			}
		}
		sendErr <- stream.CloseSend()
	}()
	var out []*ReconstructResult
	for {
		r, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if se := <-sendErr; se != nil && !errors.Is(se, io.EOF) {
				return nil, se
			}
			return nil, err
		}
		out = append(out, reconstructResult(r))
	}
	return out, <-sendErr
}

// Interpolation between exactly two endpoints, given as Inputs (encoded first) or Latents.
type Interpolation struct {
	Inputs  [][]float32
	Latents [][]float32
	Steps   uint32 // points from the first endpoint to the second, both included (>= 2)
	Slerp   bool
}

// SampleOptions: Count draws from the prior, or Interpolation. Nil Seed: the server chooses and
// echoes one; nil Temperature means 1.0.
type SampleOptions struct {
	Count         uint32
	Seed          *uint64
	Temperature   *float32
	Condition     []string
	Interpolation *Interpolation
}

type SampleResult struct {
	Samples  [][]float32
	Latents  [][]float32
	Seed     uint64
	ServedBy ServedBy
}

// Sample draws from the prior of a family that has one (vae, cvae, multvae), or interpolates.
func (c *Client) Sample(ctx context.Context, m Model, opts SampleOptions) (*SampleResult, error) {
	req := &aeservev1.SampleRequest{Model: m.proto(), Count: opts.Count, Seed: opts.Seed, Temperature: opts.Temperature,
		Condition: condition(opts.Condition)}
	if in := opts.Interpolation; in != nil {
		method := aeservev1.InterpolationMethod_INTERPOLATION_METHOD_LINEAR
		if in.Slerp {
			method = aeservev1.InterpolationMethod_INTERPOLATION_METHOD_SLERP
		}
		req.Interpolation = &aeservev1.Interpolation{Steps: in.Steps, Method: method}
		if in.Latents != nil {
			z, err := toMatrix(in.Latents)
			if err != nil {
				return nil, err
			}
			req.Interpolation.Endpoints = &aeservev1.Interpolation_Latents{Latents: z}
		} else {
			x, err := toMatrix(in.Inputs)
			if err != nil {
				return nil, err
			}
			req.Interpolation.Endpoints = &aeservev1.Interpolation_Inputs{Inputs: x}
		}
	}
	r, err := c.inference.Sample(ctx, req)
	if err != nil {
		return nil, err
	}
	return &SampleResult{Samples: fromMatrix(r.GetSamples()), Latents: fromMatrix(r.GetLatents()), Seed: r.GetSeed(),
		ServedBy: servedBy(r.GetServedBy())}, nil
}

// Corruption is applied on the server to clean inputs before Denoise (the generated message:
// GaussianSigma, MaskProbability, SaltPepperProbability, Seed, ClipMin, ClipMax).
type Corruption = aeservev1.Corruption

type DenoiseResult struct {
	Outputs        [][]float32
	Corrupted      [][]float32 // with returnCorrupted
	CorruptionSeed *uint64
	CleanErrors    []float32 // with a corruption: per-row MSE against the clean input
	ServedBy       ServedBy
}

// Denoise cleans noisy rows (family dae); with corruption (nil for none) the server corrupts clean
// inputs first.
func (c *Client) Denoise(ctx context.Context, m Model, inputs [][]float32, corruption *Corruption, returnCorrupted bool) (*DenoiseResult, error) {
	x, err := toMatrix(inputs)
	if err != nil {
		return nil, err
	}
	r, err := c.inference.Denoise(ctx, &aeservev1.DenoiseRequest{Model: m.proto(), Inputs: x, Corruption: corruption,
		ReturnCorrupted: returnCorrupted})
	if err != nil {
		return nil, err
	}
	return &DenoiseResult{Outputs: fromMatrix(r.GetOutputs()), Corrupted: fromMatrix(r.GetCorrupted()),
		CorruptionSeed: r.CorruptionSeed, CleanErrors: r.GetCleanErrors(), ServedBy: servedBy(r.GetServedBy())}, nil
}

// Interaction is one item a user interacted with, and how strongly (1 for a plain interaction).
type Interaction struct {
	Item  string
	Value float32
}

// UserHistory is one user's interactions, in order.
type UserHistory struct {
	User         string
	Interactions []Interaction
}

// RecommendOptions: nil ExcludeSeen means true; empty Candidates means the whole vocabulary.
type RecommendOptions struct {
	K           uint32
	ExcludeSeen *bool
	Candidates  []string
	Excluded    []string
}

type ScoredItem struct {
	Item  string
	Score float32
}

type UserItems struct {
	User    string
	Items   []ScoredItem // best first
	Unknown []string     // history ids not in the vocabulary, ignored for scoring
}

type RecommendResult struct {
	Users    []UserItems
	ServedBy ServedBy
}

// Recommend ranks items for each user (families autorec and multvae).
func (c *Client) Recommend(ctx context.Context, m Model, users []UserHistory, opts RecommendOptions) (*RecommendResult, error) {
	req := &aeservev1.RecommendRequest{Model: m.proto(), K: opts.K, ExcludeSeen: opts.ExcludeSeen,
		CandidateItems: opts.Candidates, ExcludedItems: opts.Excluded}
	for _, u := range users {
		h := &aeservev1.UserHistory{UserId: u.User}
		for _, i := range u.Interactions {
			h.Interactions = append(h.Interactions, &aeservev1.Interaction{ItemId: i.Item, Value: i.Value})
		}
		req.Users = append(req.Users, h)
	}
	r, err := c.inference.Recommend(ctx, req)
	if err != nil {
		return nil, err
	}
	out := &RecommendResult{ServedBy: servedBy(r.GetServedBy())}
	for _, u := range r.GetUsers() {
		ui := UserItems{User: u.GetUserId(), Unknown: u.GetUnknownItems()}
		for _, i := range u.GetItems() {
			ui.Items = append(ui.Items, ScoredItem{Item: i.GetItemId(), Score: i.GetScore()})
		}
		out.Users = append(out.Users, ui)
	}
	return out, nil
}

// SetTraffic replaces a model's split with these primary arms (their weights, percent of live
// traffic, sum to 100). Shadows and quality gates: Rollouts().SetTraffic.
func (c *Client) SetTraffic(ctx context.Context, model string, primaries []*aeservev1.TrafficArm) (*aeservev1.TrafficInfo, error) {
	return c.rollouts.SetTraffic(ctx, &aeservev1.SetTrafficRequest{Model: model, Primaries: primaries})
}

func condition(labels []string) *aeservev1.Condition {
	if len(labels) == 0 {
		return nil
	}
	return &aeservev1.Condition{Labels: labels}
}

// Ptr returns a pointer to v, for the optional fields (Seed, Temperature, ExcludeSeen).
func Ptr[T any](v T) *T { return &v }
