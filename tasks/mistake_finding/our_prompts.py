"""The project's own prompts for mistake finding, in the structure of the paper's (named "ours").

Used when the user's copy of BIG-Bench Mistake has no mistake_finding_prompts/ (or with --set
prompts=ours). Like the paper's, each task has, per prompting mode, an instruction and three
few-shot turns followed by the question template; the few-shot traces are our own: for the three
tasks the project can compute they are built by the trace generators (so their gold is exact), for
the other two they are written out below. The wording is ours throughout. One difference in form:
the paper sends its instruction as a first user turn; ours is a system turn, so the turns
alternate and the task can run under lm-eval (its few-shot turns need strict alternation).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from tasks.mistake_finding import trace_arithmetic, trace_dyck, trace_word_sorting
from tasks.mistake_finding.prompt_files import ModePrompt, PromptSet
from tasks.mistake_finding.traces import fill_template

QUESTIONS = {  # how each task's input is shown ({input}: the data's input field)
    "word_sorting": "Sort these words alphabetically: {input}",
    "tracking_shuffled_objects": "{input}",
    "logical_deduction": "{input}",
    "multistep_arithmetic": "Work out {input} ?",
    "dyck_languages": "Close every bracket left open in this sequence, innermost first: {input}",
}
TEMPLATES = {
    "trace": '{question}\n{steps}\nQ: Which Thought holds the first mistake? Answer "No" if every Thought is right,'
             " or the number N if Thought N is the first wrong one.",
    "step": '{question}\n{steps}\nQ: Is Thought {current_step} right? Answer "Yes" if it is, "No" if it is not.',
    "cot-step": "{question}\n{steps}\nQ: Is Thought {current_step} right? Check it against the question and the"
                " Thoughts before it, then end with Yes if it is right or No if it is not.",
}
INSTRUCTIONS = {
    "trace": "Each sequence of Thoughts below works towards answering a question. Find the first Thought that is wrong, if any.",
    "step": 'Decide whether the Thought asked about is right and moves the solution forward. Answer "Yes" or "No".',
    "cot-step": "Decide whether the Thought asked about is right and moves the solution forward. Check it step by"
                " step, then end your reply with Yes if it is right or No if it is not.",
}
GENERATION_INSTRUCTION = ("Solve the task one step at a time, writing the steps as Thought 1, Thought 2, ..., and end"
                          ' the last Thought with "So the answer is" and the answer.')


@dataclass(frozen=True)
class Example:
    """A few-shot trace: ``steps`` as shown (with the mistake at ``mistake_index``, if any),
    ``correct_steps`` without it; the step-level shots ask about step ``asked`` (0-based), and
    ``check`` is the CoT reply for that step, ending in Yes or No."""

    input: str
    steps: tuple[str, ...]
    mistake_index: int | None
    asked: int
    check: str
    correct_steps: tuple[str, ...]


def _arithmetic() -> tuple[Example, ...]:
    a, g, node = trace_arithmetic, trace_arithmetic.Group, trace_arithmetic.Node
    problems = (
        a.ArithmeticProblem((g((3, -2, 5), ("*", "+")), g((7, 4, 2), ("-", "*"))), node("-", 0, 1)),
        a.ArithmeticProblem((g((-4, 9), ("+",)), g((2, 6, -3), ("-", "-"))), node("*", 0, 1)),
        a.ArithmeticProblem((g((8, -1), ("-",)), g((-5, 3), ("*",))), node("+", 0, 1)),
    )
    faults = (a.Fault(2, 0, 1), None, a.Fault(3, 0, 10))
    checks = (
        "Comment 1: Thought 3 calculates B = (7 - 4 * 2), so the multiplication comes first.\n"
        "Comment 2: 4 * 2 = 8, so the next expression is (7 - 8); Thought 3 writes (7 - 9), which is wrong.\n"
        "Comment 3: So Thought 3 is wrong. No",
        "Comment 1: Thought 2 found A = 5 and Thought 3 found B = -1.\n"
        "Comment 2: A * B = 5 * -1 = -5, as Thought 4 writes, and the answer -5 follows from it.\n"
        "Comment 3: So Thought 4 is right. Yes",
        "Comment 1: Thought 2 found A = 9 and Thought 3 found B = -15.\n"
        "Comment 2: A + B = 9 + -15 = -6, but Thought 4 writes 4, which is wrong.\n"
        "Comment 3: So Thought 4 is wrong. No",
    )
    asked = (2, 3, 3)
    return tuple(_computed(p.text, a.trace(p, f)[0], a.trace(p)[0], f.step if f else None, k, c)
                 for p, f, k, c in zip(problems, faults, asked, checks))


def _word_sorting() -> tuple[Example, ...]:
    w = trace_word_sorting
    cases = ((["pine", "olive", "peach", "apple"], w.Fault(3, 0)), (["lemon", "kite", "grape"], None),
             (["stone", "bread", "cloud"], w.Fault(1, 1)))
    checks = (
        'Comment 1: Thought 4 orders the subpart "pine", "peach" by their second letters: "i" (9) and "e" (5).\n'
        'Comment 2: 5 comes before 9, so "peach" comes before "pine"; Thought 4 puts "pine" first, which is wrong.\n'
        "Comment 3: So Thought 4 is wrong. No",
        'Comment 1: Thought 2 found the order "grape" < "kite" < "lemon".\n'
        "Comment 2: Thought 3 gives the words in that order, and every word of the list is there once.\n"
        "Comment 3: So Thought 3 is right. Yes",
        'Comment 1: Thought 2 orders the words by their first letters: "bread" (2), "stone" (19), "cloud" (3).\n'
        'Comment 2: 3 comes before 19, so "cloud" comes before "stone"; Thought 2 puts "stone" second, which is wrong.\n'
        "Comment 3: So Thought 2 is wrong. No",
    )
    asked = (3, 2, 1)
    return tuple(_computed(" ".join(words), w.trace(words, f)[0], w.trace(words)[0], f.step if f else None, k, c)
                 for (words, f), k, c in zip(cases, asked, checks))


def _dyck() -> tuple[Example, ...]:
    d = trace_dyck
    cases = (("( [ ] {".split(), d.Fault(4, "replace", 0, "[")), ("< ( ) [".split(), None),
             ("{ < >".split(), d.Fault(7, "closing", 0, ")")))
    checks = (
        'Comment 1: Before Thought 5 the stack is "( [". Thought 5 reads "]", which closes the "[" on top.\n'
        'Comment 2: Taking "[" off leaves "(", but Thought 5 writes "stack: [", which is wrong.\n'
        "Comment 3: So Thought 5 is wrong. No",
        'Comment 1: Thought 8 says to pop out "[" and then "<", so we need "]" and then ">".\n'
        'Comment 2: Thought 9 writes "]", ">" and the answer ] >, which matches.\n'
        "Comment 3: So Thought 9 is right. Yes",
        'Comment 1: Thought 7 says to pop out "{", which is closed by "}".\n'
        'Comment 2: Thought 8 writes ")" instead, which is wrong.\n'
        "Comment 3: So Thought 8 is wrong. No",
    )
    asked = (4, 8, 7)
    return tuple(_computed(" ".join(symbols), d.trace(symbols, f)[0], d.trace(symbols)[0], f.step if f else None, k, c)
                 for (symbols, f), k, c in zip(cases, asked, checks))


def _computed(question: str, steps, correct, mistake: int | None, asked: int, check: str) -> Example:
    return Example(question, tuple(steps), mistake, asked, check, tuple(correct))


_TRACKING_START = "Alice, Bob, and Claire are playing a game. At the start of the game, they are each holding a ball: "
_TRACKING = (
    Example(
        _TRACKING_START + "Alice has a red ball, Bob has a green ball, and Claire has a white ball.\n"
        "As the game progresses, pairs of players trade balls. First, Alice and Bob swap balls. Then, Bob and Claire"
        " swap balls. Finally, Alice and Claire swap balls. At the end of the game, Claire has the\n"
        "Options:\n(A) red ball\n(B) green ball\n(C) white ball",
        ("At the start: Alice: red, Bob: green, Claire: white.",
         "Alice and Bob swap balls: Alice: white, Bob: green, Claire: red.",
         "Bob and Claire swap balls: Alice: white, Bob: red, Claire: green.",
         "Alice and Claire swap balls: Alice: green, Bob: red, Claire: white.",
         "At the end of the game, Claire has the white ball. So the answer is (C)"),
        1, 1,
        "Comment 1: In Thought 1, Alice has red, Bob has green and Claire has white.\n"
        "Comment 2: Alice and Bob swap, so Alice gets green and Bob gets red; Claire keeps white.\n"
        "Comment 3: Thought 2 gives Alice white and Claire red, which is wrong. So Thought 2 is wrong. No",
        ("At the start: Alice: red, Bob: green, Claire: white.",
         "Alice and Bob swap balls: Alice: green, Bob: red, Claire: white.",
         "Bob and Claire swap balls: Alice: green, Bob: white, Claire: red.",
         "Alice and Claire swap balls: Alice: red, Bob: white, Claire: green.",
         "At the end of the game, Claire has the green ball. So the answer is (B)"),
    ),
    Example(
        _TRACKING_START + "Alice has a blue ball, Bob has a yellow ball, and Claire has a black ball.\n"
        "As the game progresses, pairs of players trade balls. First, Claire and Bob swap balls. Then, Alice and"
        " Claire swap balls. Finally, Bob and Alice swap balls. At the end of the game, Bob has the\n"
        "Options:\n(A) blue ball\n(B) yellow ball\n(C) black ball",
        ("At the start: Alice: blue, Bob: yellow, Claire: black.",
         "Claire and Bob swap balls: Alice: blue, Bob: black, Claire: yellow.",
         "Alice and Claire swap balls: Alice: yellow, Bob: black, Claire: blue.",
         "Bob and Alice swap balls: Alice: black, Bob: yellow, Claire: blue.",
         "At the end of the game, Bob has the yellow ball. So the answer is (B)"),
        None, 3,
        "Comment 1: In Thought 3, Alice has yellow, Bob has black and Claire has blue.\n"
        "Comment 2: Bob and Alice swap, so Alice gets black and Bob gets yellow; Claire keeps blue, as Thought 4 says.\n"
        "Comment 3: So Thought 4 is right. Yes",
        (),
    ),
    Example(
        _TRACKING_START + "Alice has an orange ball, Bob has a purple ball, and Claire has a brown ball.\n"
        "As the game progresses, pairs of players trade balls. First, Bob and Alice swap balls. Then, Claire and"
        " Alice swap balls. Finally, Bob and Claire swap balls. At the end of the game, Alice has the\n"
        "Options:\n(A) orange ball\n(B) purple ball\n(C) brown ball",
        ("At the start: Alice: orange, Bob: purple, Claire: brown.",
         "Bob and Alice swap balls: Alice: purple, Bob: orange, Claire: brown.",
         "Claire and Alice swap balls: Alice: brown, Bob: orange, Claire: purple.",
         "Bob and Claire swap balls: Alice: brown, Bob: purple, Claire: orange.",
         "At the end of the game, Alice has the purple ball. So the answer is (B)"),
        4, 4,
        "Comment 1: Thought 4 ends with Alice holding the brown ball.\n"
        "Comment 2: Thought 5 says Alice has the purple ball, which is wrong; brown is option (C).\n"
        "Comment 3: So Thought 5 is wrong. No",
        ("At the start: Alice: orange, Bob: purple, Claire: brown.",
         "Bob and Alice swap balls: Alice: purple, Bob: orange, Claire: brown.",
         "Claire and Alice swap balls: Alice: brown, Bob: orange, Claire: purple.",
         "Bob and Claire swap balls: Alice: brown, Bob: purple, Claire: orange.",
         "At the end of the game, Alice has the brown ball. So the answer is (C)"),
    ),
)

_DEDUCTION_START = ("The following statements each describe a set of three objects arranged in a fixed order."
                    " The statements are logically consistent.\n")
_DEDUCTION = (
    Example(
        _DEDUCTION_START + "- On a shelf, there are three books: a red book, a blue book, and a green book.\n"
        "- The green book is to the left of the red book.\n- The blue book is the rightmost.\n"
        "Q: Given the above statements, which of the following is correct?\n"
        "Options:\n(A) The red book is the leftmost.\n(B) The blue book is the leftmost.\n(C) The green book is the leftmost.",
        ("The blue book is the rightmost, so it is third from the left.",
         "The green book is to the left of the red book, so the red book is first and the green book is second.",
         "So from left to right: first is the red book, then second is the green book, then third is the blue book.",
         "The leftmost book is the red book. So the answer is (A)"),
        1, 1,
        "Comment 1: Thought 1 puts the blue book third, which leaves the first two places.\n"
        "Comment 2: The green book is to the left of the red book, so the green book is first and the red book second."
        " Thought 2 has them the other way round, which is wrong.\n"
        "Comment 3: So Thought 2 is wrong. No",
        ("The blue book is the rightmost, so it is third from the left.",
         "The green book is to the left of the red book, so the green book is first and the red book is second.",
         "So from left to right: first is the green book, then second is the red book, then third is the blue book.",
         "The leftmost book is the green book. So the answer is (C)"),
    ),
    Example(
        _DEDUCTION_START + "- On a branch, there are three birds: a crow, a robin, and an owl.\n"
        "- The owl is the second from the left.\n- The crow is to the right of the robin.\n"
        "Q: Given the above statements, which of the following is correct?\n"
        "Options:\n(A) The crow is the rightmost.\n(B) The robin is the rightmost.\n(C) The owl is the rightmost.",
        ("The owl is the second from the left.",
         "The crow is to the right of the robin, and the second place is taken, so the robin is first and the crow is third.",
         "So from left to right: first is the robin, then second is the owl, then third is the crow.",
         "The rightmost bird is the crow. So the answer is (A)"),
        None, 1,
        "Comment 1: Thought 1 puts the owl second, so the robin and the crow take the first and third places.\n"
        "Comment 2: The crow is to the right of the robin, so the robin is first and the crow third, as Thought 2 says.\n"
        "Comment 3: So Thought 2 is right. Yes",
        (),
    ),
    Example(
        "The following statements each describe a set of three objects arranged in a fixed order. The statements are"
        " logically consistent.\n- A stall sells three fruits: apples, pears, and plums.\n"
        "- The pears are the cheapest.\n- The plums are more expensive than the apples.\n"
        "Q: Given the above statements, which of the following is correct?\n"
        "Options:\n(A) The apples are the most expensive.\n(B) The pears are the most expensive.\n"
        "(C) The plums are the most expensive.",
        ("The pears are the cheapest, so they are first from the most expensive.",
         "The plums are more expensive than the apples, so the plums are second and the apples are third.",
         "So from most expensive to cheapest: first is the pears, then second is the plums, then third is the apples.",
         "The most expensive fruit is the pears. So the answer is (B)"),
        0, 0,
        "Comment 1: The cheapest fruit is the last one counted from the most expensive.\n"
        "Comment 2: So the pears are third from the most expensive; Thought 1 puts them first, which is wrong.\n"
        "Comment 3: So Thought 1 is wrong. No",
        ("The pears are the cheapest, so they are third from the most expensive.",
         "The plums are more expensive than the apples, so the plums are first and the apples are second.",
         "So from most expensive to cheapest: first is the plums, then second is the apples, then third is the pears.",
         "The most expensive fruit is the plums. So the answer is (C)"),
    ),
)


@cache
def examples(task: str) -> tuple[Example, ...]:
    """The three few-shot traces of a task (correct ones have ``correct_steps`` equal to ``steps``)."""
    if task == "multistep_arithmetic":
        return _arithmetic()
    if task == "word_sorting":
        return _word_sorting()
    if task == "dyck_languages":
        return _dyck()
    written = {"tracking_shuffled_objects": _TRACKING, "logical_deduction": _DEDUCTION}[task]
    return tuple(e if e.correct_steps else Example(e.input, e.steps, e.mistake_index, e.asked, e.check, e.steps)
                 for e in written)


@cache
def our_prompts(task: str) -> PromptSet:
    """Our three prompting modes for ``task``: the instruction, three few-shot turns, the template."""
    modes = {}
    for mode, template in TEMPLATES.items():
        template = template.replace("{question}", QUESTIONS[task])
        messages = [{"role": "system", "content": INSTRUCTIONS[mode]}]
        for example in examples(task):
            if mode == "trace":
                asked, shown = None, example.steps
                reply = "No" if example.mistake_index is None else str(example.mistake_index + 1)
            else:
                asked, shown = example.asked + 1, example.steps[: example.asked + 1]
                right = example.mistake_index is None or example.asked < example.mistake_index
                reply = example.check if mode == "cot-step" else ("Yes" if right else "No")
            messages += [{"role": "user", "content": fill_template(template, example.input, shown, asked)},
                         {"role": "assistant", "content": reply}]
        modes[mode] = ModePrompt(tuple(messages), template)
    return PromptSet("ours", modes)


@cache
def our_generation_prompt(task: str) -> str:
    """Our few-shot text for writing a trace of ``task`` (the backtracking study continues from it),
    in the layout of the paper's generation prompts: an instruction, then "Q: question" and its Thoughts."""
    blocks = [GENERATION_INSTRUCTION]
    for example in examples(task):
        thoughts = "\n".join(f"Thought {i}: {step}" for i, step in enumerate(example.correct_steps, start=1))
        blocks.append(f"Q: {QUESTIONS[task].replace('{input}', example.input)}\n{thoughts}")
    return "\n\n".join(blocks)
