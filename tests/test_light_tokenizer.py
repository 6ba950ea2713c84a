"""The light tokenizer (`tokenizers` + Jinja2, no torch) against transformers' on the embedded model's
folder: the same token ids, the same decoded text, the same rendered chat prompts (with and
without a system turn, several turns, a continued assistant turn, unicode, special tokens inside
text), including the prompts every family builds. Needs the converted model folder (make setup)."""

from __future__ import annotations

import random

import pytest

from harness.backends.light_tokenizer import LightTokenizer, render_chat_template

pytestmark = pytest.mark.model

TEXTS = [
    "", " ", "Hello, world!", "  leading and trailing  ", "tabs\tand\nnewlines\r\n", "1, 2, 3, 4, 5,",
    "Using the numbers [19, 36, 55, 7], create an equation that equals 65.", "<answer> (1 + 2) / 3 </answer>",
    "naïve café, Ünïcödé, 日本語のテキスト, 🙂🚀 emoji, e\u0301 combining", "<|im_start|>user\nhi<|im_end|>",
    "<|endoftext|> special tokens in text <repo_name>", "x" * 3000, "   \n\n\n   ", "def f(x):\n    return x ** 2\n",
    "Ελληνικά, русский, עברית, العربية", "\u200b zero width \ufeff bom",
]

CHATS = [
    [{"role": "user", "content": "Name a prime number."}],
    [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Who wrote Hamlet?"}],
    [{"role": "user", "content": "Q1"}, {"role": "assistant", "content": "A1"}, {"role": "user", "content": "Q2  "}],
    [{"role": "user", "content": "trailing newline\n"}],
    [{"role": "user", "content": "unicode 🙂 日本 <|im_end|> inside"}],
    [{"role": "user", "content": ""}],
]


@pytest.fixture(scope="module")
def tokenizers():
    from transformers import AutoTokenizer

    from harness.backends.local import converted_model_dir

    folder = converted_model_dir()
    return LightTokenizer(folder), AutoTokenizer.from_pretrained(folder)


def test_token_ids_and_decoded_text_are_transformers(tokenizers):
    light, full = tokenizers
    for text in TEXTS:
        ids = light(text, add_special_tokens=False).input_ids
        assert ids == full(text, add_special_tokens=False).input_ids, text
        for skip in (True, False):
            assert light.decode(ids, skip_special_tokens=skip) == full.decode(ids, skip_special_tokens=skip)
    rng = random.Random(0)
    vocab = len(full)
    for _ in range(200):  # any id sequence, special ids included, decodes the same
        ids = [rng.randrange(vocab) for _ in range(rng.randrange(1, 40))] + [rng.randrange(20)]
        for skip in (True, False):
            assert light.decode(ids, skip_special_tokens=skip) == full.decode(ids, skip_special_tokens=skip)
        assert light.convert_ids_to_tokens(ids) == full.convert_ids_to_tokens(ids)
    assert (light.eos_token_id, light.pad_token_id) == (full.eos_token_id, full.pad_token_id)


def test_chat_prompts_are_transformers(tokenizers):
    light, full = tokenizers
    for chat in CHATS:
        for generation_prompt in (True, False):
            assert (light.apply_chat_template(chat, tokenize=False, add_generation_prompt=generation_prompt)
                    == full.apply_chat_template(chat, tokenize=False, add_generation_prompt=generation_prompt))
        for prefill in ("<answer>", "Let me think ", "ends with newline\n", "🙂"):
            partial = [*chat, {"role": "assistant", "content": prefill}]
            assert (light.apply_chat_template(partial, tokenize=False, continue_final_message=True)
                    == full.apply_chat_template(partial, tokenize=False, continue_final_message=True))


def test_every_family_prompt_renders_and_tokenizes_as_transformers(tokenizers):
    from harness.core.registry import get_task, task_names
    from harness.pipeline.samples import select_samples

    light, full = tokenizers
    checked = 0
    for name in task_names():
        task = get_task(name)
        try:
            samples = select_samples(task, seed=0, limit=2)
        except Exception:  # noqa: BLE001 - a task whose data is not on this machine
            continue
        for sample in samples:
            request = task.family.build_request(task.config, sample)
            if request.messages is None:
                continue
            messages = [dict(m) for m in request.messages]
            rendered = light.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
            assert rendered == full.apply_chat_template(messages, tokenize=False, add_generation_prompt=True), name
            assert light(rendered).input_ids == full(rendered, add_special_tokens=False).input_ids, name
            checked += 1
    assert checked >= 10


def test_a_template_that_drops_the_continued_message_is_refused():
    template = "{% for m in messages %}{{ m['role'] }}{% if false %}{{ m['content'] }}{% endif %}{% endfor %}"
    with pytest.raises(ValueError, match="final message does not appear"):
        render_chat_template(template, [{"role": "user", "content": "hi"}], False, True, {})
