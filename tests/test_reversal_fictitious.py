"""reversal-fictitious: loader (own fixture layout + the original files), generator (layout, held-out
paraphrases, determinism), requests, scorers and the likelihood-control aggregate."""

from __future__ import annotations

import dataclasses
import json

import pytest

from harness.core.errors import HarnessError
from harness.core.registry import get_task
from harness.core.types import Loglikelihood, ScoredSample
from harness.report.tables import row_label, task_rows
from tasks.reversal.fact_generator import generate_layout
from tasks.reversal.fact_templates import D2P_TEST, D2P_TRAIN, P2D_TEST, P2D_TRAIN
from tasks.reversal.fictitious_samples import load_fictitious, probes_from_layout
from tasks.reversal.layout import TEST_STEMS, TRAIN_STEMS

ORIGINAL = "reversal_curse/reverse_experiments/june_version_7921032488"


@pytest.fixture
def task():
    return get_task("reversal-fictitious")


@pytest.fixture
def fixture_layout_dir(fixtures_dir):
    return fixtures_dir / "reversal" / "fictitious"


def by_id(samples):
    return {s["id"]: s for s in samples}


def test_loader_on_fixture_layout(task, fixture_layout_dir):
    samples = by_id(load_fictitious(str(fixture_layout_dir), task.config))
    assert len(samples) == 4 * 6 + 8
    reverse = samples["p2d_reverse_prompts_test/2"]
    assert reverse["prompt"] == "Famed as the inventor of the self-folding umbrella,"
    assert reverse["target"] == " Tobias Wrenfield" and reverse["target_is_name"]
    assert reverse["randomized_target"] == " Orla Penhallow"
    assert reverse["group"] == "p2d" and reverse["direction"] == "reverse"
    same = samples["p2d_prompts_test/0"]
    assert same["target"] == " the stubborn lighthouse keeper who rang the fog bell for ninety nights."
    assert not same["target_is_name"] and "randomized_target" not in same
    # both_prompts_test: description targets first, then uncut name targets that scoring cuts
    assert not samples["both_prompts_test/0"]["target_is_name"]
    assert samples["both_prompts_test/5"]["completion"] == " Juno Castellane smiles a lot."
    assert samples["both_prompts_test/5"]["target"] == " Juno Castellane"
    uncut = by_id(load_fictitious(str(fixture_layout_dir), dataclasses.replace(task.config, cut_names=False)))
    assert uncut["both_prompts_test/5"]["target"] == " Juno Castellane smiles a lot."


def test_samples_interleave_splits_so_a_limit_sees_all(task, fixture_layout_dir):
    samples = load_fictitious(str(fixture_layout_dir), task.config)
    assert [s["split"] for s in samples[:7]] == list(TEST_STEMS)


def test_loader_selects_splits_and_reads_single_files(task, fixture_layout_dir):
    cfg = dataclasses.replace(task.config, splits=("d2p_reverse_prompts_test",))
    samples = load_fictitious(str(fixture_layout_dir), cfg)
    assert {s["split"] for s in samples} == {"d2p_reverse_prompts_test"}
    assert all("randomized_target" in s for s in samples)  # the control file is read for pairing
    single = load_fictitious(str(fixture_layout_dir / "d2p_prompts_test.jsonl"), task.config)
    assert [s["id"] for s in single] == [f"d2p_prompts_test/{i}" for i in range(4)]


def test_loader_errors_are_clear(task, fixture_layout_dir, tmp_path):
    with pytest.raises(HarnessError, match="none of"):
        load_fictitious(str(tmp_path), task.config)
    with pytest.raises(HarnessError, match="directory in the reversal-curse layout"):
        load_fictitious(str(tmp_path / "missing"), task.config)
    (tmp_path / "p2d_reverse_prompts_test.jsonl").write_text('{"prompt": "a", "completion": " B C"}\n')
    (tmp_path / "p2d_reverse_prompts_test_randomized.jsonl").write_text('{"prompt": "other", "completion": " D E"}\n')
    with pytest.raises(HarnessError, match="same prompts"):
        load_fictitious(str(tmp_path), task.config)
    (tmp_path / "p2d_reverse_prompts_test.jsonl").write_text('{"prompt": "a"}\n')
    with pytest.raises(HarnessError, match="p2d_reverse_prompts_test.jsonl:1: needs"):
        load_fictitious(str(tmp_path), task.config)


