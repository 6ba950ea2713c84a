"""A model folder's tokenizer and chat template without torch or transformers.

Why: `local` on llama.cpp or CTranslate2 needs transformers only for two things, turning text into
token ids (and back) and rendering the chat template, yet importing it pulls in torch: 4-5 s of a
run's start-up against ~0.5 s for llama.cpp itself (bench/local_startup.py). The `tokenizers`
library (what transformers' fast tokenizers run on) reads the folder's tokenizer.json, and the chat
template is rendered here with Jinja2 exactly as transformers renders it (a sandboxed environment
with trim_blocks and lstrip_blocks, its tojson and raise_exception, the special tokens as
variables, and its way of cutting a continued final message). tests/test_light_tokenizer.py holds
both to transformers: the same token ids, decoded texts and rendered prompts.

Only what the CPU engines call is here: ``tokenizer(text, add_special_tokens=False).input_ids``,
``decode``, ``convert_ids_to_tokens``, ``apply_chat_template(messages, tokenize=False, ...)`` and
the special tokens. Log-likelihoods and ``engine=transformers`` still load transformers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

CONTINUE_TAG = "CONTINUE_FINAL_MESSAGE_TAG "  # transformers' marker for the end of a continued message
SPECIAL_TOKEN_NAMES = ("bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token")


@dataclass
class Encoding:
    input_ids: list[int]


class LightTokenizer:
    """The tokenizer of a transformers model folder (tokenizer.json, tokenizer_config.json, the chat
    template in chat_template.jinja or tokenizer_config.json), loaded with `tokenizers` alone."""

    def __init__(self, folder: str | Path):
        from tokenizers import Tokenizer

        folder = Path(folder)
        self.folder = folder
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        config_path = folder / "tokenizer_config.json"
        config = json.loads(config_path.read_text(encoding="utf-8")) if config_path.is_file() else {}
        texts = {name: _token_text(config.get(name)) for name in SPECIAL_TOKEN_NAMES}
        self.special_tokens: dict[str, str] = {name: text for name, text in texts.items() if text is not None}
        template_file = folder / "chat_template.jinja"
        self.chat_template: str | None = (template_file.read_text(encoding="utf-8") if template_file.is_file()
                                          else config.get("chat_template"))
        if config.get("clean_up_tokenization_spaces"):
            raise ValueError(f"{folder}: clean_up_tokenization_spaces is not supported here; load it with transformers")
        self.eos_token = self.special_tokens.get("eos_token")
        self.pad_token = self.special_tokens.get("pad_token") or self.eos_token
        self.eos_token_id = self._id(self.eos_token)
        self.pad_token_id = self._id(self.pad_token)

    def _id(self, token: str | None) -> int | None:
        return None if token is None else self._tokenizer.token_to_id(token)

    def __call__(self, text: str, add_special_tokens: bool = False) -> Encoding:
        return Encoding(self._tokenizer.encode(text, add_special_tokens=add_special_tokens).ids)

    def decode(self, ids: list[int], skip_special_tokens: bool = False) -> str:
        return self._tokenizer.decode(list(ids), skip_special_tokens=skip_special_tokens)

    def convert_ids_to_tokens(self, ids: list[int]) -> list[str | None]:
        return [self._tokenizer.id_to_token(i) for i in ids]

    def apply_chat_template(self, messages: list[dict[str, Any]], tokenize: bool = False, add_generation_prompt: bool = False,
                            continue_final_message: bool = False) -> str:
        """The rendered prompt, as transformers' apply_chat_template(..., tokenize=False) gives it."""
        if tokenize:
            raise ValueError("LightTokenizer renders text only (tokenize=False); tokenize the text with the tokenizer")
        if not self.chat_template:
            raise ValueError(f"{self.folder} has no chat template")
        return render_chat_template(self.chat_template, messages, add_generation_prompt, continue_final_message,
                                    self.special_tokens)


def _token_text(value: Any) -> str | None:
    """A special token as tokenizer_config.json writes it: a string, or {"content": ...}."""
    if isinstance(value, dict):
        value = value.get("content")
    return value if isinstance(value, str) else None


def render_chat_template(template: str, messages: list[dict[str, Any]], add_generation_prompt: bool,
                         continue_final_message: bool, special_tokens: dict[str, str]) -> str:
    """transformers' render_jinja_template for one conversation of text messages."""
    chat = [dict(message) for message in messages]
    final = ""
    if continue_final_message:
        if not chat:
            raise ValueError("continue_final_message is set but the conversation is empty!")
        if "content" not in template:
            raise ValueError('continue_final_message is set to "content" but this is not an accepted field in the chat_template')
        final = chat[-1]["content"]
        chat[-1]["content"] = final + CONTINUE_TAG
    rendered = _compiled(template).render(messages=chat, tools=None, documents=None, add_generation_prompt=add_generation_prompt,
                                          **special_tokens)
    if continue_final_message:
        if final.strip() not in rendered or CONTINUE_TAG.strip() not in rendered:
            raise ValueError("continue_final_message is set but the final message does not appear in the chat after"
                             " applying the chat template!")
        at = rendered.rindex(CONTINUE_TAG.strip())
        rendered = rendered[:at] if rendered[at:at + len(CONTINUE_TAG)] == CONTINUE_TAG else rendered[:at].rstrip()
    return rendered


@lru_cache(maxsize=16)
def _compiled(template: str) -> Any:
    """The template in transformers' environment: sandboxed, trim_blocks, lstrip_blocks, loop
    controls, its tojson (no HTML escaping), raise_exception and strftime_now."""
    import jinja2
    import jinja2.ext
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    def raise_exception(message: str) -> None:
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x: Any, ensure_ascii: bool = False, indent: Any = None, separators: Any = None, sort_keys: bool = False) -> str:
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = lambda fmt: datetime.now().strftime(fmt)
    return env.from_string(template)
