import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { createHash, randomUUID } from "crypto";
import { userInfo } from "os";
import * as path from "path";
import type { ProtoGrpcType as AutoencoderProto } from "./generated/autoencoder";
import type { ProtoGrpcType as RegistryProto } from "./generated/registry";
import type { ProtoGrpcType as RolloutProto } from "./generated/rollout";
import type { AutoencoderClient } from "./generated/aeserve/v1/Autoencoder";
import type { ModelRegistryClient } from "./generated/aeserve/v1/ModelRegistry";
import type { RolloutsClient } from "./generated/aeserve/v1/Rollouts";
import type { ModelRef } from "./generated/aeserve/v1/ModelRef";
import type { ServedBy__Output } from "./generated/aeserve/v1/ServedBy";
import type { ReconstructRequest } from "./generated/aeserve/v1/ReconstructRequest";
import type { ReconstructResponse__Output } from "./generated/aeserve/v1/ReconstructResponse";
import type { Calibration__Output } from "./generated/aeserve/v1/Calibration";
import type { ModelInfo__Output } from "./generated/aeserve/v1/ModelInfo";
import type { ModelDetails__Output } from "./generated/aeserve/v1/ModelDetails";
import type { VersionInfo__Output } from "./generated/aeserve/v1/VersionInfo";
import type { AliasInfo__Output } from "./generated/aeserve/v1/AliasInfo";
import type { TrafficInfo__Output } from "./generated/aeserve/v1/TrafficInfo";
import type { RegistryEvent__Output } from "./generated/aeserve/v1/RegistryEvent";
import { fromWire, Matrix, Rows, toWire } from "./matrix";

const PROTO_ROOT = path.join(__dirname, "..", "..", "proto");

/** Options of a client. */
export interface ClientOptions {
  /** Deadline of each call in milliseconds (default 30000); every call also takes `timeoutMs`. */
  timeoutMs?: number;
  /** TLS; `rootCerts` (PEM) trusts a private CA, else the system's CAs. */
  tls?: boolean;
  rootCerts?: Buffer;
  /** Sent as `authorization: Bearer TOKEN` on every call. */
  token?: string;
  /** The name the registry's audit log records for changes (default: the local user). */
  actor?: string;
  /** Attempts per call on UNAVAILABLE and RESOURCE_EXHAUSTED (default 4; 1 turns retries off). */
  maxAttempts?: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** "round_robin" (default) or "pick_first". */
  loadBalancing?: string;
  /** Extra grpc-js channel options. */
  channelOptions?: grpc.ChannelOptions;
  /** grpc-js client interceptors every call passes through (logging, tracing, tests). */
  interceptors?: grpc.Interceptor[];
}

/** Per-call options. */
export interface CallOptions {
  timeoutMs?: number;
  /** Sticky routing key for traffic splits (a user or session id). */
  routingKey?: string;
}

/** A failed call: the gRPC status code (grpc.status.NOT_FOUND, ...) and the server's message. */
export class AeserveError extends Error {
  constructor(readonly code: grpc.status, readonly details: string) {
    super(`${grpc.status[code]}: ${details}`);
    this.name = "AeserveError";
  }
}

/** Which version served a call, and how it was chosen. */
export interface ServedBy {
  model: string;
  version: number;
  route: "version" | "alias" | "split" | "latest" | "unknown";
  alias: string;
  arm: string;
  family: string;
  engine: string;
}

/** `name`, `name:3` or `name@alias`, or the parts. */
export type ModelLike = string | { name: string; version?: number; alias?: string; routingKey?: string };

export interface EncodeResult {
  latents: Matrix;
  logVariances?: Matrix;
  samples?: Matrix;
  seed?: bigint;
  latentFingerprint: string;
  servedBy: ServedBy;
}

export interface DecodeResult {
  outputs: Matrix;
  latentFingerprint: string;
  servedBy: ServedBy;
}

export type ScoreKind = "mse" | "bce" | "negative_elbo";

export interface ReconstructOptions extends CallOptions {
  omitOutputs?: boolean;
  featureErrors?: boolean;
  /** Default: the spec's loss. */
  scoreKind?: ScoreKind;
  condition?: string[];
}