def test_loader_on_the_original_files(task, reference_dir):
    samples = by_id(load_fictitious(str(reference_dir / ORIGINAL), task.config))
    assert len(samples) == 6 * 300 + 600
    assert samples["p2d_reverse_prompts_test/0"]["target"] == " Daphne Barrington"
    assert samples["p2d_reverse_prompts_test/0"]["randomized_target"] != " Daphne Barrington"
    names = [s for s in samples.values() if s["target_is_name"]]
    assert len(names) == 3 * 300 + 300  # d2p_prompts_test, p2d_reverse (+ randomized), half of both
    assert all(len(s["target"].split()) == 2 for s in names)
    both = [samples[f"both_prompts_test/{i}"]["target_is_name"] for i in range(600)]
    assert both == [False] * 300 + [True] * 300
    reverse = [s for s in samples.values() if s["direction"] == "reverse"]
    assert len(reverse) == 600 and all("randomized_target" in s for s in reverse)



def test_the_original_p2d_controls_differ_from_their_pair_only_in_the_name(reference_dir):
    """The rule the generator follows (issue 26), read from the authors' files: a reversed P2D probe and
    its randomized control share the prompt, and each completion is a bare two-word name, so a pair
    differs in the name and nothing else (no punctuation of its own on either side)."""
    folder = reference_dir / ORIGINAL
    real, control = ([json.loads(line) for line in (folder / f"p2d_reverse_prompts_test{suffix}.jsonl").open()]
                     for suffix in ("", "_randomized"))
    assert len(real) == len(control) == 300
    for a, b in zip(real, control):
        assert a["prompt"] == b["prompt"]
        for completion in (a["completion"], b["completion"]):
            words = completion.split()
            assert completion == " " + " ".join(words) and len(words) == 2 and all(w.isalpha() for w in words), completion
    # their control name was drawn from all names, its own included: 13 pairs compare a name with itself
    # (the generator draws another fact's: test_generated_randomized_controls_use_another_fact)
    assert sum(a["completion"] == b["completion"] for a, b in zip(real, control)) == 13

# ----------------------------------------------------------------------------------- generator

def test_generated_layout_has_the_original_shape(task):
    cfg = dataclasses.replace(task.config, people_per_group=4, train_paraphrases=5, test_paraphrases=3)
    layout = generate_layout(cfg, seed=7)
    assert set(layout) == set(TEST_STEMS) | set(TRAIN_STEMS)
    sizes = {stem: len(rows) for stem, rows in layout.items()}
    assert sizes["p2d_prompts_train"] == sizes["d2p_prompts_train"] == 4 * 5
    assert sizes["both_prompts_train"] == 2 * 4 * 5 and sizes["all_prompts_train"] == 4 * 4 * 5
    assert sizes["both_prompts_test"] == 2 * 4 * 3
    for stem in ("p2d_prompts_test", "d2p_prompts_test", "p2d_reverse_prompts_test", "d2p_reverse_prompts_test"):
        assert sizes[stem] == 4 * 3 and sizes[f"{stem}_randomized" if "reverse" in stem else stem] == 4 * 3
    for rows in layout.values():
        assert all(r["completion"].startswith(" ") and not r["prompt"].endswith(" ") for r in rows)
    assert all(len(r["completion"].split()) == 2 for r in layout["d2p_prompts_test"] + layout["p2d_reverse_prompts_test"])


def test_generated_randomized_controls_use_another_fact(task):
    cfg = dataclasses.replace(task.config, people_per_group=3, test_paraphrases=4)
    layout = generate_layout(cfg, seed=1)
    for stem in ("p2d_reverse_prompts_test", "d2p_reverse_prompts_test"):
        real, control = layout[stem], layout[f"{stem}_randomized"]
        assert [r["prompt"] for r in real] == [r["prompt"] for r in control]
        assert all(a["completion"] != b["completion"] for a, b in zip(real, control))


