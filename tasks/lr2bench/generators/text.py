"""Quotations the project writes itself, for fresh cryptograms and drop quotes.

A small word grammar (templates over word lists written for this project) makes sentences such as
"The patient baker carried nine lanterns across the old bridge." and an invented author. Nothing is
drawn from a corpus, so generated puzzles carry no copyrighted text, and everything comes from the
random.Random handed in, so one seed gives one byte-identical quotation.
"""

from __future__ import annotations

import random

ADJECTIVES = (
    "quiet", "patient", "clever", "gentle", "bright", "ancient", "restless", "humble", "careful",
    "bold", "weary", "curious", "honest", "silver", "distant", "tiny", "golden", "hollow", "eager",
    "stubborn", "modest", "brave", "sleepy", "loyal",
)
NOUNS = (
    "baker", "sailor", "gardener", "painter", "farmer", "teacher", "traveler", "child", "poet",
    "merchant", "shepherd", "weaver", "miller", "fisher", "student", "neighbor", "scholar", "tailor",
    "builder", "drummer", "captain", "singer",
)
THINGS = (
    "lanterns", "letters", "apples", "stones", "ribbons", "candles", "maps", "baskets", "feathers",
    "shells", "bells", "kettles", "blankets", "pebbles", "mirrors", "keys", "coins", "songs",
)
PLACES = (
    "bridge", "harbor", "market", "valley", "garden", "village", "orchard", "river", "meadow",
    "station", "library", "island", "mountain", "courtyard", "forest", "lighthouse",
)
PAST_VERBS = (
    "carried", "painted", "counted", "gathered", "mended", "wrapped", "polished", "traded", "buried",
    "sorted", "collected", "delivered", "hid", "found", "washed", "folded",
)
PRESENT_VERBS = (
    "remembers", "forgets", "keeps", "shares", "guards", "finds", "loses", "builds", "dreams of",
    "waits for", "sings about", "looks for",
)
ADVERBS = ("slowly", "quietly", "gladly", "always", "rarely", "carefully", "often", "softly", "twice")
NUMBERS = ("two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "twelve")
PREPOSITIONS = ("across", "beyond", "near", "behind", "beside", "toward", "around", "under")
FIRST_NAMES = (
    "Mara", "Oren", "Tilda", "Jasper", "Nell", "Corin", "Ada", "Felix", "Ines", "Rowan", "Leona",
    "Bram", "Esme", "Milo", "Wren", "Silas", "Hedda", "Otto", "Juno", "Quentin",
)
LAST_NAMES = (
    "Quill", "Harrow", "Penrose", "Ashby", "Morrow", "Fenwick", "Lark", "Whitlock", "Brandt",
    "Calloway", "Dunmore", "Everly", "Graves", "Holloway", "Kessler", "Marsh", "Thorne", "Vance",
)

TEMPLATES = (
    "The {adj} {noun} {past} {number} {things} {prep} the {place}.",
    "Every {noun} {present} the {place}, but no {noun2} {present2} it {adverb}.",
    "A {adj} {noun} {adverb} {present} a {adj2} {place}.",
    "The {noun}'s {things} are {adj}, and the {place} is {adj2}.",
    "Nobody {present} the {adj} {place} like a {noun} does.",
    "When the {noun} {past} the {things}, the {noun2} smiled.",
    "Is the {place} {adj} or {adj2}? Ask the {noun}.",
    "What a {adj} {place}! The {noun} {past} {number} {things} there.",
    "The {noun} {past} the {things} {adverb}; the {noun2} did not.",
)


def make_sentence(rng: random.Random) -> str:
    """One sentence from a random template with random words (two different adjectives/nouns)."""
    template = rng.choice(TEMPLATES)
    adjective, adjective2 = rng.sample(ADJECTIVES, 2)
    noun, noun2 = rng.sample(NOUNS, 2)
    present, present2 = rng.sample(PRESENT_VERBS, 2)
    return template.format(
        adj=adjective, adj2=adjective2, noun=noun, noun2=noun2, past=rng.choice(PAST_VERBS),
        present=present, present2=present2, adverb=rng.choice(ADVERBS), number=rng.choice(NUMBERS),
        things=rng.choice(THINGS), prep=rng.choice(PREPOSITIONS), place=rng.choice(PLACES),
    )


def make_quotation(rng: random.Random, min_chars: int, max_chars: int) -> str:
    """Sentences joined until the text is min_chars..max_chars long (tries again when it overshoots)."""
    if min_chars > max_chars:
        raise ValueError("min_chars must not exceed max_chars")
    for _ in range(1000):
        text = make_sentence(rng)
        while len(text) < min_chars:
            text = f"{text} {make_sentence(rng)}"
        if len(text) <= max_chars:
            return text[0].upper() + text[1:]
    raise ValueError(f"no quotation of {min_chars}..{max_chars} characters found; widen the range")


def make_author(rng: random.Random) -> str:
    """An invented author's name."""
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