export interface ReconstructResult {
  outputs?: Matrix;
  scores: Float32Array;
  scoreKind: string;
  featureErrors?: Matrix;
  /**
   * One verdict per row; undefined when the version has no calibration for this score and every row
   * is inside its trained input domain (a verdict is never guessed).
   */
  anomalous?: boolean[];
  calibration?: Calibration__Output;
  /** Per row, why it lies outside the version's trained input domain ("" inside); undefined when all are inside. */
  outsideDomain?: string[];
  servedBy: ServedBy;
}

export interface SampleOptions extends CallOptions {
  count?: number;
  seed?: bigint | number;
  temperature?: number;
  condition?: string[];
  /** Interpolate between two inputs or two latents instead of drawing from the prior. */
  interpolate?: { inputs?: Rows; latents?: Rows; steps: number; method?: "linear" | "slerp" };
}

export interface SampleResult {
  samples: Matrix;
  latents: Matrix;
  seed: bigint;
  servedBy: ServedBy;
}

export interface Corruption {
  gaussianSigma?: number;
  maskProbability?: number;
  saltPepperProbability?: number;
  seed?: bigint | number;
  clipMin?: number;
  clipMax?: number;
}

export interface DenoiseResult {
  outputs: Matrix;
  corrupted?: Matrix;
  corruptionSeed?: bigint;
  cleanErrors?: Float32Array;
  servedBy: ServedBy;
}

export interface RecommendOptions extends CallOptions {
  k?: number;
  excludeSeen?: boolean;
  candidates?: string[];
  excluded?: string[];
}

export interface RecommendResult {
  users: { userId: string; items: { itemId: string; score: number }[]; unknownItems: string[] }[];
  servedBy: ServedBy;
}

const RETRIED = [
  { service: "aeserve.v1.Autoencoder" },
  ...["GetModel", "ListModels", "GetVersion", "ListVersions", "ListEvents"].map((method) => ({
    service: "aeserve.v1.ModelRegistry", method })),
  ...["GetTraffic", "CompareShadow"].map((method) => ({ service: "aeserve.v1.Rollouts", method })),
];

/**
 * The gRPC service config a client's channel starts with: retries on UNAVAILABLE and
 * RESOURCE_EXHAUSTED with exponential backoff (reads only for the registry and rollouts: a write whose
 * answer was lost may have committed), and round robin over every address the target resolves to.
 */
export function serviceConfig(maxAttempts = 4, initialBackoffMs = 100, maxBackoffMs = 2000,
  loadBalancing = "round_robin"): string {
  const config: Record<string, unknown> = { loadBalancingConfig: [{ [loadBalancing]: {} }] };
  if (maxAttempts > 1) {
    config.methodConfig = [{
      name: RETRIED,
      retryPolicy: {
        maxAttempts,
        initialBackoff: `${(initialBackoffMs / 1000).toFixed(3)}s`,
        maxBackoff: `${(maxBackoffMs / 1000).toFixed(3)}s`,
        backoffMultiplier: 2,
        retryableStatusCodes: ["UNAVAILABLE", "RESOURCE_EXHAUSTED"],
      },
    }];
  }
  return JSON.stringify(config);
}

type Proto = AutoencoderProto & RegistryProto & RolloutProto;
let loaded: Proto | undefined;

function proto(): Proto {
  if (!loaded) {
    const files = ["common", "autoencoder", "registry", "rollout"].map((f) => `aeserve/v1/${f}.proto`);
    const definition = protoLoader.loadSync(files, {
      includeDirs: [PROTO_ROOT], longs: String, enums: String, defaults: true, oneofs: true,
    });
    loaded = grpc.loadPackageDefinition(definition) as unknown as Proto;
  }
  return loaded;
}

export function parseModel(m: ModelLike, routingKey?: string): ModelRef {
  if (typeof m !== "string") {
    return { name: m.name, version: m.version, alias: m.alias, routingKey: routingKey ?? m.routingKey ?? "" };
  }
  const at = m.indexOf("@");
  if (at >= 0) {
    return { name: m.slice(0, at), alias: m.slice(at + 1), routingKey: routingKey ?? "" };
  }
  const colon = m.indexOf(":");
  if (colon >= 0) {
    const v = m.slice(colon + 1);
    if (!/^\d+$/.test(v)) {
      throw new RangeError(`'${v}' is not a version number; use NAME, NAME:VERSION or NAME@ALIAS`);
    }
    return { name: m.slice(0, colon), version: Number(v), routingKey: routingKey ?? "" };
  }
  return { name: m, routingKey: routingKey ?? "" };
}