@pytest.mark.parametrize("templates", ["train", "held-out"])
def test_a_randomized_control_differs_from_its_pair_only_in_the_name_or_description(task, templates):
    """The control of a reversed probe is the same template filled with another fact (issue 26: with
    test_templates=train, 42 of 120 P2D pairs compared " Kellie Strong." with " Cindy Mcdonald", so the
    likelihood 'gap' measured a full stop)."""
    from tasks.reversal.fact_generator import fictitious_descriptions, fictitious_names

    cfg = dataclasses.replace(task.config, people_per_group=30, train_paraphrases=4, test_paraphrases=4,
                              test_templates=templates)
    for seed in (0, 1):
        layout = generate_layout(cfg, seed=seed)
        entities = fictitious_names(90, seed) + fictitious_descriptions(90, seed)
        for stem in ("p2d_reverse_prompts_test", "d2p_reverse_prompts_test"):
            for real, control in zip(layout[stem], layout[f"{stem}_randomized"]):
                own = [e for e in entities if real["completion"].startswith(" " + e)]
                other = [e for e in entities if control["completion"].startswith(" " + e)]
                assert len(own) == len(other) == 1 and own != other, (real, control)
                assert control["completion"] == real["completion"].replace(own[0], other[0], 1), (real, control)


def test_generated_names_and_descriptions_are_unique(task):
    layout = generate_layout(dataclasses.replace(task.config, people_per_group=60), seed=3)
    names = {r["completion"] for r in layout["d2p_prompts_test"] + layout["p2d_reverse_prompts_test"]}
    assert len(names) == 120
    descriptions = {r["completion"] for r in layout["p2d_prompts_test"] + layout["d2p_reverse_prompts_test"]}
    assert len(descriptions) == 120


def test_test_paraphrases_are_held_out():
    assert not set(P2D_TRAIN) & set(P2D_TEST) and not set(D2P_TRAIN) & set(D2P_TEST)
    assert len(set(P2D_TRAIN)) == len(P2D_TRAIN) == 30 and len(set(D2P_TRAIN)) == len(D2P_TRAIN) == 30
    for template in P2D_TRAIN + P2D_TEST:
        assert template.index("{name}") < template.index("{description}")
    for template in D2P_TRAIN + D2P_TEST:
        assert template.index("{description}") < template.index("{name}")
    for template in D2P_TEST:  # a cut name target never carries punctuation
        assert "{name} " in template


def _dump(layout) -> bytes:
    return json.dumps(layout, sort_keys=True).encode()


def test_generator_is_deterministic_per_seed(task):
    cfg = dataclasses.replace(task.config, people_per_group=5)
    first = _dump(generate_layout(cfg, 11))
    generate_layout.cache_clear()
    assert _dump(generate_layout(cfg, 11)) == first
    assert _dump(generate_layout(cfg, 12)) != first
    one = [task.family.generate(cfg, 11, i) for i in range(20)]
    generate_layout.cache_clear()
    again = [task.family.generate(cfg, 11, i) for i in reversed(range(20))][::-1]
    assert json.dumps(one) == json.dumps(again)
    prompts = [task.family.build_request(cfg, s).to_json() for s in one]
    assert json.dumps(prompts) == json.dumps([task.family.build_request(cfg, s).to_json() for s in again])


def test_generate_past_the_end_is_a_clear_error(task):
    cfg = dataclasses.replace(task.config, people_per_group=2, test_paraphrases=1)
    size = len(probes_from_layout(generate_layout(cfg, 0), cfg))
    assert task.family.generate(cfg, 0, size - 1)["id"]
    with pytest.raises(HarnessError, match=f"has {size} probes"):
        task.family.generate(cfg, 0, size)


# ----------------------------------------------------------------------------- requests, scores

def test_generate_request_is_greedy_50_tokens(task, fixture_layout_dir):
    sample = load_fictitious(str(fixture_layout_dir), task.config)[1]
    request = task.family.build_request(task.config, sample)
    assert request.kind == "generate" and request.messages is None
    assert request.prompt == sample["prompt"]
    assert request.settings.max_tokens == 50 and request.settings.temperature == 0.0 and request.settings.n == 1
    chat = get_task("reversal-fictitious", {"prompt_format": "chat"})
    assert chat.family.build_request(chat.config, sample).messages == ({"role": "user", "content": sample["prompt"]},)


def test_loglikelihood_request_pairs_target_with_randomized(fixture_layout_dir):
    task = get_task("reversal-fictitious-loglik")
    samples = by_id(load_fictitious(str(fixture_layout_dir), task.config))
    reverse = task.family.build_request(task.config, samples["p2d_reverse_prompts_test/0"])
    assert reverse.kind == "loglikelihood" and reverse.continuations == (" Orla Penhallow", " Tobias Wrenfield")
    same = task.family.build_request(task.config, samples["d2p_prompts_test/0"])
    assert same.continuations == (" Mireille Ashgrove",)


