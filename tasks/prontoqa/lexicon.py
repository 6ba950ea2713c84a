"""The words of one PrOntoQA question: its concepts (nouns, with plurals), properties (adjectives)
and entity names. The parser needs them to tell "Lorpuses are impuses" (a rule between concepts)
from "Lorpuses are luminous" (a property).

A generated sample carries the lexicon of its vocabulary; a question loaded from the upstream JSON
gets one inferred from its own sentences (`infer_lexicon`): a word standing alone after "is" is
an adjective, the words after "a"/"an" name a concept (split into adjectives + concept only when
that concept also appears on its own), a capitalised subject of "is" is an entity.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-']*|[^\sA-Za-z0-9]")
QUANTIFIERS = frozenset({"every", "each", "all", "everything", "no", "some", "a", "an", "the", "this", "assume",
                         "since", "so", "therefore", "thus", "hence", "however", "because", "as", "true", "prove"})
# Properties that end like plural nouns; with the "-ous" ending they keep "Xs are luminous" a property.
ADJECTIVES_ENDING_IN_S = frozenset({"famous", "nervous", "luminous", "glorious", "gorgeous", "curious", "precious",
                                    "various", "serious", "joyous", "dangerous", "delicious", "anxious", "cautious",
                                    "poisonous", "carnivorous", "herbivorous", "omnivorous", "venomous", "numerous",
                                    "glass", "colorless", "odorless", "harmless", "tireless", "boneless"})


def tokenize(text: str) -> list[str]:
    return TOKEN.findall(text)


def pluralize(noun: str) -> str:
    """English plural of a (possibly multi-word) noun: the last word changes."""
    head, _, last = noun.rpartition(" ")
    lower = last.lower()
    if lower.endswith(("s", "x", "z", "ch", "sh")):
        plural = last + "es"
    elif lower.endswith("y") and len(lower) > 1 and lower[-2] not in "aeiou":
        plural = last[:-1] + "ies"
    else:
        plural = last + "s"
    return f"{head} {plural}" if head else plural


def singularize(word: str) -> str:
    """A best guess at the singular of a plural noun (inverse of `pluralize` on its own output)."""
    head, _, last = word.rpartition(" ")
    lower = last.lower()
    if lower.endswith("ies") and len(lower) > 3:
        single = last[:-3] + "y"
    elif lower.endswith(("sses", "xes", "zes", "ches", "shes", "uses")):
        single = last[:-2]
    elif lower.endswith("s") and not lower.endswith("ss"):
        single = last[:-1]
    else:
        single = last
    return f"{head} {single}" if head else single


@dataclass(frozen=True)
class Lexicon:
    """nouns: singular -> plural (lower case); adjectives; entities (as written)."""

    nouns: Mapping[str, str]
    adjectives: frozenset[str]
    entities: frozenset[str]
    plural_to_singular: Mapping[str, str] = field(init=False, compare=False)
    longest_noun: int = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "plural_to_singular", {plural: single for single, plural in self.nouns.items()})
        words = [len(name.split()) for name in [*self.nouns, *self.nouns.values()]]
        object.__setattr__(self, "longest_noun", max(words, default=1))

    def is_noun(self, name: str) -> bool:
        return name in self.nouns

    def entity(self, token: str) -> str | None:
        """The entity a token names (matched without regard to case), or None."""
        for name in self.entities:
            if name.lower() == token.lower():
                return name
        return None

    def to_json(self) -> dict[str, object]:
        return {"nouns": dict(sorted(self.nouns.items())), "adjectives": sorted(self.adjectives), "entities": sorted(self.entities)}

    @staticmethod
    def from_json(data: Mapping[str, object]) -> Lexicon:
        nouns, adjectives, entities = data.get("nouns"), data.get("adjectives"), data.get("entities")
        return Lexicon(nouns={str(k): str(v) for k, v in nouns.items()} if isinstance(nouns, Mapping) else {},
                       adjectives=frozenset(str(a) for a in adjectives) if isinstance(adjectives, (list, tuple)) else frozenset(),
                       entities=frozenset(str(e) for e in entities) if isinstance(entities, (list, tuple)) else frozenset())


def merge_lexicons(*lexicons: Lexicon) -> Lexicon:
    nouns: dict[str, str] = {}
    for lexicon in lexicons:
        nouns.update(lexicon.nouns)
    return Lexicon(nouns=nouns, adjectives=frozenset().union(*(lex.adjectives for lex in lexicons)),
                   entities=frozenset().union(*(lex.entities for lex in lexicons)))


# ---------------------------------------------------------------- inference from sentences

_PLAIN_SENTENCE = re.compile(r"[.;]")


def _clauses(texts: Iterable[str]) -> list[list[str]]:
    """Lower-cased token lists of every clause ("Since A, B" -> A and B; prefixes dropped)."""
    clauses: list[list[str]] = []
    for text in texts:
        for sentence in _PLAIN_SENTENCE.split(text.replace("True or false:", "").replace("Prove:", "")):
            tokens = tokenize(sentence)
            for part in _split_commas(tokens):
                while part and part[0].lower() in {"since", "so", "therefore", "thus", "hence", "however", "assume", "as", "because"}:
                    part = part[1:]
                if len(part) >= 4 and [t.lower() for t in part[:3]] == ["this", "contradicts", "with"]:
                    part = part[3:]
                clauses.extend(_split_coordinated_clauses(part))
    return clauses


def _split_coordinated_clauses(tokens: list[str]) -> list[list[str]]:
    """ "Wren is not a wumpus and Wren is not a tumpus" -> two clauses."""
    clauses: list[list[str]] = [[]]
    for index, token in enumerate(tokens):
        following = tokens[index + 1 : index + 3]
        if (token.lower() in {"and", "or"} and len(following) == 2 and following[1].lower() == "is"
                and (following[0][:1].isupper() or following[0].isdigit())):
            clauses.append([])
        else:
            clauses[-1].append(token)
    return [clause for clause in clauses if clause]


def _split_commas(tokens: list[str]) -> list[list[str]]:
    parts: list[list[str]] = [[]]
    for token in tokens:
        if token == ",":
            parts.append([])
        else:
            parts[-1].append(token)
    return [part for part in parts if part]


def _predicate_items(tokens: list[str]) -> list[list[str]]:
    """The coordinated items after the verb: "a lorpus and a tumpus" -> [[a, lorpus], [a, tumpus]]."""
    items: list[list[str]] = [[]]
    for token in tokens:
        if token.lower() in {"and", "or"}:
            items.append([])
        else:
            items[-1].append(token)
    return [item for item in items if item]


def infer_lexicon(texts: Iterable[str], adjective_phrases: bool = False) -> Lexicon:
    """A lexicon for sentences written in PrOntoQA's grammar (the upstream generator's output).

    ``adjective_phrases``: read "a fruity vumpus" as adjectives + concept where the concept also
    stands alone (the and-introduction questions); otherwise a multi-word phrase is one concept
    ("a natural number", "a Mersenne prime"), as in the modus ponens questions."""
    clauses = _clauses(texts)
    entities: set[str] = set()
    adjectives: set[str] = set()
    singular_phrases: set[str] = set()  # after a/an or every/each: maybe "adjectives + noun"
    plural_phrases: set[str] = set()
    bare_plural_predicates: set[str] = set()
    standalone: set[str] = set()  # nouns seen without any adjective in front
    for clause in clauses:
        lower = [t.lower() for t in clause]
        if lower[:3] == ["everything", "that", "is"] and "is" in lower[3:]:
            second = lower.index("is", 3)
            _read_predicate(lower[3:second], adjectives, singular_phrases)
            _read_predicate(lower[second + 1 :], adjectives, singular_phrases)
        elif "is" in lower:
            verb = lower.index("is")
            _read_subject(clause[:verb], entities, singular_phrases)
            _read_predicate(lower[verb + 1 :], adjectives, singular_phrases)
        elif "are" in lower:
            verb = lower.index("are")
            plural_phrases.add(" ".join(lower[:verb]))
            for item in _predicate_items([t for t in lower[verb + 1 :] if t != "not"]):
                bare_plural_predicates.add(" ".join(item))
    adjectives |= {w for w in ADJECTIVES_ENDING_IN_S if w in bare_plural_predicates}
    adjectives |= {w for w in bare_plural_predicates if " " not in w and (w.endswith("ous") or not w.endswith("s"))}
    for phrase in singular_phrases:
        words = phrase.split()
        if len(words) == 1:
            standalone.add(phrase)
    for phrase in plural_phrases | bare_plural_predicates:
        if phrase not in adjectives and len(phrase.split()) == 1:
            standalone.add(singularize(phrase))
    nouns: dict[str, str] = {}
    for phrase in singular_phrases:
        noun = _head_noun(phrase, standalone, adjectives) if adjective_phrases else phrase
        nouns.setdefault(noun, pluralize(noun))
    for phrase in plural_phrases | {p for p in bare_plural_predicates if p not in adjectives}:
        words = phrase.split()
        if not words:
            continue
        known = _plural_head(phrase, nouns, standalone if adjective_phrases else set(), adjectives)
        if known is None and phrase in nouns and not phrase.endswith("s"):
            nouns[phrase] = phrase  # an invariant plural: "Max is a sheep. Sheep are wooden."
        elif known is None:
            single = singularize(phrase)
            nouns.setdefault(single, phrase)
        else:
            adjectives.update(w for w in words[: len(words) - len(known[1].split())])
    return Lexicon(nouns=nouns, adjectives=frozenset(adjectives), entities=frozenset(entities))


def _read_subject(subject: list[str], entities: set[str], singular_phrases: set[str]) -> None:
    lower = [t.lower() for t in subject]
    if not lower:
        return
    if lower[0] in {"every", "each"} and len(lower) > 1:
        singular_phrases.add(" ".join(lower[1:]))
    elif len(subject) == 1 and lower[0] not in QUANTIFIERS and (subject[0][0].isupper() or subject[0].isdigit()):
        entities.add(subject[0])


def _read_predicate(rest: list[str], adjectives: set[str], singular_phrases: set[str]) -> None:
    for item in _predicate_items([t for t in rest if t != "not"]):
        if item[0] in {"a", "an"} and len(item) > 1:
            singular_phrases.add(" ".join(item[1:]))
        elif len(item) == 1 and item[0] not in QUANTIFIERS:
            adjectives.add(item[0])


def _head_noun(phrase: str, standalone: set[str], adjectives: set[str]) -> str:
    """The concept a singular phrase names: its longest standalone suffix after adjectives."""
    words = phrase.split()
    for start in range(1, len(words)):
        tail = " ".join(words[start:])
        if tail in standalone and all(w in adjectives or w not in standalone for w in words[:start]):
            adjectives.update(words[:start])
            return tail
    return phrase


def _plural_head(phrase: str, nouns: Mapping[str, str], standalone: set[str], adjectives: set[str]) -> tuple[str, str] | None:
    """(singular, plural) of the concept a plural phrase ends with, when already known."""
    words = phrase.split()
    for start in range(len(words)):
        tail = " ".join(words[start:])
        for single, plural in nouns.items():
            if plural == tail and (start == 0 or single in standalone):
                return single, plural
    return None
