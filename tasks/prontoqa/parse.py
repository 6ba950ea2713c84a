"""PrOntoQA English back into logical forms: the context, the gold proof and a model's chain of
thought, sentence by sentence. Total: any text gets a list of steps, a sentence outside the
grammar is None (an unparseable step), nothing raises and nothing is evaluated.

The grammar is the one the protocol writes, with the connectives models add around it:
    Fae is (not) a tumpus | Fae is (not) orange | Fae is a tumpus and a wumpus | Fae is fruity or a vumpus
    Every/Each tumpus is (not) ... | Tumpuses are (not) ... | Everything that is A or B is ...
    Assume <fact> | This contradicts with <fact> | Since <A>, <B> | <A>, so <B> | <B> because <A>
    Therefore/So/Thus/Hence/However, <clause>
"""

from __future__ import annotations

from collections.abc import Sequence

from tasks.prontoqa.lexicon import QUANTIFIERS, Lexicon, tokenize
from tasks.prontoqa.logic import AND, OR, Assume, Contradicts, Fact, Formula, Junction, Lit, Rule, Step

MAX_SENTENCES = 100  # a chain of thought is graded on its first 100 sentences (bounded work on hostile text)
MAX_SENTENCE_TOKENS = 80  # longer "sentences" are not PrOntoQA sentences: unparseable without a search
LEADING_CONNECTIVES = frozenset({"therefore", "so", "thus", "hence", "however", "consequently", "then", "and"})
SO_WORDS = frozenset({"so", "therefore", "thus", "hence"})
BECAUSE_WORDS = frozenset({"because", "since", "as"})


def split_sentences(text: str, keep_unfinished: bool = False) -> list[list[str]]:
    """Token lists of the sentences of ``text`` ended by '.' or ';' (the first MAX_SENTENCES); words
    after the last full stop (a cut-off sentence) only with ``keep_unfinished``."""
    sentences: list[list[str]] = [[]]
    for token in tokenize(text):
        if token in {".", ";"}:
            if sentences[-1]:
                if len(sentences) >= MAX_SENTENCES:
                    return sentences
                sentences.append([])
        else:
            sentences[-1].append(token)
    if not keep_unfinished:
        sentences.pop()
    return [sentence for sentence in sentences if sentence]


def parse_text(text: str, lexicon: Lexicon, keep_unfinished: bool = False) -> list[Step | None]:
    """Every sentence of ``text`` as steps ("Since A, B" gives two); None for an unparseable one."""
    steps: list[Step | None] = []
    for tokens in split_sentences(text, keep_unfinished):
        parsed = parse_sentence(tokens, lexicon)
        steps.extend(parsed if parsed is not None else [None])
    return steps[: MAX_SENTENCES]


def parse_sentence(tokens: Sequence[str], lexicon: Lexicon) -> list[Step] | None:
    """One sentence (without its full stop) as one or two steps, or None."""
    if not tokens or len(tokens) > MAX_SENTENCE_TOKENS:
        return None
    words = list(tokens)
    while words and words[0].lower() in LEADING_CONNECTIVES:
        words = words[1:]
        if words and words[0] == ",":
            words = words[1:]
    if not words:
        return None
    lower = [w.lower() for w in words]
    if lower[0] == "assume":
        fact = parse_fact(words[1:], lexicon)
        return [Assume(fact)] if fact is not None else None
    for prefix in (("this", "contradicts", "with"), ("this", "contradicts", "the", "fact", "that")):
        if tuple(lower[: len(prefix)]) == prefix:
            fact = parse_fact(words[len(prefix) :], lexicon)
            return [Contradicts(fact)] if fact is not None else None
    if lower[0] in BECAUSE_WORDS:
        return _two_clauses(words[1:], lexicon)
    single = parse_clause(words, lexicon)
    if single is not None:
        return [single]
    for index, word in enumerate(lower):
        if word in SO_WORDS and index > 0:
            left = words[:index - 1] if words[index - 1] == "," else words[:index]
            right = words[index + 1 :]
            if right and right[0] == ",":
                right = right[1:]
            pair = _pair(left, right, lexicon)
            if pair is not None:
                return pair
        if word in BECAUSE_WORDS and index > 0:
            left = words[:index - 1] if words[index - 1] == "," else words[:index]
            pair = _pair(words[index + 1 :], left, lexicon)
            if pair is not None:
                return pair
    return None


def _two_clauses(words: list[str], lexicon: Lexicon) -> list[Step] | None:
    """ "A, B" split at the comma where both sides parse."""
    for index, word in enumerate(words):
        if word == ",":
            pair = _pair(words[:index], words[index + 1 :], lexicon)
            if pair is not None:
                return pair
    return None


def _pair(first: Sequence[str], second: Sequence[str], lexicon: Lexicon) -> list[Step] | None:
    a, b = parse_clause(first, lexicon), parse_clause(second, lexicon)
    return [a, b] if a is not None and b is not None else None


def parse_clause(words: Sequence[str], lexicon: Lexicon) -> Fact | Rule | None:
    return parse_fact(words, lexicon) or parse_rule(words, lexicon)


def parse_fact(words: Sequence[str], lexicon: Lexicon) -> Fact | None:
    """ "Fae is not orange", "Fae is a tumpus and a wumpus", "Wren is not a A and Wren is not a B"."""
    words = [w for w in words if w != ","] if "," in words else list(words)
    if len(words) < 3 or words[1].lower() != "is":
        return None
    entity = _entity(words[0], lexicon)
    if entity is None:
        return None
    clauses = _split_entity_clauses(words, entity, lexicon)
    if clauses is not None:
        op, bodies = clauses
        parts = [_predicate(body, lexicon, plural=False) for body in bodies]
        if any(p is None or not isinstance(p, Lit) for p in parts):
            return None
        return Fact(entity, Junction(op, tuple(p for p in parts if isinstance(p, Lit))))
    formula = _predicate(words[2:], lexicon, plural=False)
    return Fact(entity, formula) if formula is not None else None


