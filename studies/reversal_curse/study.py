"""The order of a reproduction's steps: export the data, train each arm (or reuse its finished
model), probe it through the runner, write the report. Heavy libraries load inside the steps.

Folder layout under --out:
  data/same-templates/   the scratch arms' dataset (test files on training templates)
  data/held-out/         the finetune arm's dataset (the paper's held-out test paraphrases)
  models/<arm>-<hash>/   a trained model (the hash covers everything that shapes its weights, so
                         the response cache, keyed by the model path, can never serve another
                         model's answers); training.json marks it finished and is reused
  runs/<arm>/<task>/     the probe runs (run folders as `harness run` writes them)
  responses.sqlite       their response cache
  reproduction.{json,md,png}, timings.json
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness import HarnessError
from studies.reversal_curse.spec import DataShape, Preset, ReproductionSpec

TASK = "reversal-fictitious"
ARM_DESCRIPTIONS = {
    "scratch": "a small Llama initialised from the seed and trained on the training statements of all groups; "
               "it trains and tests on the same templates (a model this small cannot generalise across paraphrases)",
    "reverse-training": "the scratch model and budget, trained on the statements plus their entity-preserving "
                        "reversals (Golovneva et al. 2024: names kept as units, the order of the other words reversed); "
                        "same templates for training and testing",
    "finetune": "the embedded SmolLM2-135M, fully fine-tuned on the paper's training files and probed on "
                "held-out test paraphrases (as Berglund et al.)",
}


@dataclass
class ReproductionOutcome:
    out: Path
    report: dict[str, Any]
    paths: list[Path]
    timings: dict[str, Any]


def export_dataset(shape: DataShape, out_dir: Path, seed: int) -> Path:
    """The fictitious dataset in the original layout, written by the family's export hook
    (what `harness export reversal-fictitious --set ...` writes)."""
    from harness import get_task

    task = get_task(TASK, shape.settings())
    if task.family.export is None:
        raise HarnessError(f"task '{TASK}' declares no export hook; the reproduction needs its fine-tuning files")
    task.family.export(task.config, str(out_dir), seed, None)
    return out_dir


def _fingerprint(payload: dict) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:10]


def _data_digest(data_dir: Path) -> str:
    manifest = json.loads((data_dir / "manifest.json").read_text(encoding="utf-8"))
    return _fingerprint(manifest["files"])


def train_arm(arm: str, preset: Preset, data_dir: Path, models_dir: Path, spec: ReproductionSpec,
              device: str) -> tuple[Path, dict[str, Any], bool]:
    """(model folder, training log, reused?) for one arm."""
    from studies.reversal_curse.corpus import arm_texts

    scratch = arm != "finetune"
    budget = preset.scratch_budget if scratch else preset.finetune_budget
    identity = {"arm": arm, "data": _data_digest(data_dir), "budget": dataclasses.asdict(budget), "seed": spec.seed,
                "device": device, "threads": spec.threads}
    if scratch:
        identity.update(shape=dataclasses.asdict(preset.scratch_shape), vocab=preset.vocab_size)
    model_dir = models_dir / f"{arm}-{_fingerprint(identity)}"
    marker = model_dir / "training.json"
    if marker.is_file():
        print(f"[{arm}] reusing the trained model in {model_dir}", file=sys.stderr)
        return model_dir, json.loads(marker.read_text(encoding="utf-8")), True

    import torch

    torch.set_num_threads(spec.threads)
    partial = model_dir.with_name(model_dir.name + ".partial")
    texts = arm_texts(data_dir, reverse=arm == "reverse-training")
    if scratch:
        from studies.reversal_curse.models import scratch_model
        from studies.reversal_curse.tokenizer import train_tokenizer

        tokenizer = train_tokenizer(arm_texts(data_dir, reverse=False), preset.vocab_size, partial)
        model = scratch_model(tokenizer, preset.scratch_shape, spec.seed)
        description = (f"Llama, {preset.scratch_shape.layers} layers, width {preset.scratch_shape.hidden_size}, "
                       f"{sum(p.numel() for p in model.parameters()) / 1e6:.2f}M parameters, byte-level BPE "
                       f"vocabulary of {len(tokenizer)} trained on the statements")
    else:
        from studies.reversal_curse.models import embedded_model_dir, pretrained_model

        model, tokenizer = pretrained_model(embedded_model_dir(), spec.seed)
        description = f"SmolLM2-135M-Instruct (embedded), full fine-tune, {sum(p.numel() for p in model.parameters()) / 1e6:.1f}M parameters"
    from studies.reversal_curse.training import train_causal_lm

    log = train_causal_lm(model, tokenizer, texts, budget, partial, seed=spec.seed, device=device, label=arm,
                          progress=spec.progress)
    record = {"model": description, "budget": dataclasses.asdict(budget), "training": log.to_json(),
              "timing": {"estimate_s": round(log.estimate_s, 1), "seconds": round(log.seconds, 1)}}
    (partial / "training.json").write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    for leftover in (partial / "trainer",):
        if leftover.is_dir():
            import shutil

            shutil.rmtree(leftover)
    if model_dir.exists():  # an unfinished earlier attempt
        import shutil

        shutil.rmtree(model_dir)
    partial.replace(model_dir)
    return model_dir, record, False


def default_device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def run_reproduction(spec: ReproductionSpec) -> ReproductionOutcome:
    from studies.reversal_curse.evaluate import ProbeOptions, probe_model
    from studies.reversal_curse.report import arm_results, probe_examples, write_json, write_report

    spec.validate()
    preset = spec.resolved_preset()
    device = spec.device or default_device()
    out = Path(spec.out)
    out.mkdir(parents=True, exist_ok=True)
    timings: dict[str, Any] = {"device": device, "threads": spec.threads, "arms": {}}
    started = time.perf_counter()
    data_dirs: dict[str, Path] = {}
    results: dict[str, Any] = {}
    details: dict[str, Any] = {}
    for arm in spec.arms:
        arm_started = time.perf_counter()
        shape = preset.finetune_data if arm == "finetune" else preset.scratch_data
        key = "held-out" if arm == "finetune" else "same-templates"
        if key not in data_dirs:
            data_dirs[key] = export_dataset(shape, out / "data" / key, spec.seed)
        data_dir = data_dirs[key]
        model_dir, record, reused = train_arm(arm, preset, data_dir, out / "models", spec, device)
        trained = time.perf_counter()
        options = ProbeOptions(device=device, threads=spec.threads, progress=spec.progress)
        outcomes = probe_model(model_dir, data_dir, out / "runs" / arm, out / "responses.sqlite", spec.seed, options,
                               preset.probe_settings)
        results[arm] = arm_results(outcomes["reversal-fictitious"].metrics, outcomes["reversal-fictitious-loglik"].metrics)
        details[arm] = {
            "description": ARM_DESCRIPTIONS[arm],
            "model": record["model"],
            "model_dir": str(model_dir.relative_to(out)),
            "data": str(data_dir.relative_to(out)),
            "data_settings": dataclasses.asdict(shape),
            "test_templates": "tests on the training templates" if shape.test_templates == "train"
            else "tests on held-out paraphrases",
            "budget": record["budget"],
            "training": record["training"],
            "runs": {task: str(o.run_dir.relative_to(out)) for task, o in outcomes.items()},
            "probe_settings": preset.probe_settings,
            "examples": probe_examples(outcomes["reversal-fictitious"].samples),
        }
        timings["arms"][arm] = {**record["timing"], "reused_model": reused,
                                "probe_seconds": round(time.perf_counter() - trained, 1),
                                "arm_seconds": round(time.perf_counter() - arm_started, 1)}
    timings["total_seconds"] = round(time.perf_counter() - started, 1)
    report = {"study": "reversal-curse", "seed": spec.seed, "preset": spec.preset, "arms": list(spec.arms),
              "device": device, "paper": _paper(), "results": results, "arms_detail": details}
    paths = write_report(report, out)
    write_json(out / "timings.json", timings)
    return ReproductionOutcome(out=out, report=report, paths=paths + [out / "timings.json"], timings=timings)


def _paper() -> dict:
    from studies.reversal_curse.report import PAPER

    return PAPER
