"""The gradio chat over the model registry: the same entries and backends as the benchmark.

One model is loaded at a time; picking another releases the first (a 3B model and a 1B model do not
fit together on every GPU). The turn logic is chat.conversation; this module is only wiring.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from chat.conversation import DEFAULT_SYSTEM_PROMPT, ChatSettings, respond
from chat.search import SearchProvider
from lorabench.backends.base import Backend, BackendContext
from lorabench.models.registry import Registry, build_backend


def can_chat(backend: Backend) -> bool:
    """Whether the backend streams chat answers (the oracle and scripted test models do not, or only scripted)."""
    return type(backend).stream_chat is not Backend.stream_chat


class Providers:
    """The registry's models for the chat, built on demand, at most one holding its weights."""

    def __init__(self, registry: Registry, cache_dir: Path) -> None:
        self.registry, self.context = registry, BackendContext(cache_dir)
        self.name: str | None = None
        self.backend: Backend | None = None

    def get(self, name: str) -> Backend:
        if name != self.name or self.backend is None:
            if self.backend is not None:
                self.backend.close()
            self.backend, self.name = None, None
            backend = build_backend(self.registry.resolve(name), self.context)
            if not can_chat(backend):
                raise ValueError(f"model {name}: the {backend.name} backend does not stream chat answers")
            self.backend, self.name = backend, name
        return self.backend

    def choices(self, first: str) -> list[str]:
        """`first`, then every registry entry that can chat and whose weights are here."""
        names = [first]
        for name in self.registry.specs:
            if name == first:
                continue
            try:
                backend = build_backend(self.registry.resolve(name), self.context)
                if can_chat(backend) and backend.availability()[0]:
                    names.append(name)
            except Exception:  # an entry that cannot even be built here is simply not offered
                continue
        return names


def text_of(content: Any) -> str:
    """A message's text, whichever shape gradio gives it (a string, or a list of typed parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    if isinstance(content, dict):
        return str(content.get("text", ""))
    return ""


def build_app(providers: Providers, model: str, search: SearchProvider | None) -> Any:
    import gradio as gr

    def answer(
        message: Any,
        history: list[dict[str, Any]],
        name: str,
        system: str,
        temperature: float,
        tokens: float,
        web: bool,
    ) -> Iterator[str]:
        try:
            backend = providers.get(name)
        except Exception as exc:  # shown in the chat, not raised into gradio
            yield f"*Cannot use model {name}: {' '.join(str(exc).split())[:300]}*"
            return
        turns = [{"role": turn.get("role"), "content": text_of(turn.get("content"))} for turn in history]
        settings = ChatSettings(system, float(temperature), int(tokens), bool(web))
        yield from respond(backend, turns, text_of(message), settings, search)

    inputs = [
        gr.Dropdown(providers.choices(model), value=model, label="Model"),
        gr.Textbox(DEFAULT_SYSTEM_PROMPT, label="System prompt", lines=2),
        gr.Slider(0.0, 2.0, value=0.7, step=0.05, label="Temperature (0 = greedy)"),
        gr.Slider(16, 2048, value=512, step=16, label="Max new tokens"),
        gr.Checkbox(False, label="Web search" + ("" if search else " (start with --search-url or --ddgs)")),
    ]
    return gr.ChatInterface(
        answer, additional_inputs=inputs, title="lorabench chat", additional_inputs_accordion="Settings"
    )