const ROUTES: Record<string, ServedBy["route"]> = {
  ROUTE_VERSION: "version", ROUTE_ALIAS: "alias", ROUTE_SPLIT: "split", ROUTE_LATEST: "latest",
};

function servedBy(s: ServedBy__Output | null): ServedBy {
  return {
    model: s?.model ?? "", version: s?.version ?? 0, route: ROUTES[s?.route as string] ?? "unknown",
    alias: s?.alias ?? "", arm: s?.arm ?? "", family: s?.family ?? "", engine: s?.engine ?? "",
  };
}

function condition(labels?: string[]) {
  return labels && labels.length > 0 ? { labels } : null;
}

function u64(v: bigint | number | undefined): string | undefined {
  return v === undefined ? undefined : BigInt(v).toString();
}

type UnaryMethod<Req, Res> = (req: Req, md: grpc.Metadata, opts: grpc.CallOptions,
  cb: (err: grpc.ServiceError | null, res?: Res) => void) => grpc.ClientUnaryCall;

/**
 * A client for one aeserve target. Float32 matrices in and out, promises, a deadline on every call,
 * and the version that served each call in every result. Close it when done.
 */
export class AeserveClient {
  private readonly inference: AutoencoderClient;
  private readonly registry: ModelRegistryClient;
  private readonly rollouts: RolloutsClient;
  private readonly timeoutMs: number;
  private readonly headers: [string, string][];

  /** @param target `host:port`, or any gRPC target such as `dns:///aeserve-headless.ns.svc:50051` */
  constructor(target: string, options: ClientOptions = {}) {
    const p = proto().aeserve.v1;
    const credentials = options.tls || options.rootCerts
      ? grpc.credentials.createSsl(options.rootCerts ?? null)
      : grpc.credentials.createInsecure();
    const maxAttempts = options.maxAttempts ?? 4;
    const channelOptions: grpc.ChannelOptions = {
      "grpc.service_config": serviceConfig(maxAttempts, options.initialBackoffMs, options.maxBackoffMs,
        options.loadBalancing),
      "grpc.enable_retries": maxAttempts > 1 ? 1 : 0,
      "grpc.max_receive_message_length": 64 << 20,
      ...options.channelOptions,
      // grpc-js takes a client's interceptors from the same options object as its channel's.
      ...(options.interceptors ? { interceptors: options.interceptors } : {}),
    };
    this.inference = new p.Autoencoder(target, credentials, channelOptions);
    // The three stubs share one channel.
    const channelOverride = this.inference.getChannel();
    this.registry = new p.ModelRegistry(target, credentials, { ...channelOptions, channelOverride });
    this.rollouts = new p.Rollouts(target, credentials, { ...channelOptions, channelOverride });
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.headers = [["x-aeserve-actor", options.actor ?? localUser()]];
    if (options.token) {
      this.headers.push(["authorization", `Bearer ${options.token}`]);
    }
  }

  close(): void {
    this.inference.close();
  }

  private metadata(): grpc.Metadata {
    const md = new grpc.Metadata();
    for (const [k, v] of this.headers) {
      md.set(k, v);
    }
    return md;
  }

  private deadline(timeoutMs?: number): grpc.CallOptions {
    return { deadline: Date.now() + (timeoutMs ?? this.timeoutMs) };
  }

  private unary<Req, Res>(client: grpc.Client, method: UnaryMethod<Req, Res>, req: Req, timeoutMs?: number): Promise<Res> {
    return new Promise((resolve, reject) => {
      method.call(client, req, this.metadata(), this.deadline(timeoutMs), (err, res) => {
        if (err) {
          reject(new AeserveError(err.code, err.details));
        } else {
          resolve(res as Res);
        }
      });
    });
  }

  // ---- inference ----------------------------------------------------------------------------

