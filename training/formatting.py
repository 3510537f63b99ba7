"""Conversations to training examples: the chat template's text, tokenized, with a mask that is 1 only on
the assistant's tokens (its answer and the end-of-turn token after it), so the loss is on responses only.

The same code serves both engines: TRL's `SFTTrainer` turns `assistant_masks` into labels of -100 for
every other token. The mask comes from character spans: each assistant turn's span is where the text
of the conversation up to and including that turn extends the text up to the start of that turn.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks.instructions import TEMPLATE_DATE

Message = dict[str, str]
LLAMA3_MARKER = "<|start_header_id|>"


def use_chat_template(tokenizer: Any, choice: str) -> None:
    """Set the template training renders with: the base's own, Llama 3.1's (checked, since unsloth's
    notebooks force it), or a template file."""
    if choice == "model":
        return
    if choice == "llama-3.1":
        if LLAMA3_MARKER not in (tokenizer.chat_template or ""):
            raise ValueError(
                "chat_template llama-3.1: the base tokenizer's template is not a Llama 3.x one; use "
                "--set chat_template=model or a .jinja file"
            )
        return
    path = Path(choice).expanduser()
    if not path.is_file():
        raise ValueError(f"chat_template {choice}: not 'model', 'llama-3.1' or an existing .jinja file")
    tokenizer.chat_template = path.read_text(encoding="utf-8")


def _render(tokenizer: Any, messages: list[Message], generation_prompt: bool) -> str:
    return tokenizer.apply_chat_template(
        messages, tokenize=False, add_generation_prompt=generation_prompt, date_string=TEMPLATE_DATE
    )


def assistant_spans(tokenizer: Any, messages: list[Message]) -> tuple[str, list[tuple[int, int]]]:
    """The conversation's text and the character span of every assistant turn in it."""
    text = _render(tokenizer, messages, generation_prompt=False)
    spans = []
    for index, message in enumerate(messages):
        if message["role"] != "assistant":
            continue
        start = len(_render(tokenizer, messages[:index], generation_prompt=True)) if index else 0
        through = _render(tokenizer, messages[: index + 1], generation_prompt=False)
        if not text.startswith(through):
            raise ValueError("the chat template does not render a conversation as a prefix of its continuation")
        spans.append((start, len(through)))
    return text, spans


def tokenize_conversation(tokenizer: Any, messages: list[Message], max_length: int) -> dict[str, list[int]]:
    """`input_ids` and `assistant_masks` for one conversation, cut at `max_length` tokens."""
    text, spans = assistant_spans(tokenizer, messages)
    encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    mask = [
        int(any(start <= begin and end <= stop for start, stop in spans)) for begin, end in encoded["offset_mapping"]
    ]
    return {"input_ids": encoded["input_ids"][:max_length], "assistant_masks": mask[:max_length]}
