"""lm-eval's own runner on the exported YAMLs vs `harness run`: same samples, same prompts, same
responses, same metrics (the embedded default model through lm-eval's `hf` model)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.model

REPO = Path(__file__).resolve().parents[1]
FIX = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="module")
def model_dir() -> str:
    from harness.backends.local import converted_model_dir

    return str(converted_model_dir())


@pytest.fixture(scope="module")
def tokenizer(model_dir):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(model_dir)


def _lm_eval(task: str, model_dir: str, metadata: dict, chat: bool, gen_kwargs: str | None = None) -> dict:
    import lm_eval
    from lm_eval.tasks import TaskManager

    manager = TaskManager(include_path=str(REPO / "tasks"), metadata=metadata)
    return lm_eval.simple_evaluate(
        model="hf", model_args=f"pretrained={model_dir},dtype=float32", tasks=[task], task_manager=manager,
        apply_chat_template=chat, fewshot_as_multiturn=chat, gen_kwargs=gen_kwargs, batch_size=1, device="cpu",
        log_samples=True,
    )


def _harness(task: str, tmp_path: Path, limit: int, max_tokens: int | None = None):
    from harness.backends import BackendOptions
    from harness.pipeline.runner import GenerationOverrides, RunSpec, run

    spec = RunSpec(tasks=[task], limit=limit, overrides=GenerationOverrides(max_tokens=max_tokens),
                   backend_options=BackendOptions(batch_size=1, device="cpu"), out=str(tmp_path / task),
                   results_dir=str(tmp_path), progress=False)
    outcome = run(spec)
    lines = [json.loads(line) for line in (outcome.run_dir / "samples.jsonl").read_text().splitlines()]
    return outcome.rows[0]["metrics"], lines


def _rendered(tokenizer, prompt) -> str:
    if isinstance(prompt, str):
        return prompt
    return tokenizer.apply_chat_template(prompt, tokenize=False, add_generation_prompt=True)


def test_generation_task_gives_identical_prompts_responses_and_metrics(tmp_path, model_dir, tokenizer):
    theirs = _lm_eval("countdown", model_dir, {"limit": 3, "seed": 0}, chat=True, gen_kwargs="max_gen_toks=24")
    metrics, lines = _harness("countdown", tmp_path, limit=3, max_tokens=24)
    logged = sorted(theirs["samples"]["countdown"], key=lambda s: s["doc_id"])
    assert [s["doc"]["harness_id"] for s in logged] == [line["id"] for line in lines]
    for ours, their in zip(lines, logged):
        assert their["arguments"][0][0] == _rendered(tokenizer, ours["prompt"])
        assert [their["filtered_resps"][0]] == ours["responses"]
    for metric in ("accuracy", "reward"):
        assert theirs["results"]["countdown"][f"{metric},none"] == metrics[metric].value


def test_loglikelihood_task_gives_identical_prompts_and_metrics(tmp_path, model_dir):
    task = "reversal-fictitious-loglik"
    theirs = _lm_eval(task, model_dir, {"limit": 6, "seed": 0}, chat=False)
    metrics, lines = _harness(task, tmp_path, limit=6)
    logged = sorted(theirs["samples"][task], key=lambda s: s["doc_id"])
    assert [s["doc"]["harness_id"] for s in logged] == [line["id"] for line in lines]
    for ours, their in zip(lines, logged):
        assert [tuple(arg[:2]) for arg in their["arguments"]] == [(ours["prompt"], c) for c in ours["continuations"]]
        for (logprob, greedy), mine in zip([r[0] for r in their["resps"]], ours["loglikelihoods"]):
            assert logprob == pytest.approx(mine["logprob"], abs=1e-6) and greedy == mine["is_greedy"]
    results = theirs["results"][task]
    for metric in ("logprob", "greedy", "logprob_randomized", "logprob_gap", "reverse_gap_t_p_value"):
        assert results[f"{metric},none"] == pytest.approx(metrics[metric].value, abs=1e-6), metric


@pytest.mark.parametrize("task, metadata", [
    ("reversal-celebrity", {"data": str(FIX / "reversal/celebrity/parent_child_pairs.csv"), "limit": 4}),
    ("lr2bench-generated", {"limit": 4, "settings": {"level": "logic/4_4,sudoku/4_4_easy"}}),
    ("reversal-incontext", {"limit": 3}),
])
def test_multi_turn_and_user_only_chats_render_exactly_as_the_harness_does(task, metadata, tokenizer):
    """Earlier chat turns (few-shot examples) reach lm-eval as multi-turn few-shot; no model needed."""
    from lm_eval.tasks import TaskManager

    from harness.core.registry import get_task
    from harness.pipeline.samples import select_samples

    lm_task = TaskManager(include_path=str(REPO / "tasks"), metadata=metadata).load([task])["tasks"][task]

    def chat_template(messages, add_generation_prompt=True):
        return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=add_generation_prompt)

    ours = get_task(task, metadata.get("settings"))
    samples = select_samples(ours, seed=0, limit=metadata["limit"], data=metadata.get("data"))
    docs = list(lm_task.test_docs())
    assert [d["harness_id"] for d in docs] == [s["id"] for s in samples]
    for doc, sample in zip(docs, samples):
        context = lm_task.fewshot_context(doc, num_fewshot=lm_task.config.num_fewshot or 0, apply_chat_template=True,
                                          fewshot_as_multiturn=True, chat_template=chat_template)
        request = ours.family.build_request(ours.config, sample)
        assert context == _rendered(tokenizer, [dict(m) for m in request.messages])
