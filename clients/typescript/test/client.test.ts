// Every RPC of the TypeScript client against a running `aeserve demo` server (clients/test-all starts
// one and sets AESERVE_TARGET and AESERVE_DEMO_DIR), plus channel behaviour against a fake server.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "fs";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import { AeserveClient, AeserveError, toArrays, matrix } from "../src";

const target = process.env.AESERVE_TARGET;
const demoDir = process.env.AESERVE_DEMO_DIR;
let client: AeserveClient;

function csv(name: string): number[][] {
  return readFileSync(path.join(demoDir!, name), "utf8").trim().split("\n").map((l) => l.split(",").map(Number));
}

function history(): [string, number][] {
  return readFileSync(path.join(demoDir!, "history.csv"), "utf8").trim().split("\n")
    .map((l) => l.split(",")).map(([item, v]) => [item, Number(v)]);
}

async function rejectsWith(p: Promise<unknown>, code: grpc.status) {
  await assert.rejects(p, (e: unknown) => e instanceof AeserveError && e.code === code);
}

before(() => {
  assert.ok(target && demoDir, "AESERVE_TARGET and AESERVE_DEMO_DIR are not set: run clients/test-all");
  client = new AeserveClient(target!, { actor: "ts-tests" });
});
after(() => client?.close());

test("encode and decode report the serving version and check the latent space", async () => {
  const x = csv("demo-ae.csv");
  const enc = await client.encode("demo-ae@production", x);
  assert.deepEqual([enc.latents.rows, enc.latents.cols], [5, 4]);
  assert.ok(enc.latents.data instanceof Float32Array);
  assert.equal(enc.servedBy.version, 1);
  assert.equal(enc.servedBy.route, "alias");
  assert.equal(enc.servedBy.family, "ae");
  const dec = await client.decode("demo-ae:1", enc.latents, { fingerprint: enc.latentFingerprint });
  assert.deepEqual([dec.outputs.rows, dec.outputs.cols], [5, 64]);
  const vae = await client.encode("demo-vae:1", x);
  await rejectsWith(client.decode("demo-ae:1", enc.latents, { fingerprint: vae.latentFingerprint }),
    grpc.status.FAILED_PRECONDITION);
});

test("reconstruct scores rows; the stream answers each window in order", async () => {
  const x = csv("demo-ae.csv");
  const r = await client.reconstruct("demo-ae:1", x, { featureErrors: true, scoreKind: "mse" });
  assert.equal(r.scores.length, 5);
  assert.equal(r.scoreKind, "mse");
  assert.deepEqual([r.featureErrors!.rows, r.featureErrors!.cols], [5, 64]);
  const mean = toArrays(r.featureErrors!)[2].reduce((a, b) => a + b, 0) / 64;
  assert.ok(Math.abs(mean - r.scores[2]) < 1e-5);
  // Without a score kind each version scores with its own default (the one it was calibrated on,
  // not necessarily MSE), so the stream is compared with a call like it.
  const omitted = await client.reconstruct("demo-ae:1", x, { omitOutputs: true });
  assert.equal(omitted.outputs, undefined);
  const windows = await client.reconstructStream("demo-ae:1", [x.slice(0, 1), x.slice(1, 3), x.slice(3)]);
  assert.deepEqual(windows.map((w) => w.scores.length), [1, 2, 2]);
  assert.ok(Math.abs(windows[2].scores[1] - omitted.scores[4]) < 1e-6);
});

test("sample is reproducible by seed; interpolation and conditions", async () => {
  const a = await client.sample("demo-vae", { count: 3, seed: 7 });
  const b = await client.sample("demo-vae", { count: 3, seed: 7n, temperature: 1 });
  assert.equal(a.seed, 7n);
  assert.deepEqual(a.samples.data, b.samples.data);
  const ends = csv("demo-vae-endpoints.csv");
  const p = await client.sample("demo-vae", { interpolate: { inputs: ends, steps: 4, method: "slerp" } });
  assert.equal(p.samples.rows, 4);
  const c = await client.sample("demo-cvae", { count: 2, seed: 1, condition: ["2"] });
  assert.equal(c.samples.cols, 32);
  const enc = await client.encode("demo-vae", csv("demo-vae.csv"), { sample: true, seed: 3 });
  assert.equal(enc.seed, 3n);
  assert.equal(enc.logVariances!.rows, 5);
});

test("denoise with server-side corruption; recommend with unknown items", async () => {
  const clean = csv("demo-dae.csv");
  const d = await client.denoise("demo-dae", clean,
    { corruption: { gaussianSigma: 0.2, seed: 5, clipMin: 0, clipMax: 1 }, returnCorrupted: true });
  assert.equal(d.corruptionSeed, 5n);
  assert.equal(d.corrupted!.rows, 5);
  assert.equal(d.cleanErrors!.length, 5);
  const r = await client.recommend("demo-autorec", { u: [...history(), ["nope", 1]] }, { k: 5 });
  assert.equal(r.users[0].items.length, 5);
  assert.deepEqual(r.users[0].unknownItems, ["nope"]);
  assert.equal(r.servedBy.family, "autorec");
});