  /** x -> z. VAE families add log-variances, and one sampled z per row with `sample` (seeded). */
  async encode(model: ModelLike, inputs: Rows,
    options: CallOptions & { sample?: boolean; seed?: bigint | number; condition?: string[] } = {}): Promise<EncodeResult> {
    const r = await this.unary(this.inference, this.inference.Encode as UnaryMethod<any, any>, {
      model: parseModel(model, options.routingKey), inputs: toWire(inputs), sample: options.sample ?? false,
      seed: u64(options.seed), condition: condition(options.condition),
    }, options.timeoutMs);
    return {
      latents: fromWire(r.latents)!, logVariances: fromWire(r.logVariances), samples: fromWire(r.samples),
      seed: r.seed === undefined ? undefined : BigInt(r.seed), latentFingerprint: r.latentFingerprint,
      servedBy: servedBy(r.servedBy),
    };
  }

  /** z -> x'. With `fingerprint`, codes from another latent space fail with FAILED_PRECONDITION. */
  async decode(model: ModelLike, latents: Rows,
    options: CallOptions & { fingerprint?: string; condition?: string[] } = {}): Promise<DecodeResult> {
    const r = await this.unary(this.inference, this.inference.Decode as UnaryMethod<any, any>, {
      model: parseModel(model, options.routingKey), latents: toWire(latents),
      latentFingerprint: options.fingerprint ?? "", condition: condition(options.condition),
    }, options.timeoutMs);
    return { outputs: fromWire(r.outputs)!, latentFingerprint: r.latentFingerprint, servedBy: servedBy(r.servedBy) };
  }

  private static reconstructRequest(model: ModelLike, inputs: Rows, o: ReconstructOptions): ReconstructRequest {
    return {
      model: parseModel(model, o.routingKey), inputs: toWire(inputs), omitOutputs: o.omitOutputs ?? false,
      includeFeatureErrors: o.featureErrors ?? false,
      scoreKind: o.scoreKind ? `SCORE_KIND_${o.scoreKind.toUpperCase()}` as any : "SCORE_KIND_UNSPECIFIED",
      condition: condition(o.condition),
    };
  }

  private static reconstructResult(r: ReconstructResponse__Output): ReconstructResult {
    return {
      outputs: fromWire(r.outputs), scores: Float32Array.from(r.scores),
      scoreKind: String(r.scoreKind).replace("SCORE_KIND_", "").toLowerCase(),
      featureErrors: fromWire(r.featureErrors), anomalous: r.anomalous.length > 0 ? r.anomalous : undefined,
      calibration: r.calibration ?? undefined, servedBy: servedBy(r.servedBy),
      outsideDomain: r.outsideDomain.length > 0 ? r.outsideDomain : undefined,
    };
  }

  /** x -> x' and a score per row (higher is worse); verdicts where the version is calibrated. */
  async reconstruct(model: ModelLike, inputs: Rows, options: ReconstructOptions = {}): Promise<ReconstructResult> {
    const r = await this.unary(this.inference, this.inference.Reconstruct as UnaryMethod<any, any>,
      AeserveClient.reconstructRequest(model, inputs, options), options.timeoutMs);
    return AeserveClient.reconstructResult(r);
  }

  /** Scores many windows on one stream; one result per window, in order. `timeoutMs` covers the stream. */
  reconstructStream(model: ModelLike, windows: Rows[], options: ReconstructOptions = {}): Promise<ReconstructResult[]> {
    return new Promise((resolve, reject) => {
      const results: ReconstructResult[] = [];
      const call = this.inference.ReconstructStream(this.metadata(), this.deadline(options.timeoutMs));
      call.on("data", (r: ReconstructResponse__Output) => results.push(AeserveClient.reconstructResult(r)));
      call.on("error", (err: grpc.ServiceError) => reject(new AeserveError(err.code, err.details)));
      call.on("end", () => resolve(results));
      try {
        for (const w of windows) {
          call.write(AeserveClient.reconstructRequest(model, w, options));
        }
        call.end();
      } catch (e) {
        call.cancel();
        reject(e);
      }
    });
  }

