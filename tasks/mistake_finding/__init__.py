"""Mistake finding (Tyen et al. 2024, "LLMs cannot find reasoning errors, but can correct them!"):
locate the first wrong step of a chain of thought, in the paper's three prompting modes.

mistake-finding / -step / -cot     BIG-Bench Mistake's 2,186 PaLM 2 traces (--data: the user's clone
                                   of github.com/WHGTyen/BIG-Bench-Mistake), the paper's prompts
                                   when the clone has them, else ours
mistake-finding-generated[-step|-cot]  fresh traces with exact gold for multistep arithmetic, word
                                   sorting and Dyck languages (one seeded mistake, or none)
The step modes ask one question per step through the family's strategy ``first-no``.
Protocol, prompts and the paper's figures: tasks/mistake_finding/README.md.
"""

from harness.core.registry import Family, register
from harness.core.types import Sample
from tasks.mistake_finding import strategy  # noqa: F401 - registers the step modes' strategy "first-no"
from tasks.mistake_finding.config import MistakeFindingConfig
from tasks.mistake_finding.generator import generate_mistake_trace
from tasks.mistake_finding.loader import default_source, load_mistake_traces
from tasks.mistake_finding.our_prompts import examples
from tasks.mistake_finding.plots import mistake_finding_plots
from tasks.mistake_finding.requests import build_mistake_request
from tasks.mistake_finding.scoring import MISTAKE_METRICS, gold_location, score_location, source_task_group
from tasks.mistake_finding.step_traces import STEP_TRACES


def example_samples(cfg: MistakeFindingConfig) -> list[Sample]:
    """Made-up traces in the original schema (our few-shot examples), for describing a task without data."""
    if cfg.source == "generated":
        return [generate_mistake_trace(cfg, 0, index) for index in range(2 * len(cfg.tasks))]
    return [{"id": f"example-{task}-{i}", "source_task": task, "input": e.input, "steps": list(e.steps),
             "answer": None, "target": "", "mistake_index": e.mistake_index, "prompts": "ours", "prompt_root": None}
            for task in cfg.tasks for i, e in enumerate(examples(task))]


FAMILY = register(
    Family(
        name="mistake-finding",
        description="find the first wrong step of a chain of thought (BIG-Bench Mistake, or generated traces with exact gold)",
        config=MistakeFindingConfig,
        build_request=build_mistake_request,
        primary_metric="accuracy",
        metrics=MISTAKE_METRICS,
        score=score_location,
        generate=generate_mistake_trace,
        load=load_mistake_traces,
        default_source=default_source,
        group_keys=source_task_group,
        gold=gold_location,
        plots=mistake_finding_plots,
        examples=example_samples,
        default_strategy=lambda cfg: "first-no" if cfg.mode != "trace" else None,
        step_traces=STEP_TRACES,
        variants={
            "mistake-finding-step": {"mode": "step"},
            "mistake-finding-cot": {"mode": "cot-step"},
            "mistake-finding-generated": {"source": "generated"},
            "mistake-finding-generated-step": {"source": "generated", "mode": "step"},
            "mistake-finding-generated-cot": {"source": "generated", "mode": "cot-step"},
        },
    )
)
