"""One chat turn: the conversation so far and the user's message become the model's messages (with web
results when search is on), and the answer streams back with its sources and notes underneath.

Plain functions over plain data (gradio's "messages" history: a list of {"role", "content"}), so the
UI is only wiring and everything here is tested with the scripted backend.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from chat.search import SearchProvider, SearchResult, search_for

DEFAULT_SYSTEM_PROMPT = "You are a helpful assistant. Answer clearly and say when you are not sure."


@dataclass(frozen=True)
class ChatSettings:
    system_prompt: str = DEFAULT_SYSTEM_PROMPT
    temperature: float = 0.7
    max_tokens: int = 512
    search: bool = False
    search_results: int = 5


def search_block(results: list[SearchResult]) -> str:
    """The web results as the model sees them, numbered so it can cite them."""
    lines = ["Web search results (cite them as [1], [2], ... where you use them):"]
    for number, result in enumerate(results, 1):
        lines.append(f"[{number}] {result.title} ({result.url})\n{result.snippet}")
    return "\n".join(lines)


def build_messages(
    history: list[dict[str, Any]], message: str, settings: ChatSettings, results: list[SearchResult]
) -> list[dict[str, str]]:
    """System prompt, the earlier user and assistant turns as they were shown, then this message; web
    results go into this turn only, so earlier turns stay as the user saw them."""
    messages = [{"role": "system", "content": settings.system_prompt}] if settings.system_prompt.strip() else []
    for turn in history:
        if turn.get("role") in ("user", "assistant") and isinstance(turn.get("content"), str):
            messages.append({"role": turn["role"], "content": turn["content"]})
    content = f"{search_block(results)}\n\nQuestion: {message}" if results else message
    messages.append({"role": "user", "content": content})
    return messages


def _markdown_text(text: str) -> str:
    """Text safe inside a Markdown link label: no brackets, no HTML."""
    return text.replace("[", "(").replace("]", ")").replace("<", "&lt;").replace(">", "&gt;")


def sources_markdown(results: list[SearchResult]) -> str:
    """The sources under an answer, as Markdown links (URLs are http(s) only, see chat.search)."""
    links = [f"{n}. [{_markdown_text(r.title)}]({r.url.replace(')', '%29')})" for n, r in enumerate(results, 1)]
    return "**Sources**\n" + "\n".join(links)


def respond(
    backend: Any,
    history: list[dict[str, Any]],
    message: str,
    settings: ChatSettings,
    search: SearchProvider | None = None,
) -> Iterator[str]:
    """The assistant's answer so far, growing as the backend streams; then with sources and notes. A
    backend error ends the answer with a line saying so instead of raising into the UI."""
    notes, results = [], []
    if settings.search:
        if search is None:
            notes.append("Web search is on but no provider is configured (--search-url or --ddgs); answered without.")
        else:
            outcome = search_for(search, message, settings.search_results)
            results = outcome.results
            notes.append(outcome.note)
    messages = build_messages(history, message, settings, results)
    answer = ""
    try:
        for piece in backend.stream_chat(messages, settings.max_tokens, settings.temperature):
            answer += piece
            yield answer
    except Exception as exc:  # a provider failure is shown in the chat, not raised into gradio
        notes.append(f"Error from {backend.spec.name}: {' '.join(str(exc).split())[:300]}")
    tail = ([sources_markdown(results)] if results else []) + [f"*{note}*" for note in notes]
    yield "\n\n".join([answer, *tail]) if tail else answer
