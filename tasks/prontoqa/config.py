"""Every knob a PrOntoQA variant can set (all settable with --set key=value)."""

from __future__ import annotations

from dataclasses import dataclass

ONTOLOGIES = ("fictional", "true", "false")
DISTRACTORS = ("none", "relevant", "irrelevant")
DEDUCTION_RULES = ("ModusPonens", "AndIntro", "AndElim", "OrIntro", "OrElim", "ProofByContra")
ONE_HOP_RULES = ("OrElim", "ProofByContra")  # the protocol asks these with one case split / one contradiction
METHODS = ("cot", "lambada")
ORDERINGS = ("ordered", "random")
MAX_HOPS = 8
MAX_TRUE_ONTOLOGY_HOPS = 5  # the depth of the real-world taxonomies in vocabulary.py


@dataclass(frozen=True)
class PrOntoQAConfig:
    hops: tuple[int, ...] = (1, 2, 3, 4, 5)  # generated questions cycle through these hop counts (rules applied)
    ontology: str = "fictional"  # fictional names | true (real-world facts) | false (real names, false facts)
    distractors: str = "relevant"  # none | relevant (sentences that invite wrong turns) | irrelevant
    deduction_rule: str = "ModusPonens"  # ModusPonens asks True/False; the PrOntoQA-OOD rules ask for a proof
    few_shot: int = 8  # in-context examples per question (the protocol's default), same hops and rule
    ordering: str = "ordered"  # ordered: sentences grouped by concept along the ontology | random: shuffled
    method: str = "cot"  # cot: few-shot chain of thought, one request | lambada: backward chaining (a strategy)
    max_tokens: int = 0  # 0 = 64 tokens per hop plus 64
    temperature: float = 0.0

    @property
    def labelled(self) -> bool:
        """Whether questions ask True/False (modus ponens) rather than for a proof only."""
        return self.deduction_rule == "ModusPonens"

    def validate(self) -> None:
        for name, value, allowed in (("ontology", self.ontology, ONTOLOGIES), ("distractors", self.distractors, DISTRACTORS),
                                     ("deduction_rule", self.deduction_rule, DEDUCTION_RULES), ("method", self.method, METHODS),
                                     ("ordering", self.ordering, ORDERINGS)):
            if value not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(allowed)}, got '{value}'")
        if not self.hops or any(not 1 <= h <= MAX_HOPS for h in self.hops):
            raise ValueError(f"hops must list hop counts between 1 and {MAX_HOPS}, got {','.join(map(str, self.hops)) or 'none'}")
        if self.ontology == "true" and max(self.hops) > MAX_TRUE_ONTOLOGY_HOPS:
            raise ValueError(f"the true ontology goes {MAX_TRUE_ONTOLOGY_HOPS} hops deep at most, got hops up to {max(self.hops)}")
        if self.ontology == "true" and self.distractors != "none":
            raise ValueError("the true ontology has no distractors in the protocol: add --set distractors=none")
        if self.ontology != "fictional" and not self.labelled:
            raise ValueError(f"deduction_rule={self.deduction_rule} uses the fictional ontology only (as the protocol does)")
        if self.deduction_rule in ONE_HOP_RULES and set(self.hops) != {1}:
            raise ValueError(f"deduction_rule={self.deduction_rule} asks one-hop questions: add --set hops=1")
        if self.method == "lambada" and not self.labelled:
            raise ValueError("method=lambada answers True/False questions: it needs deduction_rule=ModusPonens")
        if not 0 <= self.few_shot <= 16:
            raise ValueError(f"few_shot must be between 0 and 16, got {self.few_shot}")
        if self.max_tokens < 0:
            raise ValueError("max_tokens must be >= 0 (0 = the default budget)")

    def token_budget(self) -> int:
        return self.max_tokens or 64 * max(self.hops) + 64