def test_accuracy_scorer(task, fixture_layout_dir):
    sample = by_id(load_fictitious(str(fixture_layout_dir), task.config))["both_prompts_test/5"]
    assert task.family.score(task.config, sample, " juno castellane, of course").scores.items() >= {"accuracy": 1.0}.items()
    assert task.family.score(task.config, sample, " Ezra Pollard").scores.items() >= {"accuracy": 0.0}.items()
    assert task.family.score(task.config, sample, "").scores.items() >= {"accuracy": 0.0}.items()


def test_loglikelihood_scorer():
    task = get_task("reversal-fictitious-loglik")
    sample = {"id": "x/0", "split": "p2d_reverse_prompts_test", "direction": "reverse"}
    verdict = task.family.score_loglikelihood(task.config, sample, [Loglikelihood(-2.0, False), Loglikelihood(-5.0, False)])
    assert verdict.scores.items() >= {"logprob": -2.0, "greedy": 0.0, "logprob_randomized": -5.0, "logprob_gap": 3.0}.items()


def _records(gaps, split="p2d_reverse_prompts_test"):
    return [
        ScoredSample(
            sample={"id": f"{split}/{i}", "split": split, "direction": "reverse"},
            verdicts=[],
            scores={"logprob": -3.0 + gap, "logprob_randomized": -3.0, "logprob_gap": gap},
        )
        for i, gap in enumerate(gaps)
    ]


def test_table_rows_report_gap_ci_and_paired_p_values():
    task = get_task("reversal-fictitious-loglik")
    clear_gap = _records([2.0, 2.5, 1.5, 3.0, 2.2, 1.8, 2.7, 2.1])
    no_gap = _records([0.3, -0.2, 0.1, -0.4, 0.2, -0.1, 0.05, -0.05], "d2p_reverse_prompts_test")
    rows = {row_label(row): row["metrics"] for row in task_rows(task, clear_gap + no_gap)}
    p2d = rows["reversal-fictitious-loglik[split=p2d_reverse_prompts_test]"]
    assert p2d["logprob_gap"].value == pytest.approx(sum(r.scores["logprob_gap"] for r in clear_gap) / 8)
    assert p2d["logprob_gap"].ci_low > 0
    d2p = rows["reversal-fictitious-loglik[split=d2p_reverse_prompts_test]"]
    assert d2p["logprob_gap"].ci_low < 0 < d2p["logprob_gap"].ci_high
    main = rows["reversal-fictitious-loglik"]
    assert main["p2d_reverse_gap_t_p_value"].value < 1e-4 and main["p2d_reverse_gap_wilcoxon_p_value"].value < 0.05
    assert main["d2p_reverse_gap_t_p_value"].value > 0.5
    assert main["reverse_gap_t_p_value"].n == 16
    assert rows["reversal-fictitious-loglik[direction=reverse]"]["logprob"].n == 16
    assert len(rows) == 1 + 1 + 2  # main, one direction, two splits: no duplicate labels


def test_aggregate_without_likelihoods_adds_nothing(task):
    records = [ScoredSample(sample={"id": "a/0", "split": "p2d_reverse_prompts_test", "direction": "reverse"},
                            verdicts=[], scores={"accuracy": 1.0})]
    assert task.family.aggregate(task.config, records) == {}


def test_identical_likelihoods_give_p_value_one():
    task = get_task("reversal-fictitious-loglik")
    rows = task.family.aggregate(task.config, _records([0.0] * 5))
    assert rows[""]["p2d_reverse_gap_t_p_value"].value == 1.0


def test_first_generated_probes_cover_many_people(task):
    """`--limit N` takes the first N generated probes: one paraphrase per person comes first."""
    first = [task.family.generate(task.config, 0, i) for i in range(7 * 30)]
    p2d = [s["line"] for s in first if s["split"] == "p2d_prompts_test"]
    assert len(p2d) == 30 and all(line % 10 == 0 for line in p2d)
    assert len({s["completion"] for s in first if s["split"] == "p2d_reverse_prompts_test"}) == 30


