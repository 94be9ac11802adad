"""Generates the gRPC stubs from the repository's proto/ files while the package is built.

The stubs are never committed: `pip install clients/python` (from a checkout of the repository)
runs grpcio-tools' protoc on proto/src/main/proto/aeserve/v1/*.proto and puts aeserve/v1/*_pb2*.py
next to the wrapper. AESERVE_PROTO_DIR points elsewhere when the package is built outside a checkout.
"""
import glob
import os

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))


def proto_dir() -> str:
    d = os.environ.get("AESERVE_PROTO_DIR", os.path.join(HERE, "..", "..", "proto", "src", "main", "proto"))
    if not os.path.isdir(os.path.join(d, "aeserve", "v1")):
        raise RuntimeError(f"no aeserve/v1/*.proto under {d}; build from the aeserve repository or set AESERVE_PROTO_DIR")
    return os.path.abspath(d)


def generate_stubs(out_dir: str) -> None:
    import grpc_tools
    from grpc_tools import protoc

    src = proto_dir()
    well_known = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")
    protos = sorted(glob.glob(os.path.join(src, "aeserve", "v1", "*.proto")))
    os.makedirs(os.path.join(out_dir, "aeserve", "v1"), exist_ok=True)
    args = ["grpc_tools.protoc", f"-I{src}", f"-I{well_known}", f"--python_out={out_dir}", f"--pyi_out={out_dir}",
            f"--grpc_python_out={out_dir}", *protos]
    if protoc.main(args) != 0:
        raise RuntimeError("protoc failed on " + " ".join(protos))


class BuildPyWithStubs(build_py):
    def run(self) -> None:
        super().run()
        generate_stubs(self.build_lib)


setup(cmdclass={"build_py": BuildPyWithStubs})