def _entity(token: str, lexicon: Lexicon) -> str | None:
    known = lexicon.entity(token)
    if known is not None:
        return known
    lower = token.lower()
    if lower in QUANTIFIERS or lower in lexicon.nouns or lower in lexicon.plural_to_singular or lower in lexicon.adjectives:
        return None
    if token[:1].isupper() or token.isdigit():
        return token  # an entity the question never named: the fact can be parsed, never proved
    return None


def _split_entity_clauses(words: list[str], entity: str, lexicon: Lexicon) -> tuple[str, list[list[str]]] | None:
    """ "E is not a A and E is not a B" -> ("and", [[not, a, A], [not, a, B]]); None if one clause."""
    cuts = [i for i in range(2, len(words) - 2)
            if words[i].lower() in (AND, OR) and _entity(words[i + 1], lexicon) == entity and words[i + 2].lower() == "is"]
    if not cuts:
        return None
    ops = {words[i].lower() for i in cuts}
    if len(ops) != 1:
        return None
    bodies, start = [], 2
    for cut in cuts:
        bodies.append(words[start:cut])
        start = cut + 3
    bodies.append(words[start:])
    return ops.pop(), bodies


def parse_rule(words: Sequence[str], lexicon: Lexicon) -> Rule | None:
    """ "Every tumpus is orange", "Tumpuses are not orange", "Everything that is A or B is C"."""
    lower = [w.lower() for w in words if w != ","]
    if len(lower) < 3:
        return None
    if lower[:3] == ["everything", "that", "is"]:
        for index in range(4, len(lower)):
            if lower[index] == "is":
                antecedent = _predicate(lower[3:index], lexicon, plural=False)
                consequent = _predicate(lower[index + 1 :], lexicon, plural=False)
                if antecedent is not None and consequent is not None and _positive(antecedent):
                    return Rule(antecedent, consequent)
        return None
    if lower[0] in {"every", "each"} and "is" in lower:
        verb = lower.index("is")
        antecedent = _noun_phrase(lower[1:verb], lexicon, plural=False)
        consequent = _predicate(lower[verb + 1 :], lexicon, plural=False)
    elif "are" in lower:
        verb = lower.index("are")
        subject = lower[1:verb] if lower[0] == "all" else lower[:verb]
        antecedent = _noun_phrase(subject, lexicon, plural=True)
        consequent = _predicate(lower[verb + 1 :], lexicon, plural=True)
    else:
        return None
    if antecedent is None or consequent is None:
        return None
    return Rule(antecedent, consequent)


def _positive(formula: Formula) -> bool:
    parts = formula.parts if isinstance(formula, Junction) else (formula,)
    return all(part.positive for part in parts)


def _predicate(words: Sequence[str], lexicon: Lexicon, plural: bool) -> Formula | None:
    """What follows the verb: optional "not", then items joined by "and" or "or"."""
    lower = [w.lower() for w in words if w != ","]
    negated = bool(lower) and lower[0] == "not"
    if negated:
        lower = lower[1:]
    items: list[list[str]] = [[]]
    ops: set[str] = set()
    for word in lower:
        if word in (AND, OR):
            ops.add(word)
            items.append([])
        else:
            items[-1].append(word)
    if not lower or any(not item for item in items) or len(ops) > 1:
        return None
    parsed = [_item(item, lexicon, plural) for item in items]
    if any(p is None for p in parsed):
        return None
    lits_per_item = [p for p in parsed if p is not None]
    formula: Formula
    if len(lits_per_item) == 1:
        lits = lits_per_item[0]
        formula = lits[0] if len(lits) == 1 else Junction(AND, tuple(lits))
    elif ops == {OR}:
        if any(len(lits) != 1 for lits in lits_per_item):
            return None
        formula = Junction(OR, tuple(lits[0] for lits in lits_per_item))
    else:
        formula = Junction(AND, tuple(lit for lits in lits_per_item for lit in lits))
    return formula.negated() if negated else formula


def _item(words: list[str], lexicon: Lexicon, plural: bool) -> list[Lit] | None:
    """One predicate item: "a fruity vumpus" -> [fruity, vumpus]; "orange" -> [orange]."""
    if not plural and words[0] in ("a", "an"):
        return _noun_phrase_literals(words[1:], lexicon, plural=False)
    if len(words) == 1 and words[0] in lexicon.adjectives:
        return [Lit(words[0])]
    if plural:
        return _noun_phrase_literals(words, lexicon, plural=True)
    return None


def _noun_phrase(words: list[str], lexicon: Lexicon, plural: bool) -> Formula | None:
    lits = _noun_phrase_literals(words, lexicon, plural)
    if lits is None:
        return None
    return lits[0] if len(lits) == 1 else Junction(AND, tuple(lits))


def _noun_phrase_literals(words: list[str], lexicon: Lexicon, plural: bool) -> list[Lit] | None:
    """Adjectives then one concept: the longest known noun that ends the phrase."""
    if not words:
        return None
    names = lexicon.plural_to_singular if plural else {noun: noun for noun in lexicon.nouns}
    for start in range(len(words)):
        tail = " ".join(words[start:])
        if tail in names and all(word in lexicon.adjectives for word in words[:start]):
            return [*(Lit(word) for word in words[:start]), Lit(names[tail])]
    return None

