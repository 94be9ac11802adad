// Uploads carry an idempotency key: a retried upload never makes a second version. Against a running
// `aeserve demo` server; AESERVE_UPLOAD_DIR holds two trained artifacts, a/ and b/, with different
// weights (clients/test-all trains them).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "fs";
import { randomBytes } from "crypto";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import { AeserveClient, AeserveError } from "../src";

const target = process.env.AESERVE_TARGET;
const uploadDir = process.env.AESERVE_UPLOAD_DIR;
let client: AeserveClient;

interface Artifact { spec: string; metrics: string; weights: Uint8Array }

function artifact(name: string): Artifact {
  const dir = path.join(uploadDir!, name);
  return {
    spec: readFileSync(path.join(dir, "spec.json"), "utf8"),
    metrics: readFileSync(path.join(dir, "metrics.json"), "utf8"),
    weights: readFileSync(path.join(dir, "weights.bin")),
  };
}

let a: Artifact;
let b: Artifact;

before(() => {
  assert.ok(target && uploadDir, "AESERVE_TARGET and AESERVE_UPLOAD_DIR are not set: run clients/test-all");
  client = new AeserveClient(target!, { actor: "ts-tests" });
  a = artifact("a");
  b = artifact("b");
  assert.notDeepEqual(a.weights, b.weights, "the two upload artifacts must differ");
});
after(() => client?.close());

async function freshModel(): Promise<string> {
  const name = `ts-upload-${randomBytes(5).toString("hex")}`;
  await client.createModel(name, "ae", "typescript upload test");
  return name;
}

async function upload(c: AeserveClient, model: string, art: Artifact, idempotencyKey?: string): Promise<number> {
  return (await c.uploadVersion(model, art.spec, art.weights, { metricsJson: art.metrics, idempotencyKey })).version;
}

async function versions(model: string): Promise<number[]> {
  return (await client.listVersions(model)).map((v) => v.version).sort((x, y) => x - y);
}

test("the same key and bytes return the first version; another key is another upload", async () => {
  const model = await freshModel();
  const first = await upload(client, model, a, "key-1");
  assert.equal(await upload(client, model, a, "key-1"), first);
  assert.deepEqual(await versions(model), [first]);
  const second = await upload(client, model, a, "key-2");
  assert.notEqual(second, first);
  assert.deepEqual(await versions(model), [first, second].sort((x, y) => x - y));
});

test("the same key with other bytes is ALREADY_EXISTS naming the version; nothing is added", async () => {
  const model = await freshModel();
  const first = await upload(client, model, a, "key-1");
  await assert.rejects(upload(client, model, b, "key-1"), (e: unknown) =>
    e instanceof AeserveError && e.code === grpc.status.ALREADY_EXISTS && e.details.includes(`version ${first}`));
  assert.deepEqual(await versions(model), [first]);
});

test("an upload without a key sends a fresh one", async () => {
  const model = await freshModel();
  const first = await upload(client, model, a);
  const second = await upload(client, model, a);
  assert.notEqual(first, second, "two logical uploads of the same bytes are two versions");
  const keys = (await client.listEvents(model)).filter((e) => e.action === "version.create")
    .map((e) => JSON.parse(e.detailsJson).idempotency_key as string);
  assert.equal(new Set(keys).size, 2, `keys ${keys}`);
  for (const k of keys) {
    assert.match(k, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  }
});

test("an upload whose answer was lost is retried into one version", async () => {
  const model = await freshModel();
  // The first UploadVersion reaches the server and completes there; this side sees UNAVAILABLE, as
  // when the connection drops after the last byte.
  let uploads = 0;
  const loseFirstAnswer: grpc.Interceptor = (options, nextCall) => {
    if (!options.method_definition.path.endsWith("/UploadVersion") || ++uploads !== 1) {
      return new grpc.InterceptingCall(nextCall(options));
    }
    // The response message passes (grpc-js holds the status until it has), but a call that ends
    // with an error status rejects whatever it received.
    return new grpc.InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        next(metadata, {
          onReceiveStatus(status, nextStatus) {
            nextStatus(status.code === grpc.status.OK
              ? { code: grpc.status.UNAVAILABLE, details: "connection lost (test)", metadata: new grpc.Metadata() }
              : status);
          },
        });
      },
    });
  };
  const lossy = new AeserveClient(target!, { actor: "ts-tests", timeoutMs: 60_000,
    interceptors: [loseFirstAnswer] });
  try {
    const version = await upload(lossy, model, a); // no key given: the client's own key must be reused on retry
    assert.equal(uploads, 2, "the client retried once");
    assert.deepEqual(await versions(model), [version]);
  } finally {
    lossy.close();
  }
});