  /** Draws from the prior (vae, cvae, multvae), or interpolates between two points. */
  async sample(model: ModelLike, options: SampleOptions = {}): Promise<SampleResult> {
    const i = options.interpolate;
    const interpolation = i ? {
      steps: i.steps,
      method: i.method === "slerp" ? "INTERPOLATION_METHOD_SLERP" : "INTERPOLATION_METHOD_LINEAR",
      ...(i.latents ? { latents: toWire(i.latents) } : { inputs: toWire(i.inputs!) }),
    } : null;
    const r = await this.unary(this.inference, this.inference.Sample as UnaryMethod<any, any>, {
      model: parseModel(model, options.routingKey), count: options.count ?? 0, seed: u64(options.seed),
      temperature: options.temperature, condition: condition(options.condition), interpolation,
    }, options.timeoutMs);
    return { samples: fromWire(r.samples)!, latents: fromWire(r.latents)!, seed: BigInt(r.seed), servedBy: servedBy(r.servedBy) };
  }

  /** Noisy x -> clean x' (dae); with `corruption` the server corrupts clean inputs first. */
  async denoise(model: ModelLike, inputs: Rows,
    options: CallOptions & { corruption?: Corruption; returnCorrupted?: boolean } = {}): Promise<DenoiseResult> {
    const c = options.corruption;
    const r = await this.unary(this.inference, this.inference.Denoise as UnaryMethod<any, any>, {
      model: parseModel(model, options.routingKey), inputs: toWire(inputs), returnCorrupted: options.returnCorrupted ?? false,
      corruption: c ? { ...c, seed: u64(c.seed) } : null,
    }, options.timeoutMs);
    return {
      outputs: fromWire(r.outputs)!, corrupted: fromWire(r.corrupted),
      corruptionSeed: r.corruptionSeed === undefined ? undefined : BigInt(r.corruptionSeed),
      cleanErrors: r.cleanErrors.length > 0 ? Float32Array.from(r.cleanErrors) : undefined,
      servedBy: servedBy(r.servedBy),
    };
  }

  /** Top-k items per user from `users`: user id -> [item id, value][] (value 1 for a plain interaction). */
  async recommend(model: ModelLike, users: Record<string, [string, number][]>,
    options: RecommendOptions = {}): Promise<RecommendResult> {
    const r = await this.unary(this.inference, this.inference.Recommend as UnaryMethod<any, any>, {
      model: parseModel(model, options.routingKey), k: options.k ?? 10, excludeSeen: options.excludeSeen,
      candidateItems: options.candidates ?? [], excludedItems: options.excluded ?? [],
      users: Object.entries(users).map(([userId, h]) => ({
        userId, interactions: h.map(([itemId, value]) => ({ itemId, value })),
      })),
    }, options.timeoutMs);
    return {
      users: r.users.map((u: any) => ({ userId: u.userId, items: u.items, unknownItems: u.unknownItems })),
      servedBy: servedBy(r.servedBy),
    };
  }

  // ---- registry and rollouts (generated message types) ----------------------------------------

  /** A new model of `family` ("ae", "vae", ...): every version uploaded to it must be of that family. */
  createModel(name: string, family: string, description = "", timeoutMs?: number): Promise<ModelInfo__Output> {
    return this.unary(this.registry, this.registry.CreateModel as any, { name, family, description }, timeoutMs);
  }

  async listModels(timeoutMs?: number): Promise<ModelInfo__Output[]> {
    return (await this.unary<any, any>(this.registry, this.registry.ListModels as any, {}, timeoutMs)).models;
  }

  getModel(name: string, timeoutMs?: number): Promise<ModelDetails__Output> {
    return this.unary(this.registry, this.registry.GetModel as any, { name }, timeoutMs);
  }

  /** A version by number, or by alias ("latest": the newest READY one). */
  getVersion(model: string, selector: number | string, timeoutMs?: number): Promise<VersionInfo__Output> {
    const req = typeof selector === "number" ? { model, version: selector } : { model, alias: selector };
    return this.unary(this.registry, this.registry.GetVersion as any, req, timeoutMs);
  }

