"""An unreachable hub fails in seconds with one line, a cached model still loads (issue 20).

The hub is simulated on 127.0.0.1: a closed port is "no network", a tiny HTTP server is "online".
"""

from __future__ import annotations

import http.server
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from harness.core import hub
from harness.core.errors import HarnessError
from tests.conftest import REPO_ROOT


def closed_port_url() -> str:
    with socket.socket() as s:  # bind, read the port, close: nothing listens there afterwards
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def answering_hub():
    class NotFound(http.server.BaseHTTPRequestHandler):
        def do_HEAD(self):  # noqa: N802 - http.server's naming
            self.send_response(404)  # any answer means "reachable"
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), NotFound)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def no_offline_env(monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    hub.unreachable_reason.cache_clear()
    yield monkeypatch
    hub.unreachable_reason.cache_clear()


def fake_cached_model(cache_dir: Path, repo_id: str, source: Path | None = None) -> Path:
    """The hub cache layout (models--owner--name/refs/main + snapshots/<hash>/...)."""
    repo = cache_dir / ("models--" + repo_id.replace("/", "--"))
    snapshot = repo / "snapshots" / ("0" * 40)
    snapshot.mkdir(parents=True)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("0" * 40)
    if source is None:
        (snapshot / "config.json").write_text("{}")
    else:
        for file in source.iterdir():
            (snapshot / file.name).symlink_to(file)
    return snapshot


def test_probe_tells_reachable_from_unreachable(answering_hub, no_offline_env):
    assert hub.unreachable_reason(answering_hub) is None
    reason = hub.unreachable_reason(closed_port_url())
    assert reason and "\n" not in reason


def test_unreachable_hub_and_uncached_model_is_one_line_naming_the_fixes(no_offline_env, tmp_path):
    no_offline_env.setenv("HF_ENDPOINT", closed_port_url())
    with pytest.raises(HarnessError) as err:
        hub.must_load_from_cache("nobody/not-cached", cache_dir=str(tmp_path))
    message = str(err.value)
    assert "\n" not in message
    assert "'nobody/not-cached' is not in the local Hugging Face cache" in message
    assert "cannot be reached" in message and "HTTPS_PROXY" in message and "--model hf:/path/to/model" in message


def test_unreachable_hub_with_cached_model_loads_from_cache(no_offline_env, tmp_path):
    no_offline_env.setenv("HF_ENDPOINT", closed_port_url())
    fake_cached_model(tmp_path, "owner/cached")
    assert hub.must_load_from_cache("owner/cached", cache_dir=str(tmp_path)) is True


def test_reachable_hub_or_offline_mode_leave_loading_alone(answering_hub, no_offline_env, tmp_path):
    no_offline_env.setenv("HF_ENDPOINT", answering_hub)
    assert hub.must_load_from_cache("nobody/not-cached", cache_dir=str(tmp_path)) is False
    no_offline_env.setenv("HF_ENDPOINT", closed_port_url())
    assert hub.must_load_from_cache(str(tmp_path)) is False  # a local folder is never a hub id


def test_offline_mode_loads_cached_models_and_says_how_to_enable_downloads(no_offline_env, tmp_path):
    no_offline_env.setenv("HF_ENDPOINT", closed_port_url())
    no_offline_env.setenv("HF_HUB_OFFLINE", "1")
    fake_cached_model(tmp_path, "owner/cached")
    assert hub.must_load_from_cache("owner/cached", cache_dir=str(tmp_path)) is False  # the loaders stay offline
    with pytest.raises(HarnessError) as err:
        hub.must_load_from_cache("nobody/not-cached", cache_dir=str(tmp_path))
    message = str(err.value)
    assert "\n" not in message and "downloads are off (HF_HUB_OFFLINE=1" in message and "HF_HUB_OFFLINE=0" in message
    assert "--model hf:/path/to/model" in message


def test_dataset_hub_ids_with_unreachable_hub_name_the_data_option(no_offline_env, tmp_path):
    from harness.core.data import read_records
    from tasks.lr2bench.loader import download_from_hub

    no_offline_env.setenv("HF_ENDPOINT", closed_port_url())
    no_offline_env.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(tmp_path))
    with pytest.raises(HarnessError) as err:
        list(read_records("owner/data"))
    assert "cannot be reached" in str(err.value) and "--data PATH" in str(err.value) and "HF_HUB_OFFLINE=1" in str(err.value)
    with pytest.raises(HarnessError) as err:
        download_from_hub("owner/lr2")
    assert "'owner/lr2' is not in the local Hugging Face cache" in str(err.value) and "--data DIR" in str(err.value)


def _cli_env(tmp_path: Path, endpoint: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    env.update(HF_ENDPOINT=endpoint, HF_HOME=str(tmp_path / "hf-home"), PYTHONPATH=str(REPO_ROOT))
    return env


def test_cli_hf_model_without_network_fails_with_one_line(tmp_path):
    """The case from the issue: no network, no HF_HUB_OFFLINE. Before: ~50-100 s of retries, 23 lines."""
    out = subprocess.run(
        [sys.executable, "-m", "harness", "run", "countdown", "--model", "hf:nobody/not-cached", "--limit", "1",
         "--no-progress", "--results-dir", str(tmp_path / "results")],
        capture_output=True, text=True, cwd=REPO_ROOT, env=_cli_env(tmp_path, closed_port_url()), timeout=120,
    )
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1, out.stderr
    assert out.stderr.startswith("harness: error: model 'nobody/not-cached' is not in the local Hugging Face cache")


@pytest.mark.model
def test_cached_model_loads_without_the_hub(tmp_path, no_offline_env):
    """A hub id already in the cache runs with the hub unreachable (no retries, no download)."""
    from harness.backends import BackendOptions
    from harness.backends.hf import HFBackend
    from harness.backends.local import converted_model_dir

    cache = tmp_path / "hub"
    fake_cached_model(cache, "owner/smol", converted_model_dir())
    no_offline_env.setenv("HF_ENDPOINT", closed_port_url())
    no_offline_env.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(cache))
    backend = HFBackend("owner/smol", BackendOptions(threads=1))
    assert backend.supports_chat and backend.device == "cpu"


def test_lmeval_bridge_hub_id_without_network(no_offline_env, tmp_path):
    """lmeval:hf,pretrained=<hub id>: the same one line before lm-eval loads; a cached id switches to offline mode."""
    import huggingface_hub.constants

    from harness.backends import BackendOptions
    from harness.backends.lmeval_bridge import LMEvalBackend, _settle_hub_access

    no_offline_env.setenv("HF_ENDPOINT", closed_port_url())
    no_offline_env.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path))
    no_offline_env.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", huggingface_hub.constants.HF_HUB_OFFLINE)
    with pytest.raises(HarnessError, match="'nobody/not-cached' is not in the local Hugging Face cache.*pretrained=/path/to/model"):
        LMEvalBackend("hf,pretrained=nobody/not-cached,dtype=float32", BackendOptions())
    fake_cached_model(tmp_path, "owner/cached")
    _settle_hub_access("owner/cached")
    assert os.environ["HF_HUB_OFFLINE"] == "1" and huggingface_hub.constants.HF_HUB_OFFLINE is True
