"""Prompt construction: one system instruction per category, and tools shown even when a template drops them."""

from __future__ import annotations

from typing import Any

import pytest
from tokenizers import Tokenizer, models
from transformers import PreTrainedTokenizerFast

from benchmarks.instructions import SYSTEM_INSTRUCTIONS, TEMPLATE_DATE
from lorabench.run.prompting import (
    TOOLS_VIA_SYSTEM_PROMPT,
    TOOLS_VIA_TEMPLATE,
    case_messages,
    render_chat,
    template_renders_tools,
)
from tests.conftest import SMALL_SET, WEATHER_TOOL

RENDERS_TOOLS = (
    "{% if tools %}<tools>{{ tools | tojson }}</tools>{% endif %}"
    "{% for m in messages %}<{{ m.role }}>{{ m.content }}{% endfor %}"
    "{% if add_generation_prompt %}<assistant>{% endif %}"
)
DROPS_TOOLS = (
    "{% for m in messages %}<{{ m.role }}>{{ m.content }}{% endfor %}"
    "{% if add_generation_prompt %}<assistant>{% endif %}"
)


def _tokenizer(template: str) -> Any:
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=Tokenizer(models.WordLevel({"[UNK]": 0}, unk_token="[UNK]")))
    tokenizer.chat_template = template
    return tokenizer


def test_case_messages_prepend_the_category_instruction() -> None:
    messages = case_messages(SMALL_SET[0])
    assert messages == [
        {"role": "system", "content": SYSTEM_INSTRUCTIONS["math"]},
        {"role": "user", "content": "What is 6 times 7?"},
    ]


def test_case_system_message_is_merged_after_the_instruction() -> None:
    case = {
        "id": "sit-9",
        "category": "situational",
        "messages": [{"role": "system", "content": "You are a detective."}, {"role": "user", "content": "Who did it?"}],
    }
    system, user = case_messages(case)
    assert system["content"].startswith(SYSTEM_INSTRUCTIONS["situational"])
    assert system["content"].endswith("You are a detective.")
    assert user == {"role": "user", "content": "Who did it?"}


@pytest.mark.parametrize(("template", "renders"), [(RENDERS_TOOLS, True), (DROPS_TOOLS, False)])
def test_template_tool_detection(template: str, renders: bool) -> None:
    assert template_renders_tools(_tokenizer(template)) is renders


def test_tools_go_through_a_template_that_renders_them() -> None:
    messages = case_messages(SMALL_SET[3])
    prompt = render_chat(_tokenizer(RENDERS_TOOLS), messages, [WEATHER_TOOL], TOOLS_VIA_TEMPLATE)
    assert prompt.startswith("<tools>") and prompt.count("get_weather") == 1


def test_tools_fall_back_to_the_system_prompt() -> None:
    messages = case_messages(SMALL_SET[3])
    tokenizer = _tokenizer(DROPS_TOOLS)
    assert "get_weather" not in render_chat(tokenizer, messages, [WEATHER_TOOL], TOOLS_VIA_TEMPLATE)
    prompt = render_chat(tokenizer, messages, [WEATHER_TOOL], TOOLS_VIA_SYSTEM_PROMPT)
    system_part = prompt.split("<user>")[0]
    assert '"name": "get_weather"' in system_part and SYSTEM_INSTRUCTIONS["function_calling"] in system_part


def test_a_template_that_prints_today_gets_the_fixed_benchmark_date() -> None:
    """Llama 3.x templates print the date; the clock must not change prompts (and cache keys) day by day."""
    template = (
        "{% if not date_string is defined %}{% set date_string = strftime_now('%d %b %Y') %}{% endif %}"
        "Today: {{ date_string }}|" + DROPS_TOOLS
    )
    prompt = render_chat(_tokenizer(template), case_messages(SMALL_SET[0]), None, TOOLS_VIA_TEMPLATE)
    assert prompt.startswith(f"Today: {TEMPLATE_DATE}|")
