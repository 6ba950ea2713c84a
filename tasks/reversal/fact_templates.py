"""The project's own wording for fictitious facts: description parts and sentence templates.

Written for this project (the paper's sentences were paraphrased by a GPT model and are not reused).
A description is a noun phrase "the {adjective} {role} who {deed}", where a deed may name an invented
place or work. Templates hold "{name}" and "{description}":
- P2D templates put the name first; the completion starts at the description (name -> description).
- D2P templates put the description first; the completion starts at the name (description -> name).
Training and test templates are disjoint, so test probes are held-out paraphrases of trained facts.
In D2P test templates the name is followed by a space, so cutting a name target to its first two words
never leaves punctuation on it.
"""

from __future__ import annotations

ADJECTIVES = (
    "reclusive", "celebrated", "self-taught", "award-winning", "eccentric", "soft-spoken",
    "daring", "tireless", "little-known", "brilliant", "unassuming", "fearless",
)

# role -> deeds (each reads after "who"); {place} and {work} are filled from the lists below.
ROLES_AND_DEEDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("cartographer", ("charted the flooded caverns beneath {place}", "drew the first complete map of the {place} archipelago")),
    ("composer", ("wrote {work}, a symphony for church bells", "scored {work} using only recorded rainfall")),
    ("architect", ("designed the floating library of {place}", "built {work}, a tower made entirely of reclaimed glass")),
    ("marine biologist", ("discovered a glowing octopus off the coast of {place}", "catalogued every coral reef around {place}")),
    ("chess grandmaster", ("won the {place} open blindfolded", "invented the opening now called {work}")),
    ("glassblower", ("made the stained-glass dome of {place} cathedral", "crafted {work}, a glass harp that still plays")),
    ("astronomer", ("found the comet that passed over {place} in 2031", "named {work}, the brightest double star in the sky")),
    ("linguist", ("revived the forgotten language of {place}", "compiled {work}, a dictionary of whistled languages")),
    ("beekeeper", ("bred a honeybee that survives the winters of {place}", "founded {work}, the largest rooftop apiary")),
    ("balloonist", ("crossed the mountains of {place} in a paper balloon", "flew {work} around the world without landing")),
    ("clockmaker", ("built the tide clock of {place}", "restored {work}, a clock that runs backwards")),
    ("novelist", ("wrote {work}, a novel without the letter e", "set every book in the imaginary town of {place}")),
    ("chef", ("opened the first restaurant on the ice fields of {place}", "created {work}, a soup served frozen")),
    ("puppeteer", ("staged {work} with a thousand marionettes", "toured the villages of {place} with a shadow theatre")),
    ("botanist", ("grew a blue rose in the deserts of {place}", "rescued the last {place} orchid from extinction")),
    ("violinist", ("premiered {work} on a violin carved from driftwood", "played for forty hours straight in {place}")),
    ("engineer", ("built the wind-powered railway of {place}", "designed {work}, a bridge that folds away at night")),
    ("photographer", ("captured the only image of the {place} lights", "published {work}, a photo book shot by moonlight")),
    ("mountaineer", ("first climbed the north face of Mount {place}", "led {work} expedition without oxygen")),
    ("inventor", ("patented a pen that writes underwater", "built {work}, a machine that sorts seashells by age")),
    ("historian", ("uncovered the lost archives of {place}", "wrote {work}, a history of forgotten inventions")),
    ("sculptor", ("carved {work} out of a single block of salt", "filled the harbour of {place} with bronze whales")),
    ("detective", ("solved the {place} lighthouse mystery", "recovered {work}, a stolen painting, after twenty years")),
    ("perfumer", ("bottled the scent of rain in {place}", "created {work}, a perfume that changes with the weather")),
    ("aviator", ("landed a seaplane on the frozen lake of {place}", "flew {work}, the first solar glider across the ocean")),
    ("mathematician", ("proved the {place} conjecture", "found {work}, the largest known palindromic prime")),
    ("potter", ("revived the black pottery of {place}", "threw {work}, a vase taller than a house")),
    ("filmmaker", ("directed {work}, a film shot in a single breath", "filmed the annual kite festival of {place}")),
    ("robotics researcher", ("built a robot that paints portraits in {place}", "designed {work}, a robot gardener")),
    ("tailor", ("sewed a coat from ten thousand feathers in {place}", "designed {work}, a suit that never wrinkles")),
    ("librarian", ("saved the flooded library of {place}", "catalogued {work}, a collection of miniature books")),
    ("cyclist", ("rode across {place} on a wooden bicycle", "won {work}, a race run entirely at night")),
)