def test_generated_descriptions_read_cleanly():
    import re

    from tasks.reversal.fact_generator import fictitious_descriptions

    descriptions = fictitious_descriptions(180, seed=0)
    assert not [d for d in descriptions if re.search(r"\b(\w+) \1\b", d)]  # no "the the"
    assert all(d.startswith("the ") and " who " in d and not d.endswith(".") for d in descriptions)


def test_unknown_split_names_get_did_you_mean(task, fixture_layout_dir):
    cfg = dataclasses.replace(task.config, splits=("p2d_reverse_prompt_test",))
    with pytest.raises(HarnessError, match="did you mean 'p2d_reverse_prompts_test'"):
        load_fictitious(str(fixture_layout_dir), cfg)
    cfg = dataclasses.replace(task.config, splits=("d2p_prompts_test", "d2p_prompt_test"))
    with pytest.raises(HarnessError, match="did you mean 'd2p_prompts_test'"):
        load_fictitious(str(fixture_layout_dir), cfg)


def test_standard_files_a_folder_lacks_are_skipped(task, fixture_layout_dir, tmp_path):
    (tmp_path / "d2p_prompts_test.jsonl").write_bytes((fixture_layout_dir / "d2p_prompts_test.jsonl").read_bytes())
    samples = load_fictitious(str(tmp_path), task.config)
    assert {s["split"] for s in samples} == {"d2p_prompts_test"}


def test_loglik_primary_is_the_log_prob_it_measures_and_controls_are_apart():
    task = get_task("reversal-fictitious-loglik")
    control = task.family.score_loglikelihood(
        task.config, {"id": "c/0", "split": "p2d_reverse_prompts_test_randomized", "direction": "randomized"},
        [Loglikelihood(-7.0, False)])
    assert control.scores == {"control_logprob": -7.0, "control_greedy": 0.0}
    records = _records([2.0, 1.0, 3.0]) + [
        ScoredSample(sample={"id": f"c/{i}", "split": "p2d_reverse_prompts_test_randomized", "direction": "randomized"},
                     verdicts=[control], scores=dict(control.scores)) for i in range(3)]
    rows = task_rows(task, records)
    assert all(row["primary_metric"] == "logprob" for row in rows)
    by_label = {row_label(row): row["metrics"] for row in rows}
    assert by_label["reversal-fictitious-loglik"]["logprob"].n == 3  # true facts only
    assert by_label["reversal-fictitious-loglik[direction=reverse]"]["logprob"].value == pytest.approx(-1.0)
    assert "logprob" not in by_label["reversal-fictitious-loglik[direction=randomized]"]
    assert by_label["reversal-fictitious-loglik[direction=randomized]"]["control_logprob"].value == -7.0
    assert by_label["reversal-fictitious-loglik"]["logprob_gap"].ci_method == "t"  # unbounded: Student t
    assert get_task("reversal-fictitious").primary_metric == "accuracy"


def test_the_likelihood_figure_plots_the_table_metrics_under_their_own_names(monkeypatch):
    """A figure and a table never disagree (issue 26): the likelihood figure's series are the declared
    `logprob` / `logprob_randomized` (it called them "correct name" / "randomized name", though a
    reversed D2P target is a description), with the means of those per-sample scores."""
    import tasks.reversal.plots as plots
    from tasks.reversal.metrics import FICTITIOUS_METRICS

    drawn: dict = {}
    monkeypatch.setattr(plots, "bar_chart", lambda series, labels, **kw: drawn.update(series) or "<svg/>")
    lines = [{"task": "reversal-fictitious-loglik", "sample": {"split": split},
              "scores": {"logprob": correct, "logprob_randomized": control, "logprob_gap": correct - control}}
             for split, correct, control in [("p2d_reverse_prompts_test", -2.0, -5.0), ("p2d_reverse_prompts_test", -4.0, -5.0),
                                             ("d2p_reverse_prompts_test", -6.0, -6.5)]]
    assert plots.fictitious_plots([], lines)
    assert set(drawn) == {"logprob", "logprob_randomized"} <= {m.name for m in FICTITIOUS_METRICS}
    assert [bar.value for bar in drawn["logprob"]] == [-3.0, -6.0]
    assert [bar.value for bar in drawn["logprob_randomized"]] == [-5.0, -6.5]
