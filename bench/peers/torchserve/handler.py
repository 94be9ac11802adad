"""TorchServe handler for the benchmark's W1-large encoder: the peer's equivalent of Encode.

Each request carries one row as 784 little-endian float32 values (raw bytes in the gRPC input
"data", as aeserve's raw_le encoding); TorchServe's batcher hands the handler up to batchSize
requests at once (batch size 64, max delay 2 ms in the suite's config), which are stacked into
one matrix, encoded by the TorchScript model in one call, and answered with each row's latent
vector as raw float32 bytes.
"""
import os
import struct

import torch

torch.set_num_threads(1)  # one core per worker: the server side has one core in the suite


class W1LargeHandler:
    def __init__(self):
        self.model = None
        self.initialized = False

    def initialize(self, context):
        model_dir = context.system_properties.get("model_dir")
        self.model = torch.jit.load(os.path.join(model_dir, "w1-large.pt")).eval()
        self.initialized = True

    def handle(self, data, context):
        rows = []
        for request in data:
            body = request.get("data") or request.get("body")
            rows.append(torch.frombuffer(bytearray(body), dtype=torch.float32))
        with torch.inference_mode():
            latents = self.model(torch.stack(rows))
        # struct rather than numpy: the peer's environment needs nothing beyond torch and torchserve.
        return [struct.pack(f"<{len(row)}f", *row) for row in latents.tolist()]


_service = W1LargeHandler()


def handle(data, context):
    if not _service.initialized:
        _service.initialize(context)
    if data is None:
        return None
    return _service.handle(data, context)
