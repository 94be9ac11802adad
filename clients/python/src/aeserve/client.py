"""A numpy-friendly wrapper over the generated aeserve.v1 stubs.

Every inference result carries `served_by`, the version that computed it. Every call has a deadline
(the client's `timeout`, or a per-call `timeout=`). The channel retries UNAVAILABLE and
RESOURCE_EXHAUSTED with exponential backoff through its gRPC service config, and balances round robin
over every address the target resolves to (`dns:///aeserve-headless:50051` spreads calls over a
Kubernetes headless Service's pods).
"""
from __future__ import annotations

import getpass
import hashlib
import json
import os
import struct
import time
import uuid
import zlib
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Mapping, Optional, Sequence, Union

import grpc
import numpy as np
import numpy.typing as npt

from aeserve._matrix import from_matrix, to_matrix
from aeserve.v1 import (
    autoencoder_pb2,
    autoencoder_pb2_grpc,
    common_pb2,
    registry_pb2,
    registry_pb2_grpc,
    rollout_pb2,
    rollout_pb2_grpc,
)

RETRYABLE_CODES = ("UNAVAILABLE", "RESOURCE_EXHAUSTED")

# Reads are retried; registry and rollout writes are not: a write whose answer was lost may have committed.
_RETRIED_METHODS = [
    {"service": "aeserve.v1.Autoencoder"},
    *({"service": "aeserve.v1.ModelRegistry", "method": m}
      for m in ("GetModel", "ListModels", "GetVersion", "ListVersions", "ListEvents")),
    *({"service": "aeserve.v1.Rollouts", "method": m} for m in ("GetTraffic", "CompareShadow")),
]

_SCORE_KINDS = {
    None: common_pb2.SCORE_KIND_UNSPECIFIED,
    "mse": common_pb2.SCORE_KIND_MSE,
    "bce": common_pb2.SCORE_KIND_BCE,
    "negative_elbo": common_pb2.SCORE_KIND_NEGATIVE_ELBO,
    "mse_mahalanobis": common_pb2.SCORE_KIND_MSE_MAHALANOBIS,
}
_ROUTES = {
    common_pb2.ROUTE_VERSION: "version",
    common_pb2.ROUTE_ALIAS: "alias",
    common_pb2.ROUTE_SPLIT: "split",
    common_pb2.ROUTE_LATEST: "latest",
}

ArrayLike = npt.ArrayLike


def service_config(max_attempts: int = 4, initial_backoff: float = 0.1, max_backoff: float = 2.0,
                   load_balancing: str = "round_robin") -> str:
    """The gRPC service config (JSON) the client's channel starts with."""
    config: dict = {"loadBalancingConfig": [{load_balancing: {}}]}
    if max_attempts > 1:
        config["methodConfig"] = [{
            "name": _RETRIED_METHODS,
            "retryPolicy": {
                "maxAttempts": max_attempts,
                "initialBackoff": f"{initial_backoff:.3f}s",
                "maxBackoff": f"{max_backoff:.3f}s",
                "backoffMultiplier": 2,
                "retryableStatusCodes": list(RETRYABLE_CODES),
            },
        }]
    return json.dumps(config)


