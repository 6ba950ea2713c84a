"""Reversal curse (Berglund et al. 2023): models trained on "A is B" fail to answer "B is ?".

Three families:
- reversal-celebrity: real parent/child pairs asked both ways (chat sampling or base-model likelihood);
- reversal-fictitious: probes of models fine-tuned on invented name<->description facts
  (original files via --data, or a fresh seeded dataset; `harness export` writes the training files);
- reversal-incontext: the same probes with the facts stated in the prompt, for any chat model.
"""

from harness.core.registry import Family, register
from tasks.reversal.celebrity_config import CelebrityConfig
from tasks.reversal.celebrity_data import celebrity_default_source, celebrity_examples, load_celebrity_pairs
from tasks.reversal.celebrity_prompts import build_celebrity_request
from tasks.reversal.celebrity_scoring import (
    aggregate_celebrity,
    celebrity_canonical_answer,
    celebrity_group_keys,
    score_celebrity_completion,
    score_celebrity_loglikelihood,
    why_celebrity_unparseable,
)
from tasks.reversal.export import export_fictitious
from tasks.reversal.fictitious_config import FictitiousConfig, IncontextConfig
from tasks.reversal.fictitious_prompts import build_fictitious_request
from tasks.reversal.fictitious_samples import generate_fictitious, load_fictitious
from tasks.reversal.fictitious_scoring import (
    aggregate_fictitious,
    fictitious_canonical_answer,
    fictitious_group_keys,
    fictitious_primary_metric,
    score_fictitious_completion,
    score_fictitious_loglikelihood,
    score_incontext_completion,
)
from tasks.reversal.incontext import build_incontext_request, generate_incontext, load_incontext
from tasks.reversal.metrics import FICTITIOUS_METRICS, celebrity_metrics
from tasks.reversal.plots import celebrity_plots, fictitious_plots

CELEBRITY = register(
    Family(
        name="reversal-celebrity",
        description="Reversal curse, celebrity parents: 'Who is X's mother?' vs 'Name a child of Y.' (chat or base protocol)",
        config=CelebrityConfig,
        build_request=build_celebrity_request,
        primary_metric="score",
        metrics_for=lambda cfg: celebrity_metrics(cfg.resolved_protocol),
        score=score_celebrity_completion,
        canonical_answer=celebrity_canonical_answer,  # maj@10 votes on the part of the reply the rule reads
        why_unparseable=why_celebrity_unparseable,
        score_loglikelihood=score_celebrity_loglikelihood,
        load=load_celebrity_pairs,
        default_source=celebrity_default_source,
        aggregate=aggregate_celebrity,
        group_keys=celebrity_group_keys,
        gold=lambda sample: sample["gold"],
        plots=celebrity_plots,
        selection_unit=lambda sample: str(sample["row"]),  # --limit keeps both directions of a pair
        examples=celebrity_examples,
        variants={"reversal-celebrity-base": {"protocol": "base"}},
    )
)

FICTITIOUS = register(
    Family(
        name="reversal-fictitious",
        description="Reversal curse, fictitious facts: probe a model fine-tuned on 'A is B' with 'B is ?' (accuracy, log-prob control)",
        config=FictitiousConfig,
        build_request=build_fictitious_request,
        primary_metric="accuracy",
        score=score_fictitious_completion,
        canonical_answer=fictitious_canonical_answer,
        report_note=("These probes ask facts a model was fine-tuned on (harness export reversal-fictitious writes"
                     " the files): on a model not fine-tuned on them, accuracy near 0 and a log-prob gap near 0 are"
                     " what to expect, not a finding. Randomized controls are right when they do NOT give the"
                     " other fact's name (outcome 'control')."),
        score_loglikelihood=score_fictitious_loglikelihood,
        generate=generate_fictitious,
        load=load_fictitious,
        aggregate=aggregate_fictitious,
        group_keys=fictitious_group_keys,
        export=export_fictitious,  # `harness export`: the fine-tuning files the protocol trains on first
        metrics=FICTITIOUS_METRICS,
        primary_metric_for=fictitious_primary_metric,
        gold=lambda sample: sample["target"].strip(),
        plots=fictitious_plots,
        variants={"reversal-fictitious-loglik": {"measure": "loglikelihood"}},
    )
)

INCONTEXT = register(
    Family(
        name="reversal-incontext",
        description="Reversal curse control: the fictitious facts stated in the prompt, asked in reverse (any chat model)",
        config=IncontextConfig,
        build_request=build_incontext_request,
        primary_metric="accuracy",
        score=score_incontext_completion,
        canonical_answer=fictitious_canonical_answer,
        score_loglikelihood=score_fictitious_loglikelihood,
        generate=generate_incontext,
        load=load_incontext,
        aggregate=aggregate_fictitious,
        group_keys=fictitious_group_keys,
        metrics=FICTITIOUS_METRICS,
        primary_metric_for=fictitious_primary_metric,
        gold=lambda sample: sample["target"].strip(),
        plots=fictitious_plots,
        variants={"reversal-incontext-loglik": {"measure": "loglikelihood", "prompt_format": "completion"}},
    )
)