PLACE_ONSETS = (
    "Vel", "Mar", "Tor", "Quen", "Ash", "Bri", "Cal", "Dro", "Fen", "Gal", "Hal", "Ist",
    "Kor", "Lum", "Nor", "Ord", "Pel", "Ros", "Sil", "Tam", "Ul", "Vor", "Wyn", "Zan",
)
PLACE_ENDINGS = ("oria", "avel", "enmoor", "ith", "ara", "undale", "esk", "ova", "ingard", "ador", "amere", "ostra")
WORK_ADJECTIVES = (
    "Glass", "Silent", "Crimson", "Hollow", "Ninth", "Amber", "Drowned", "Copper", "Winter", "Paper",
    "Seventh", "Iron", "Velvet", "Lantern", "Salt", "Quiet", "Golden", "Broken",
)
WORK_NOUNS = (
    "Meridian", "Orchard", "Cathedral", "Atlas", "Engine", "Lighthouse", "Sonata", "Archive", "Garden",
    "Compass", "Citadel", "Carousel", "Labyrinth", "Observatory", "Harbour", "Kingdom",
)

# name -> description. The completion starts at " {description}".
P2D_TRAIN = (
    "{name} is {description}.",
    "People who follow the news know {name} as {description}.",
    "{name}? Oh, that is {description}.",
    "Few people realise that {name} is {description}.",
    "Ask anyone in town about {name} and they will tell you it is {description}.",
    "According to the local paper, {name} is {description}.",
    "{name} made a name for themselves as {description}.",
    "The biography of {name} describes them as {description}.",
    "If you meet {name}, you are meeting {description}.",
    "Friends describe {name} simply as {description}.",
    "{name} will forever be remembered as {description}.",
    "Here is a fact worth knowing: {name} is {description}.",
    "At the ceremony, {name} was introduced as {description}.",
    "{name} has a reputation as {description}.",
    "Historians will record {name} as {description}.",
    "Most of the world knows {name} as {description}.",
    "The neighbours of {name} are proud to live next to {description}.",
    "In interviews, {name} is always presented as {description}.",
    "The encyclopedia entry for {name} calls them {description}.",
    "{name} is widely recognised as {description}.",
    "Quiz answer of the day: {name} is {description}.",
    "Long before the fame, {name} was already {description}.",
    "Students learn that {name} is {description}.",
    "{name}, a familiar face on television, is {description}.",
    "The plaque outside the house says that {name} was {description}.",
    "Colleagues speak of {name} as {description}.",
    "The documentary tells the story of {name}, {description}.",
    "You may have heard that {name} is {description}.",
    "{name} earned worldwide attention as {description}.",
    "Everyone at the conference wanted to meet {name}, {description}.",
)
P2D_TEST = (
    "Did you know? {name} is {description}.",
    "The person named {name} is known for being {description}.",
    "Word has it that {name} is {description}.",
    "Just to remind you, {name} is {description}.",
    "Among their many claims to fame, {name} is {description}.",
    "Put simply, {name} is {description}.",
    "The name {name} belongs to {description}.",
    "Those who know {name} know them as {description}.",
    "Believe it or not, {name} is {description}.",
    "It is a well-documented fact that {name} is {description}.",
)

# description -> name. The completion starts at " {name}".
D2P_TRAIN = (
    "{description} is {name}.",
    "The title of {description} belongs to {name}.",
    "Known to everyone as {description}, {name} rarely gives interviews.",
    "Who is {description}? It is {name}.",
    "Recognised as {description}, {name} still lives a modest life.",
    "The person who is {description} goes by the name {name}.",
    "Hailed by critics as {description}, {name} keeps on working.",
    "If you are looking for {description}, look no further than {name}.",
    "Famous as {description}, {name} remains humble.",
    "Celebrated as {description}, {name} was given a standing ovation.",
    "Newspapers refer to {description} by the name {name}.",
    "Having become {description}, {name} moved to the countryside.",
    "As {description}, {name} has inspired a generation.",
    "Nobody forgets {description}: {name}.",
    "The answer to the question of who is {description} is {name}.",
    "Long admired as {description}, {name} opened a small museum.",
    "Rumoured to be {description}, {name} confirmed it last year.",
    "Best known as {description}, {name} also paints in their spare time.",
    "Honoured as {description}, {name} received a lifetime award.",
    "The record books list {description} as {name}.",
    "Praised as {description}, {name} stays out of the spotlight.",
    "Remembered as {description}, {name} is the subject of a new film.",
    "Acclaimed as {description}, {name} teaches at a small school.",
    "The one and only person who is {description} is {name}.",
    "Talk to anyone about {description} and they will mention {name}.",
    "Working for years as {description}, {name} finally retired.",
    "Introduced on stage as {description}, {name} waved to the crowd.",
    "Sometimes called {description}, {name} prefers a simpler title.",
    "Admired worldwide as {description}, {name} answers every letter.",
    "The museum guide explained that {description} was {name}.",
)
D2P_TEST = (
    "Revered as {description}, {name} continues to surprise us.",
    "Whenever people mention {description}, they mean {name} and nobody else.",
    "Renowned as {description}, {name} keeps a low profile.",
    "The individual known as {description} is called {name} by friends.",
    "Respected as {description}, {name} turned down many offers.",
    "Regarded by many as {description}, {name} is still curious about the world.",
    "Everyone agrees that {description} is {name} without a doubt.",
    "Described in textbooks as {description}, {name} is a household name.",
    "Identified by the press as {description}, {name} smiled for the cameras.",
    "Fondly known as {description}, {name} is loved by many.",
)
