"""A log-likelihood request that carries chat messages is scored after the chat template, as the
assistant's answer (what forward-lp needs to score a chat model's own completions)."""

from __future__ import annotations

import pytest

import harness
from harness.core.types import GenerationSettings, Request

QUESTION = "Name the capital of France in one word."


@pytest.mark.model
def test_a_chat_models_own_greedy_answer_is_greedy_after_its_chat_template(tmp_path):
    messages = ({"role": "user", "content": QUESTION},)
    asked = Request(kind="generate", prompt=QUESTION, messages=messages, settings=GenerationSettings(max_tokens=8))
    with harness.open_session("local", backend_options={"engine": "transformers"}, cache=tmp_path / "cache.sqlite",
                              progress=False) as session:
        [answer] = session.ask([asked], "generate")
        text = answer.texts[0]
        chat, plain = session.ask([Request(kind="loglikelihood", prompt=QUESTION, messages=messages, continuations=(text,)),
                                   Request(kind="loglikelihood", prompt=QUESTION, continuations=(text,))], "score")
    assert text.strip()
    assert chat.results[0].is_greedy  # every token of the answer is the model's argmax after the template
    assert chat.results[0].logprob > plain.results[0].logprob  # after the bare question it is much less likely