test("NOT_FOUND, INVALID_ARGUMENT, FAILED_PRECONDITION, DEADLINE_EXCEEDED", async () => {
  const x = csv("demo-ae.csv");
  await rejectsWith(client.encode("no-such-model", x), grpc.status.NOT_FOUND);
  await rejectsWith(client.encode("demo-ae:99", x), grpc.status.NOT_FOUND);
  await rejectsWith(client.encode("demo-ae", [[1, 2, 3]]), grpc.status.INVALID_ARGUMENT);
  await rejectsWith(client.encode("demo-ae", [[...x[0].slice(0, 63), NaN]]), grpc.status.INVALID_ARGUMENT);
  await rejectsWith(client.sample("demo-ae", { count: 1 }), grpc.status.FAILED_PRECONDITION);
  const big = Array.from({ length: 2000 }, (_, i) => x[i % 5]);
  await rejectsWith(client.reconstruct("demo-conv-ae", big, { timeoutMs: 1 }), grpc.status.DEADLINE_EXCEEDED);
});

test("the same routing key lands on the same version", async () => {
  const traffic = await client.getTraffic("demo-ae");
  assert.equal(traffic.primaries.length, 2, "clients/test-all sets a 50/50 split on demo-ae first");
  const x = csv("demo-ae.csv").slice(0, 1);
  const versions = new Set<number>();
  // The split's salt is drawn at random when it is set, so which arm a key lands on is a coin flip
  // per key: with 20 keys all on one arm 1 run in 2^19 (1.9e-6); with 64 keys 1 in 2^63 (1.1e-19).
  for (let i = 0; i < 64; i++) {
    const a = await client.encode("demo-ae", x, { routingKey: `user-${i}` });
    const b = await client.encode({ name: "demo-ae", routingKey: `user-${i}` }, x);
    assert.equal(a.servedBy.route, "split");
    assert.equal(a.servedBy.version, b.servedBy.version);
    versions.add(a.servedBy.version);
  }
  assert.equal(versions.size, 2);
});

test("cross-language outputs", { skip: !process.env.AESERVE_CROSS_OUT }, async () => {
  const x = csv("demo-ae.csv");
  const enc = await client.encode("demo-ae:1", x);
  const rec = await client.reconstruct("demo-ae:1", x);
  const dec = await client.decode("demo-ae:1", enc.latents);
  const smp = await client.sample("demo-vae:1", { count: 3, seed: 7 });
  const recs = await client.recommend("demo-autorec:1", { u: history() }, { k: 5 });
  const routing: Record<string, number> = {};
  for (let i = 0; i < 64; i++) {
    routing[`user-${i}`] = (await client.encode("demo-ae", x.slice(0, 1), { routingKey: `user-${i}` })).servedBy.version;
  }
  writeFileSync(path.join(process.env.AESERVE_CROSS_OUT!, "typescript.json"), JSON.stringify({
    client: "typescript",
    encode_latents: toArrays(enc.latents),
    encode_version: enc.servedBy.version,
    latent_fingerprint: enc.latentFingerprint,
    reconstruct_outputs: toArrays(rec.outputs!),
    reconstruct_scores: Array.from(rec.scores),
    decode_outputs: toArrays(dec.outputs),
    sample_samples: toArrays(smp.samples),
    recommend_items: recs.users[0].items.map((i) => [i.itemId, i.score]),
    routing,
  }, null, 1));
});

test("retries UNAVAILABLE through the service config and sends the bearer token", async () => {
  const { loadSync } = await import("@grpc/proto-loader");
  const def = loadSync("aeserve/v1/autoencoder.proto", { includeDirs: [path.join(__dirname, "..", "..", "proto")] });
  const pkg = grpc.loadPackageDefinition(def) as any;
  let calls = 0;
  const tokens: unknown[] = [];
  const server = new grpc.Server();
  server.addService(pkg.aeserve.v1.Autoencoder.service, {
    Encode(call: any, cb: any) {
      calls++;
      tokens.push(call.metadata.get("authorization")[0]);
      if (calls <= 2) {
        cb({ code: grpc.status.UNAVAILABLE, details: "try again" });
        return;
      }
      cb(null, { servedBy: { model: "m", version: 3, route: "ROUTE_LATEST" }, latents: { rows: 1, cols: 1, values: [42] } });
    },
  });
  const port = await new Promise<number>((res, rej) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
  const c = new AeserveClient(`127.0.0.1:${port}`, { token: "s3cret", initialBackoffMs: 10, maxBackoffMs: 50 });
  try {
    const r = await c.encode("m", matrix([[1]]));
    assert.equal(calls, 3);
    assert.equal(r.latents.data[0], 42);
    assert.equal(r.servedBy.version, 3);
    assert.deepEqual(tokens, ["Bearer s3cret", "Bearer s3cret", "Bearer s3cret"]);
  } finally {
    c.close();
    server.forceShutdown();
  }
});
