"""The words our generator builds ontologies from (written for this project).

fictional  made-up concept names ("blorpus"), so a model cannot answer from world knowledge
true       small real-world taxonomies with properties that are true ("Every cat is a feline",
           "Mammals are warm-blooded"): prior knowledge agrees with the context
false      real concept names in a random hierarchy ("Every cat is a cow"): prior knowledge
           contradicts the context
Properties come in families of mutually exclusive values (a colour, a size, ...); one question
uses each family at most once along what its entity can reach, so no question contradicts itself.
"""

from __future__ import annotations

FICTIONAL_CONCEPTS = (
    "blorpus", "crompus", "dimpus", "farpus", "glimpus", "hompus", "jorpus", "kalpus", "lirpus", "mompus",
    "narpus", "ompus", "pirpus", "quarpus", "rulpus", "sampus", "tirpus", "ulpus", "vorpus", "wimpus",
    "yarpus", "zimpus", "belpus", "drelpus", "gwarpus", "jimpus", "kwompus", "lumpus", "morpus", "nilpus",
    "plimpus", "snorpus", "tolpus", "vimpus", "brelpus", "clampus", "frimpus", "spompus", "trilpus", "yelpus",
)

# Real nouns with regular plurals, for the false ontology (a random hierarchy over them is false).
FALSE_CONCEPT_POOLS = (
    ("animal", "mammal", "bird", "reptile", "insect", "cat", "dog", "cow", "horse", "eagle", "snake", "spider", "frog",
     "rabbit", "whale", "beetle"),
    ("plant", "tree", "flower", "grass", "fern", "oak", "pine", "rose", "tulip", "cactus", "moss", "vine", "shrub",
     "daisy", "maple", "willow"),
    ("vehicle", "car", "truck", "bicycle", "boat", "train", "plane", "rocket", "scooter", "wagon", "tractor", "canoe",
     "tram", "yacht", "glider", "sled"),
)

PROPERTY_FAMILIES = (
    ("blue", "red", "green", "yellow", "brown", "orange", "purple"),
    ("small", "large"),
    ("smooth", "rough", "fuzzy", "slimy"),
    ("hot", "cold", "warm"),
    ("sweet", "sour", "bitter", "salty", "spicy"),
    ("loud", "quiet", "melodic"),
    ("fast", "slow"),
    ("happy", "sad", "shy", "nervous", "calm"),
    ("bright", "dull", "shiny"),
    ("wooden", "metallic", "glassy", "liquid"),
    ("transparent", "opaque"),
    ("fragrant", "smelly", "earthy"),
    ("kind", "mean", "angry", "gentle", "aggressive"),
    ("heavy", "weightless"),
)

ENTITY_NAMES = ("Ada", "Bo", "Cleo", "Dax", "Eli", "Finn", "Gus", "Ivy", "Jo", "Kit", "Lev", "Mia", "Nia", "Otto",
                "Pia", "Remy", "Tess", "Uma", "Vic", "Zoe")

# True taxonomies, most specific concept first; each concept with a property that is true of it
# (adjective, positive). Entities are names, or numbers for the number taxonomy.
TRUE_TAXONOMIES = (
    ((("cat", "cats"), ("furry", True)), (("feline", "felines"), ("carnivorous", True)),
     (("carnivore", "carnivores"), ("herbivorous", False)), (("mammal", "mammals"), ("warm-blooded", True)),
     (("vertebrate", "vertebrates"), ("spineless", False)), (("animal", "animals"), ("multicellular", True))),
    ((("sparrow", "sparrows"), ("small", True)), (("songbird", "songbirds"), ("melodic", True)),
     (("bird", "birds"), ("feathered", True)), (("vertebrate", "vertebrates"), ("spineless", False)),
     (("animal", "animals"), ("multicellular", True))),
    ((("oak", "oaks"), ("deciduous", True)), (("tree", "trees"), ("woody", True)),
     (("plant", "plants"), ("photosynthetic", True)), (("eukaryote", "eukaryotes"), ("prokaryotic", False)),
     (("organism", "organisms"), ("living", True))),
    ((("prime number", "prime numbers"), ("composite", False)), (("natural number", "natural numbers"), ("negative", False)),
     (("integer", "integers"), ("fractional", False)), (("rational number", "rational numbers"), ("irrational", False)),
     (("real number", "real numbers"), ("imaginary", False))),
)
TRUE_TAXONOMY_ENTITIES = (ENTITY_NAMES, ENTITY_NAMES, ENTITY_NAMES, ("2", "3", "5", "7", "11", "13", "17", "19", "23", "29", "31"))