class AeserveError(Exception):
    """A call that failed: the server's status code and the message that says why."""

    def __init__(self, code: grpc.StatusCode, message: str):
        super().__init__(f"{code.name}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Model:
    """Which version serves a call: the model's routing (sticky by `routing_key`), an exact version, or an alias."""

    name: str
    version: Optional[int] = None
    alias: Optional[str] = None
    routing_key: Optional[str] = None

    def __post_init__(self) -> None:
        if self.version is not None and self.alias is not None:
            raise ValueError("choose a version or an alias, not both")

    @staticmethod
    def parse(s: str, routing_key: Optional[str] = None) -> "Model":
        """`NAME`, `NAME:VERSION` or `NAME@ALIAS`."""
        if "@" in s:
            name, alias = s.split("@", 1)
            return Model(name, alias=alias, routing_key=routing_key)
        if ":" in s:
            name, v = s.split(":", 1)
            try:
                return Model(name, version=int(v), routing_key=routing_key)
            except ValueError:
                raise ValueError(f"'{v}' is not a version number; use NAME, NAME:VERSION or NAME@ALIAS") from None
        return Model(s, routing_key=routing_key)

    def to_proto(self) -> common_pb2.ModelRef:
        ref = common_pb2.ModelRef(name=self.name, routing_key=self.routing_key or "")
        if self.version is not None:
            ref.version = self.version
        elif self.alias is not None:
            ref.alias = self.alias
        return ref


ModelLike = Union[str, Model]


@dataclass(frozen=True)
class ServedBy:
    """The version that served a call and how it was chosen (route: version, alias, split or latest)."""

    model: str
    version: int
    route: str
    alias: str
    arm: str
    family: str
    engine: str

    @staticmethod
    def of(s: common_pb2.ServedBy) -> "ServedBy":
        return ServedBy(s.model, s.version, _ROUTES.get(s.route, "unknown"), s.alias, s.arm, s.family, s.engine)


@dataclass(frozen=True)
class EncodeResult:
    latents: np.ndarray
    latent_fingerprint: str
    served_by: ServedBy
    log_variances: Optional[np.ndarray] = None
    samples: Optional[np.ndarray] = None
    seed: Optional[int] = None


@dataclass(frozen=True)
class DecodeResult:
    outputs: np.ndarray
    latent_fingerprint: str
    served_by: ServedBy


@dataclass(frozen=True)
class ReconstructResult:
    outputs: Optional[np.ndarray]
    scores: np.ndarray
    score_kind: str
    served_by: ServedBy
    feature_errors: Optional[np.ndarray] = None
    anomalous: Optional[np.ndarray] = None
    """One verdict per row; None when the version has no calibration for this score and every row is
    inside its trained input domain (a verdict is never guessed)."""
    threshold: Optional[float] = None
    calibration: Optional[common_pb2.Calibration] = None
    outside_domain: Optional[list[str]] = None
    """Per row, why it lies outside the input domain the version was trained on ("" inside); None when
    every row is inside. Such a row is anomalous whatever its score."""


@dataclass(frozen=True)
class SampleResult:
    samples: np.ndarray
    latents: np.ndarray
    seed: int
    served_by: ServedBy


@dataclass(frozen=True)
class DenoiseResult:
    outputs: np.ndarray
    served_by: ServedBy
    corrupted: Optional[np.ndarray] = None
    corruption_seed: Optional[int] = None
    clean_errors: Optional[np.ndarray] = None


@dataclass(frozen=True)
class Corruption:
    """Server-side corruption of clean inputs before Denoise: masking, salt-and-pepper, gaussian, then clipping."""

    gaussian_sigma: float = 0.0
    mask_probability: float = 0.0
    salt_pepper_probability: float = 0.0
    seed: Optional[int] = None
    clip_min: Optional[float] = None
    clip_max: Optional[float] = None

    def to_proto(self) -> autoencoder_pb2.Corruption:
        c = autoencoder_pb2.Corruption(gaussian_sigma=self.gaussian_sigma, mask_probability=self.mask_probability,
                                       salt_pepper_probability=self.salt_pepper_probability)
        if self.seed is not None:
            c.seed = self.seed
        if self.clip_min is not None:
            c.clip_min = self.clip_min
        if self.clip_max is not None:
            c.clip_max = self.clip_max
        return c


@dataclass(frozen=True)
class ScoredItem:
    item_id: str
    score: float


@dataclass(frozen=True)
class UserItems:
    user_id: str
    items: list[ScoredItem]
    unknown_items: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RecommendResult:
    users: list[UserItems]
    served_by: ServedBy


def _model(m: ModelLike, routing_key: Optional[str]) -> common_pb2.ModelRef:
    if isinstance(m, Model):
        return (Model(m.name, m.version, m.alias, routing_key) if routing_key is not None else m).to_proto()
    return Model.parse(m, routing_key).to_proto()


def _condition(labels: Optional[Sequence[str]]) -> Optional[common_pb2.Condition]:
    if labels is None:
        return None
    if isinstance(labels, str):
        labels = [labels]
    return common_pb2.Condition(labels=[str(x) for x in labels])


def _optional_matrix(msg, name: str) -> Optional[np.ndarray]:
    return from_matrix(getattr(msg, name)) if msg.HasField(name) else None


class AeserveClient:
    """A client for one aeserve target. Use it as a context manager, or call close().

    Args:
        target: `host:port`, or any gRPC target such as `dns:///aeserve-headless.ns.svc:50051`.
        timeout: deadline of each call in seconds (default 30); every method also takes `timeout=`.
        tls: use TLS; `root_certificates` (PEM bytes) trusts a private CA, else the system's CAs.
        token: sent as `authorization: Bearer TOKEN` on every call.
        actor: the name the registry's audit log records for changes (default: the local user).
        max_attempts: attempts per call on UNAVAILABLE and RESOURCE_EXHAUSTED (1 turns retries off).
        interceptors: grpc client interceptors every call passes through (logging, tracing, tests).
    """

    def __init__(self, target: str, *, timeout: float = 30.0, tls: bool = False,
                 root_certificates: Optional[bytes] = None, token: Optional[str] = None,
                 actor: Optional[str] = None, max_attempts: int = 4, initial_backoff: float = 0.1,
                 max_backoff: float = 2.0, load_balancing: str = "round_robin",
                 options: Sequence[tuple[str, object]] = (), interceptors: Sequence[object] = ()) -> None:
        opts = [
            ("grpc.service_config", service_config(max_attempts, initial_backoff, max_backoff, load_balancing)),
            ("grpc.enable_retries", 1 if max_attempts > 1 else 0),
            ("grpc.max_receive_message_length", 64 << 20),
            *options,
        ]
        if tls or root_certificates is not None:
            creds = grpc.ssl_channel_credentials(root_certificates=root_certificates)
            self._channel = grpc.secure_channel(target, creds, options=opts)
        else:
            self._channel = grpc.insecure_channel(target, options=opts)
        # The stubs call through the interceptors; close() still closes the underlying channel.
        calls = grpc.intercept_channel(self._channel, *interceptors) if interceptors else self._channel
        self._timeout = timeout
        metadata = [("x-aeserve-actor", actor or _local_user())]
        if token is not None:
            metadata.append(("authorization", f"Bearer {token}"))
        self._metadata = tuple(metadata)
        self._inference = autoencoder_pb2_grpc.AutoencoderStub(calls)
        self._registry = registry_pb2_grpc.ModelRegistryStub(calls)
        self._rollouts = rollout_pb2_grpc.RolloutsStub(calls)

    def __enter__(self) -> "AeserveClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._channel.close()

    def _call(self, method, request, timeout: Optional[float]):
        try:
            return method(request, timeout=self._timeout if timeout is None else timeout, metadata=self._metadata)
        except grpc.RpcError as e:
            raise AeserveError(e.code(), e.details() or "") from None

    # ---- inference ------------------------------------------------------------------------------

    def encode(self, model: ModelLike, inputs: ArrayLike, *, sample: bool = False, seed: Optional[int] = None,
               condition: Optional[Sequence[str]] = None, routing_key: Optional[str] = None,
               timeout: Optional[float] = None) -> EncodeResult:
        """x -> z. VAE families add log-variances, and one sampled z per row with `sample=True` (seeded)."""
        req = autoencoder_pb2.EncodeRequest(model=_model(model, routing_key), inputs=to_matrix(inputs),
                                            sample=sample, condition=_condition(condition))
        if seed is not None:
            req.seed = seed
        r = self._call(self._inference.Encode, req, timeout)
        return EncodeResult(from_matrix(r.latents), r.latent_fingerprint, ServedBy.of(r.served_by),
                            _optional_matrix(r, "log_variances"), _optional_matrix(r, "samples"),
                            r.seed if r.HasField("seed") else None)

    def decode(self, model: ModelLike, latents: ArrayLike, *, fingerprint: Optional[str] = None,
               condition: Optional[Sequence[str]] = None, routing_key: Optional[str] = None,
               timeout: Optional[float] = None) -> DecodeResult:
        """z -> x'. With `fingerprint`, codes from another latent space fail with FAILED_PRECONDITION."""
        req = autoencoder_pb2.DecodeRequest(model=_model(model, routing_key), latents=to_matrix(latents, "latents"),
                                            latent_fingerprint=fingerprint or "", condition=_condition(condition))
        r = self._call(self._inference.Decode, req, timeout)
        return DecodeResult(from_matrix(r.outputs), r.latent_fingerprint, ServedBy.of(r.served_by))

    def _reconstruct_request(self, model, inputs, omit_outputs, feature_errors, score_kind, condition, routing_key):
        if score_kind not in _SCORE_KINDS:
            raise ValueError(f"score_kind must be one of mse, bce, negative_elbo or None, got {score_kind!r}")
        return autoencoder_pb2.ReconstructRequest(
            model=_model(model, routing_key), inputs=to_matrix(inputs), omit_outputs=omit_outputs,
            include_feature_errors=feature_errors, score_kind=_SCORE_KINDS[score_kind], condition=_condition(condition))

    @staticmethod
    def _reconstruct_result(r) -> ReconstructResult:
        calibrated = r.HasField("calibration")
        return ReconstructResult(
            outputs=_optional_matrix(r, "outputs"),
            scores=np.asarray(r.scores, dtype=np.float32),
            score_kind=common_pb2.ScoreKind.Name(r.score_kind).removeprefix("SCORE_KIND_").lower(),
            served_by=ServedBy.of(r.served_by),
            feature_errors=_optional_matrix(r, "feature_errors"),
            anomalous=np.asarray(r.anomalous, dtype=bool) if len(r.anomalous) else None,
            threshold=r.calibration.threshold if calibrated else None,
            calibration=r.calibration if calibrated else None,
            outside_domain=list(r.outside_domain) if len(r.outside_domain) else None)

    def reconstruct(self, model: ModelLike, inputs: ArrayLike, *, omit_outputs: bool = False,
                    feature_errors: bool = False, score_kind: Optional[str] = None,
                    condition: Optional[Sequence[str]] = None, routing_key: Optional[str] = None,
                    timeout: Optional[float] = None) -> ReconstructResult:
        """x -> x', a score per row (score_kind: None for the spec's loss, "mse", "bce", "negative_elbo")."""
        req = self._reconstruct_request(model, inputs, omit_outputs, feature_errors, score_kind, condition, routing_key)
        return self._reconstruct_result(self._call(self._inference.Reconstruct, req, timeout))

    def reconstruct_stream(self, model: ModelLike, windows: Iterable[ArrayLike], *, omit_outputs: bool = False,
                           feature_errors: bool = False, score_kind: Optional[str] = None,
                           condition: Optional[Sequence[str]] = None, routing_key: Optional[str] = None,
                           timeout: Optional[float] = None) -> Iterator[ReconstructResult]:
        """Scores many windows on one stream, yielding one result per window in order. `timeout` covers the stream."""
        requests = (self._reconstruct_request(model, w, omit_outputs, feature_errors, score_kind, condition,
                                              routing_key) for w in windows)
        try:
            for r in self._inference.ReconstructStream(requests, timeout=self._timeout if timeout is None else timeout,
                                                       metadata=self._metadata):
                yield self._reconstruct_result(r)
        except grpc.RpcError as e:
            raise AeserveError(e.code(), e.details() or "") from None

    def sample(self, model: ModelLike, count: int = 1, *, seed: Optional[int] = None,
               temperature: Optional[float] = None, condition: Optional[Sequence[str]] = None,
               interpolate_inputs: Optional[ArrayLike] = None, interpolate_latents: Optional[ArrayLike] = None,
               steps: int = 5, method: str = "linear", routing_key: Optional[str] = None,
               timeout: Optional[float] = None) -> SampleResult:
        """Draws `count` samples from the prior, or interpolates between two inputs or two latents in `steps` points."""
        req = autoencoder_pb2.SampleRequest(model=_model(model, routing_key), count=count,
                                            condition=_condition(condition))
        if seed is not None:
            req.seed = seed
        if temperature is not None:
            req.temperature = temperature
        if interpolate_inputs is not None or interpolate_latents is not None:
            if method not in ("linear", "slerp"):
                raise ValueError(f"method must be linear or slerp, got {method!r}")
            interp = autoencoder_pb2.Interpolation(
                steps=steps, method=autoencoder_pb2.INTERPOLATION_METHOD_SLERP if method == "slerp"
                else autoencoder_pb2.INTERPOLATION_METHOD_LINEAR)
            if interpolate_inputs is not None:
                interp.inputs.CopyFrom(to_matrix(interpolate_inputs, "interpolate_inputs"))
            else:
                interp.latents.CopyFrom(to_matrix(interpolate_latents, "interpolate_latents"))
            req.interpolation.CopyFrom(interp)
        r = self._call(self._inference.Sample, req, timeout)
        return SampleResult(from_matrix(r.samples), from_matrix(r.latents), r.seed, ServedBy.of(r.served_by))

    def denoise(self, model: ModelLike, inputs: ArrayLike, *, corruption: Optional[Corruption] = None,
                return_corrupted: bool = False, routing_key: Optional[str] = None,
                timeout: Optional[float] = None) -> DenoiseResult:
        """Noisy x -> clean x'; with `corruption`, the server corrupts clean `inputs` first."""
        req = autoencoder_pb2.DenoiseRequest(model=_model(model, routing_key), inputs=to_matrix(inputs),
                                             return_corrupted=return_corrupted,
                                             corruption=corruption.to_proto() if corruption else None)
        r = self._call(self._inference.Denoise, req, timeout)
        return DenoiseResult(from_matrix(r.outputs), ServedBy.of(r.served_by), _optional_matrix(r, "corrupted"),
                             r.corruption_seed if r.HasField("corruption_seed") else None,
                             np.asarray(r.clean_errors, dtype=np.float32) if len(r.clean_errors) else None)

    def recommend(self, model: ModelLike, users: Mapping[str, Mapping[str, float]], k: int = 10, *,
                  exclude_seen: Optional[bool] = None, candidates: Sequence[str] = (), excluded: Sequence[str] = (),
                  routing_key: Optional[str] = None, timeout: Optional[float] = None) -> RecommendResult:
        """Top-k items per user from `users`: user id -> {item id: value} (1.0 for a plain interaction)."""
        req = autoencoder_pb2.RecommendRequest(
            model=_model(model, routing_key), k=k, candidate_items=list(candidates), excluded_items=list(excluded),
            users=[autoencoder_pb2.UserHistory(
                user_id=u, interactions=[autoencoder_pb2.Interaction(item_id=i, value=v) for i, v in h.items()])
                for u, h in users.items()])
        if exclude_seen is not None:
            req.exclude_seen = exclude_seen
        r = self._call(self._inference.Recommend, req, timeout)
        return RecommendResult(
            [UserItems(u.user_id, [ScoredItem(i.item_id, i.score) for i in u.items], list(u.unknown_items))
             for u in r.users], ServedBy.of(r.served_by))

    # ---- registry (generated messages in and out) ---------------------------------------------

    def create_model(self, name: str, family: str, description: str = "", *,
                     timeout: Optional[float] = None) -> registry_pb2.ModelInfo:
        """A new model of `family` ("ae", "vae", ...): every version uploaded to it must be of that family."""
        return self._call(self._registry.CreateModel, registry_pb2.CreateModelRequest(
            name=name, family=family, description=description), timeout)

    def list_models(self, *, timeout: Optional[float] = None) -> list[registry_pb2.ModelInfo]:
        return list(self._call(self._registry.ListModels, registry_pb2.ListModelsRequest(), timeout).models)

    def get_model(self, name: str, *, timeout: Optional[float] = None) -> registry_pb2.ModelDetails:
        return self._call(self._registry.GetModel, registry_pb2.GetModelRequest(name=name), timeout)

    def get_version(self, model: str, version: Optional[int] = None, alias: Optional[str] = None, *,
                    timeout: Optional[float] = None) -> registry_pb2.VersionInfo:
        req = registry_pb2.GetVersionRequest(model=model)
        if version is not None:
            req.version = version
        else:
            req.alias = alias or "latest"
        return self._call(self._registry.GetVersion, req, timeout)

    def list_versions(self, model: str, *, timeout: Optional[float] = None) -> list[registry_pb2.VersionInfo]:
        return list(self._call(self._registry.ListVersions, registry_pb2.ListVersionsRequest(model=model),
                               timeout).versions)

    UPLOAD_ATTEMPTS = 4
    _UPLOAD_CHUNK = 1 << 20

    def upload_version(self, model: str, spec_json: str, weights: bytes, *, metrics_json: str = "{}",
                       calibration_json: Optional[str] = None, idempotency_key: Optional[str] = None,
                       timeout: Optional[float] = None) -> registry_pb2.VersionInfo:
        """Uploads a new version of `model` from its spec and weights.

        The upload carries an idempotency key (a fresh UUID unless one is given) and is retried
        with the same key when the server is unavailable or the connection drops, up to
        UPLOAD_ATTEMPTS attempts: an attempt whose answer was lost but whose version was created
        returns that version, never a second one. The same key with other bytes is refused with
        ALREADY_EXISTS naming the version it created.
        """
        return self._upload(model, spec_json, weights, metrics_json or "{}", calibration_json, idempotency_key,
                            timeout)

    def import_onnx(self, model: str, encoder: Union[bytes, str, "os.PathLike[str]"],
                    decoder: Union[bytes, str, "os.PathLike[str]"],
                    manifest: Union[Mapping, str, "os.PathLike[str]"], *, description: str = "imported",
                    idempotency_key: Optional[str] = None,
                    timeout: Optional[float] = None) -> registry_pb2.VersionInfo:
        """Registers an exported encoder and decoder (ONNX graphs: bytes or file paths) as a new version of
        `model`, as `aeserve import` does; `manifest` (a dict, a JSON string or a file path) says what the
        graphs mean (docs/spec.md, "Import manifest"). Creates the model with the manifest's family when it
        does not exist. The server derives the version's spec and metrics from the manifest, loads the
        graphs, checks them against it and runs the golden batch before the version exists; a wrong
        import is INVALID_ARGUMENT naming the problem, and no version is left. Idempotent and retried
        like upload_version.
        """
        manifest_json = _manifest_text(manifest)
        family = json.loads(manifest_json).get("family")
        artifact = _import_artifact(manifest_json, _file_bytes(encoder, "encoder"), _file_bytes(decoder, "decoder"))
        try:
            self.create_model(model, family or "", description, timeout=timeout)
        except AeserveError as e:
            if e.code != grpc.StatusCode.ALREADY_EXISTS:
                raise
        return self._upload(model, "", artifact, "", None, idempotency_key, timeout)

    def _upload(self, model: str, spec_json: str, weights: bytes, metrics_json: str,
                calibration_json: Optional[str], idempotency_key: Optional[str],
                timeout: Optional[float]) -> registry_pb2.VersionInfo:
        key = idempotency_key or str(uuid.uuid4())
        header = registry_pb2.UploadHeader(
            model=model, spec_json=spec_json, metrics_json=metrics_json,
            calibration_json=calibration_json or "", artifact_size=len(weights),
            artifact_sha256=hashlib.sha256(weights).hexdigest(), idempotency_key=key)

        def requests():
            yield registry_pb2.UploadVersionRequest(header=header)
            for off in range(0, len(weights), self._UPLOAD_CHUNK):
                yield registry_pb2.UploadVersionRequest(chunk=weights[off:off + self._UPLOAD_CHUNK])

        backoff = 0.2
        for attempt in range(1, self.UPLOAD_ATTEMPTS + 1):
            try:
                return self._call(self._registry.UploadVersion, requests(), timeout)
            except AeserveError as e:
                if attempt == self.UPLOAD_ATTEMPTS or e.code != grpc.StatusCode.UNAVAILABLE:
                    raise
            time.sleep(backoff)
            backoff = min(2.0, backoff * 2)
        raise AssertionError("unreachable")

    def set_alias(self, model: str, alias: str, version: int, *,
                  timeout: Optional[float] = None) -> registry_pb2.AliasInfo:
        return self._call(self._registry.SetAlias, registry_pb2.SetAliasRequest(model=model, alias=alias,
                                                                               version=version), timeout)

    def delete_alias(self, model: str, alias: str, *, timeout: Optional[float] = None) -> None:
        self._call(self._registry.DeleteAlias, registry_pb2.DeleteAliasRequest(model=model, alias=alias), timeout)

    def recalibrate(self, model: str, version: int, calibration_json: str, *,
                    timeout: Optional[float] = None) -> registry_pb2.VersionInfo:
        """A new version sharing `version`'s weights, with a new calibration."""
        return self._call(self._registry.Recalibrate, registry_pb2.RecalibrateRequest(
            model=model, version=version, calibration_json=calibration_json), timeout)

    def archive_version(self, model: str, version: int, *,
                        timeout: Optional[float] = None) -> registry_pb2.VersionInfo:
        return self._call(self._registry.ArchiveVersion,
                          registry_pb2.ArchiveVersionRequest(model=model, version=version), timeout)

    def list_events(self, model: str = "", limit: int = 100, *,
                    timeout: Optional[float] = None) -> list[registry_pb2.RegistryEvent]:
        return list(self._call(self._registry.ListEvents, registry_pb2.ListEventsRequest(model=model, limit=limit),
                               timeout).events)

    # ---- rollouts -------------------------------------------------------------------------------

    def set_traffic(self, model: str, primaries: Mapping[int, int], shadows: Optional[Mapping[int, int]] = None, *,
                    timeout: Optional[float] = None) -> rollout_pb2.TrafficInfo:
        """Replaces the split: version -> percent of live traffic (summing to 100); shadows: version -> percent copied."""
        req = rollout_pb2.SetTrafficRequest(
            model=model, primaries=[rollout_pb2.TrafficArm(version=v, weight=w) for v, w in primaries.items()],
            shadows=[rollout_pb2.TrafficArm(version=v, weight=w) for v, w in (shadows or {}).items()])
        return self._call(self._rollouts.SetTraffic, req, timeout)

    def get_traffic(self, model: str, *, timeout: Optional[float] = None) -> rollout_pb2.TrafficInfo:
        return self._call(self._rollouts.GetTraffic, rollout_pb2.GetTrafficRequest(model=model), timeout)

    def promote(self, model: str, version: int, alias: str = "", *,
                timeout: Optional[float] = None) -> rollout_pb2.TrafficInfo:
        return self._call(self._rollouts.Promote, rollout_pb2.PromoteRequest(model=model, version=version,
                                                                             alias=alias), timeout)

    def rollback(self, model: str, *, timeout: Optional[float] = None) -> rollout_pb2.TrafficInfo:
        return self._call(self._rollouts.Rollback, rollout_pb2.RollbackRequest(model=model), timeout)


def _local_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in containers without a passwd entry
        return "anonymous"


# An import artifact as the server reads it (ImportArtifact.java): magic "AEIM", format version 1, the
# length-prefixed manifest, encoder and decoder, then a CRC32 of everything before it; big-endian.
_IMPORT_MAGIC = 0x4145494D
_IMPORT_FORMAT_VERSION = 1


def _import_artifact(manifest_json: str, encoder: bytes, decoder: bytes) -> bytes:
    body = bytearray(struct.pack(">ii", _IMPORT_MAGIC, _IMPORT_FORMAT_VERSION))
    for section in (manifest_json.encode("utf-8"), encoder, decoder):
        body += struct.pack(">i", len(section)) + section
    return bytes(body + struct.pack(">q", zlib.crc32(body)))


def _file_bytes(value, what: str) -> bytes:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    with open(value, "rb") as f:
        data = f.read()
    if not data:
        raise ValueError(f"the {what} graph {value} is empty")
    return data


def _manifest_text(manifest) -> str:
    """The manifest as canonical JSON, so that the same manifest given as a dict, a string or a file makes the
    same artifact bytes (a retry with the same idempotency key must send the same bytes)."""
    if isinstance(manifest, Mapping):
        parsed = manifest
    elif isinstance(manifest, str) and manifest.lstrip().startswith("{"):
        parsed = json.loads(manifest)
    else:
        with open(manifest, encoding="utf-8") as f:
            parsed = json.load(f)
    return json.dumps(parsed, sort_keys=True, separators=(",", ":"))