  /**
   * Uploads a new version of `model` from its spec and weights. The upload carries an idempotency
   * key (a fresh UUID unless `idempotencyKey` is given) and is retried with the same key when the
   * server is unavailable or the connection drops (up to `UPLOAD_ATTEMPTS` attempts): an attempt
   * whose answer was lost but whose version was created returns that version, never a second one.
   * The same key with other bytes is refused with ALREADY_EXISTS naming the version it created.
   */
  async uploadVersion(model: string, specJson: string, weights: Uint8Array,
    options: { metricsJson?: string; calibrationJson?: string; idempotencyKey?: string; timeoutMs?: number } = {},
  ): Promise<VersionInfo__Output> {
    const header = {
      model, specJson, metricsJson: options.metricsJson ?? "{}", calibrationJson: options.calibrationJson ?? "",
      artifactSize: String(weights.length), artifactSha256: createHash("sha256").update(weights).digest("hex"),
      idempotencyKey: options.idempotencyKey ?? randomUUID(),
    };
    let backoffMs = 200;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.uploadOnce(header, weights, options.timeoutMs);
      } catch (e) {
        if (attempt >= AeserveClient.UPLOAD_ATTEMPTS || !(e instanceof AeserveError) || e.code !== grpc.status.UNAVAILABLE) {
          throw e;
        }
      }
      await new Promise((r) => setTimeout(r, backoffMs));
      backoffMs = Math.min(2000, backoffMs * 2);
    }
  }

  /** Attempts of one logical upload, all under one idempotency key. */
  static readonly UPLOAD_ATTEMPTS = 4;

  private uploadOnce(header: object, weights: Uint8Array, timeoutMs?: number): Promise<VersionInfo__Output> {
    return new Promise((resolve, reject) => {
      const call = (this.registry.UploadVersion as any).call(this.registry, this.metadata(), this.deadline(timeoutMs),
        (err: grpc.ServiceError | null, res: VersionInfo__Output) => {
          if (err) {
            reject(new AeserveError(err.code, err.details));
          } else {
            resolve(res);
          }
        });
      call.write({ header });
      const chunk = 1 << 20;
      for (let off = 0; off < weights.length; off += chunk) {
        call.write({ chunk: Buffer.from(weights.subarray(off, off + chunk)) });
      }
      call.end();
    });
  }

  async listVersions(model: string, timeoutMs?: number): Promise<VersionInfo__Output[]> {
    return (await this.unary<any, any>(this.registry, this.registry.ListVersions as any, { model }, timeoutMs)).versions;
  }

  setAlias(model: string, alias: string, version: number, timeoutMs?: number): Promise<AliasInfo__Output> {
    return this.unary(this.registry, this.registry.SetAlias as any, { model, alias, version }, timeoutMs);
  }

  async deleteAlias(model: string, alias: string, timeoutMs?: number): Promise<void> {
    await this.unary(this.registry, this.registry.DeleteAlias as any, { model, alias }, timeoutMs);
  }

  /** A new version sharing `version`'s weights, with a new calibration (JSON). */
  recalibrate(model: string, version: number, calibrationJson: string, timeoutMs?: number): Promise<VersionInfo__Output> {
    return this.unary(this.registry, this.registry.Recalibrate as any, { model, version, calibrationJson }, timeoutMs);
  }

  async listEvents(model = "", limit = 100, timeoutMs?: number): Promise<RegistryEvent__Output[]> {
    return (await this.unary<any, any>(this.registry, this.registry.ListEvents as any, { model, limit }, timeoutMs)).events;
  }

  /** Replaces the split: version -> percent of live traffic (summing to 100); shadows: version -> percent copied. */
  setTraffic(model: string, primaries: Record<number, number>, shadows: Record<number, number> = {},
    timeoutMs?: number): Promise<TrafficInfo__Output> {
    const arms = (m: Record<number, number>) => Object.entries(m).map(([version, weight]) => ({ version: Number(version), weight }));
    return this.unary(this.rollouts, this.rollouts.SetTraffic as any,
      { model, primaries: arms(primaries), shadows: arms(shadows) }, timeoutMs);
  }

  getTraffic(model: string, timeoutMs?: number): Promise<TrafficInfo__Output> {
    return this.unary(this.rollouts, this.rollouts.GetTraffic as any, { model }, timeoutMs);
  }

  promote(model: string, version: number, alias = "", timeoutMs?: number): Promise<TrafficInfo__Output> {
    return this.unary(this.rollouts, this.rollouts.Promote as any, { model, version, alias }, timeoutMs);
  }

  rollback(model: string, timeoutMs?: number): Promise<TrafficInfo__Output> {
    return this.unary(this.rollouts, this.rollouts.Rollback as any, { model }, timeoutMs);
  }
}

function localUser(): string {
  try {
    return userInfo().username || "anonymous";
  } catch {
    return "anonymous";
  }
}
