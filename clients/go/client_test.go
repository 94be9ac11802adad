package aeserve

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"aeserve.dev/clients/go/aeservev1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// These tests call a running `aeserve demo` server: clients/test-all starts one and sets
// AESERVE_TARGET and AESERVE_DEMO_DIR.
func demo(t *testing.T) (*Client, string) {
	t.Helper()
	target, dir := os.Getenv("AESERVE_TARGET"), os.Getenv("AESERVE_DEMO_DIR")
	if target == "" || dir == "" {
		t.Fatal("AESERVE_TARGET and AESERVE_DEMO_DIR are not set: run clients/test-all, or start `./aeserve demo --generated`")
	}
	c, err := Dial(target, WithActor("go-tests"), WithTimeout(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, dir
}

func readCSV(t *testing.T, path string) [][]float32 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	rows := make([][]float32, len(records))
	for i, rec := range records {
		for _, s := range rec {
			v, err := strconv.ParseFloat(s, 32)
			if err != nil {
				t.Fatal(err)
			}
			rows[i] = append(rows[i], float32(v))
		}
	}
	return rows
}

func wantCode(t *testing.T, err error, code codes.Code) {
	t.Helper()
	if status.Code(err) != code {
		t.Fatalf("want %v, got %v", code, err)
	}
}

func TestEncodeDecodeReportTheServingVersion(t *testing.T) {
	c, dir := demo(t)
	ctx := context.Background()
	x := readCSV(t, filepath.Join(dir, "demo-ae.csv"))
	enc, err := c.Encode(ctx, M("demo-ae@production"), x, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(enc.Latents) != 5 || len(enc.Latents[0]) != 4 || enc.LogVariances != nil {
		t.Fatalf("latents %dx%d, log-variances %v", len(enc.Latents), len(enc.Latents[0]), enc.LogVariances)
	}
	if s := enc.ServedBy; s.Model != "demo-ae" || s.Version != 1 || s.Route != "alias" || s.Alias != "production" || s.Family != "ae" {
		t.Fatalf("served by %+v", s)
	}
	dec, err := c.Decode(ctx, M("demo-ae:1"), enc.Latents, &DecodeOptions{LatentFingerprint: enc.LatentFingerprint})
	if err != nil {
		t.Fatal(err)
	}
	if len(dec.Outputs) != 5 || len(dec.Outputs[0]) != 64 || dec.ServedBy.Route != "version" {
		t.Fatalf("decode %dx%d %+v", len(dec.Outputs), len(dec.Outputs[0]), dec.ServedBy)
	}
	vae, err := c.Encode(ctx, M("demo-vae:1"), x, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Decode(ctx, M("demo-ae:1"), enc.Latents, &DecodeOptions{LatentFingerprint: vae.LatentFingerprint})
	wantCode(t, err, codes.FailedPrecondition)
}

func TestReconstructAndStream(t *testing.T) {
	c, dir := demo(t)
	ctx := context.Background()
	x := readCSV(t, filepath.Join(dir, "demo-ae.csv"))
	r, err := c.Reconstruct(ctx, M("demo-ae:1"), x, &ReconstructOptions{FeatureErrors: true,
		ScoreKind: aeservev1.ScoreKind_SCORE_KIND_MSE})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Scores) != 5 || len(r.FeatureErrors) != 5 || len(r.Outputs) != 5 {
		t.Fatalf("reconstruct: %d scores, %d feature-error rows, %d outputs", len(r.Scores),
			len(r.FeatureErrors), len(r.Outputs))
	}
	for i, row := range r.FeatureErrors {
		var sum float64
		for _, e := range row {
			sum += float64(e)
		}
		if math.Abs(sum/float64(len(row))-float64(r.Scores[i])) > 1e-5 {
			t.Fatalf("row %d: mean feature error %v, score %v", i, sum/float64(len(row)), r.Scores[i])
		}
	}
	// Without a score kind the version scores with its default, the one it was calibrated on:
	// verdicts come with it, and the stream is compared with a call like it (a version's default
	// need not be MSE).
	whole, err := c.Reconstruct(ctx, M("demo-ae:1"), x, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(whole.Anomalous) != 5 {
		t.Fatalf("reconstruct with the default score: %d verdicts", len(whole.Anomalous))
	}
	results, err := c.ReconstructStream(ctx, M("demo-ae:1"), [][][]float32{x[:1], x[1:3], x[3:]}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 3 || len(results[1].Scores) != 2 || math.Abs(float64(results[2].Scores[1]-whole.Scores[4])) > 1e-6 {
		t.Fatalf("stream %d results", len(results))
	}
	// v2 shares v1's weights with the calibration clients/cross/setup_split.py gave it, an MSE one:
	// verdicts come only under the score a calibration is of.
	calibrated, err := c.Reconstruct(ctx, M("demo-ae:2"), x, &ReconstructOptions{ScoreKind: aeservev1.ScoreKind_SCORE_KIND_MSE})
	if err != nil {
		t.Fatal(err)
	}
	if len(calibrated.Anomalous) != 5 || calibrated.Calibration.GetThreshold() != 0.05 {
		t.Fatalf("v2 calibration %v, %d verdicts", calibrated.Calibration, len(calibrated.Anomalous))
	}
}

func TestSampleDenoiseRecommend(t *testing.T) {
	c, dir := demo(t)
	ctx := context.Background()
	a, err := c.Sample(ctx, M("demo-vae"), SampleOptions{Count: 3, Seed: Ptr[uint64](7)})
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Sample(ctx, M("demo-vae"), SampleOptions{Count: 3, Seed: Ptr[uint64](7), Temperature: Ptr[float32](1)})
	if err != nil {
		t.Fatal(err)
	}
	if a.Seed != 7 || len(a.Samples) != 3 || a.Samples[2][5] != b.Samples[2][5] || a.ServedBy.Family != "vae" {
		t.Fatalf("sample %+v", a.ServedBy)
	}
	ends := readCSV(t, filepath.Join(dir, "demo-vae-endpoints.csv"))
	path, err := c.Sample(ctx, M("demo-vae"), SampleOptions{Interpolation: &Interpolation{Inputs: ends, Steps: 4, Slerp: true}})
	if err != nil || len(path.Samples) != 4 {
		t.Fatalf("interpolate: %v", err)
	}
	cvae, err := c.Sample(ctx, M("demo-cvae"), SampleOptions{Count: 2, Condition: []string{"1"}, Seed: Ptr[uint64](1)})
	if err != nil || len(cvae.Samples[0]) != 32 {
		t.Fatalf("cvae: %v", err)
	}

	clean := readCSV(t, filepath.Join(dir, "demo-dae.csv"))
	d, err := c.Denoise(ctx, M("demo-dae"), clean, &Corruption{GaussianSigma: 0.2, Seed: Ptr[uint64](5)}, true)
	if err != nil {
		t.Fatal(err)
	}
	if *d.CorruptionSeed != 5 || len(d.Corrupted) != 5 || len(d.CleanErrors) != 5 || d.ServedBy.Family != "dae" {
		t.Fatalf("denoise %+v", d)
	}

	r, err := c.Recommend(ctx, M("demo-autorec"), []UserHistory{{User: "u", Interactions: []Interaction{
		{"i1", 5}, {"i2", 4}, {"nope", 1}}}}, RecommendOptions{K: 5})
	if err != nil {
		t.Fatal(err)
	}
	u := r.Users[0]
	if u.User != "u" || len(u.Items) != 5 || len(u.Unknown) != 1 || u.Items[0].Score < u.Items[4].Score {
		t.Fatalf("recommend %+v", u)
	}
	for _, it := range u.Items {
		if it.Item == "i1" || it.Item == "i2" {
			t.Fatalf("seen item %s recommended", it.Item)
		}
	}
}

func TestErrors(t *testing.T) {
	c, dir := demo(t)
	ctx := context.Background()
	x := readCSV(t, filepath.Join(dir, "demo-ae.csv"))
	_, err := c.Encode(ctx, M("no-such-model"), x, nil)
	wantCode(t, err, codes.NotFound)
	_, err = c.Encode(ctx, M("demo-ae:99"), x, nil)
	wantCode(t, err, codes.NotFound)
	_, err = c.Encode(ctx, M("demo-ae"), [][]float32{{1, 2, 3}}, nil)
	wantCode(t, err, codes.InvalidArgument)
	_, err = c.Encode(ctx, M("demo-ae"), [][]float32{append(append([]float32{}, x[0][:63]...), float32(math.NaN()))}, nil)
	wantCode(t, err, codes.InvalidArgument)
	_, err = c.Sample(ctx, M("demo-ae"), SampleOptions{Count: 1})
	wantCode(t, err, codes.FailedPrecondition)
	short, cancel := context.WithTimeout(ctx, time.Millisecond)
	defer cancel()
	big := make([][]float32, 0, 2000)
	for len(big) < 2000 {
		big = append(big, x...)
	}
	_, err = c.Reconstruct(short, M("demo-conv-ae"), big, nil)
	wantCode(t, err, codes.DeadlineExceeded)
}

func TestRoutingKeyIsSticky(t *testing.T) {
	c, dir := demo(t)
	ctx := context.Background()
	x := readCSV(t, filepath.Join(dir, "demo-ae.csv"))
	traffic, err := c.Rollouts().GetTraffic(ctx, &aeservev1.GetTrafficRequest{Model: "demo-ae"})
	if err != nil || len(traffic.Primaries) != 2 {
		t.Fatalf("clients/test-all sets a 50/50 split on demo-ae first: %v %v", err, traffic)
	}
	versions := map[uint32]bool{}
	// The split's salt is drawn at random when it is set, so which arm a key lands on is a coin flip
	// per key: with 20 keys all on one arm 1 run in 2^19 (1.9e-6); with 64 keys 1 in 2^63 (1.1e-19).
	for i := 0; i < 64; i++ {
		key := "user-" + strconv.Itoa(i)
		a, err := c.Encode(ctx, M("demo-ae").WithRoutingKey(key), x, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, err := c.Encode(ctx, M("demo-ae").WithRoutingKey(key), x, nil)
		if err != nil {
			t.Fatal(err)
		}
		if a.ServedBy.Route != "split" || a.ServedBy.Version != b.ServedBy.Version {
			t.Fatalf("key %s: %+v then %+v", key, a.ServedBy, b.ServedBy)
		}
		versions[a.ServedBy.Version] = true
	}
	if len(versions) != 2 {
		t.Fatalf("64 keys all landed on %v", versions)
	}
}

// TestCrossLanguageOutputs writes what clients/cross/compare.py compares across the four clients.
func TestCrossLanguageOutputs(t *testing.T) {
	out := os.Getenv("AESERVE_CROSS_OUT")
	if out == "" {
		t.Skip("AESERVE_CROSS_OUT not set (clients/test-all sets it)")
	}
	c, dir := demo(t)
	ctx := context.Background()
	x := readCSV(t, filepath.Join(dir, "demo-ae.csv"))
	enc, err := c.Encode(ctx, M("demo-ae:1"), x, nil)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := c.Reconstruct(ctx, M("demo-ae:1"), x, nil)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := c.Decode(ctx, M("demo-ae:1"), enc.Latents, nil)
	if err != nil {
		t.Fatal(err)
	}
	smp, err := c.Sample(ctx, M("demo-vae:1"), SampleOptions{Count: 3, Seed: Ptr[uint64](7)})
	if err != nil {
		t.Fatal(err)
	}
	history := UserHistory{User: "u"}
	f, err := os.Open(filepath.Join(dir, "history.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines, _ := csv.NewReader(f).ReadAll()
	f.Close()
	for _, l := range lines {
		v, _ := strconv.ParseFloat(l[1], 32)
		history.Interactions = append(history.Interactions, Interaction{l[0], float32(v)})
	}
	recs, err := c.Recommend(ctx, M("demo-autorec:1"), []UserHistory{history}, RecommendOptions{K: 5})
	if err != nil {
		t.Fatal(err)
	}
	var items [][]any
	for _, it := range recs.Users[0].Items {
		items = append(items, []any{it.Item, it.Score})
	}
	routing := map[string]uint32{}
	for i := 0; i < 64; i++ {
		key := "user-" + strconv.Itoa(i)
		r, err := c.Encode(ctx, M("demo-ae").WithRoutingKey(key), x[:1], nil)
		if err != nil {
			t.Fatal(err)
		}
		routing[key] = r.ServedBy.Version
	}
	doc := map[string]any{
		"client":              "go",
		"encode_latents":      enc.Latents,
		"encode_version":      enc.ServedBy.Version,
		"latent_fingerprint":  enc.LatentFingerprint,
		"reconstruct_outputs": rec.Outputs,
		"reconstruct_scores":  rec.Scores,
		"decode_outputs":      dec.Outputs,
		"sample_samples":      smp.Samples,
		"recommend_items":     items,
		"routing":             routing,
	}
	b, err := json.MarshalIndent(doc, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "go.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}
