"""The scratch arms' tokenizer: a small byte-level BPE trained (with `tokenizers`) on the training
statements, saved as a transformers tokenizer so the `hf:` backend loads it like any other.

Why not SmolLM2's 49k-token vocabulary: the output layer of a model this small would be mostly
vocabulary (49k x width), and every step pays a 49k-way softmax; a vocabulary of a few thousand
built from the corpus turns nearly every word into one token. Byte-level (GPT-2 style, a word's
leading space is part of its token) decodes back to the exact text, which the startswith scorer
needs, and tokenises a prompt as a prefix of prompt + completion, which the likelihood test needs.
No special token is added to encoded text: the backend encodes prompts without them, so training
does the same and only appends the end-of-text token.
"""

from __future__ import annotations

from pathlib import Path

EOS, PAD = "<|endoftext|>", "<|pad|>"


def train_tokenizer(texts: list[str], vocab_size: int, out_dir: Path):
    """A PreTrainedTokenizerFast for `texts`, also saved into out_dir. Deterministic for equal input."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    core = Tokenizer(models.BPE())
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    core.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=[EOS, PAD], show_progress=False,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    core.train_from_iterator(texts, trainer=trainer)
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=core, eos_token=EOS, pad_token=PAD, bos_token=EOS)
    tokenizer.save_pretrained(out_dir)
    return tokenizer
