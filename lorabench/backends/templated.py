"""The part of local backends that renders prompts with a Hugging Face tokenizer's chat template.

The transformers, unsloth and llama.cpp backends all render the exact prompt text here (with the
registry's template override if any), so one case gives byte-identical prompts whichever of them
runs a model. The rendered prompt is part of the cache key, so a changed template regenerates.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lorabench.backends.base import Backend, BackendContext, ModelSpec
from lorabench.backends.hf_loading import chat_template_text
from lorabench.run.prompting import (
    TOOLS_VIA_SYSTEM_PROMPT,
    TOOLS_VIA_TEMPLATE,
    Message,
    Tools,
    render_chat,
    template_renders_tools,
)


class TemplatedBackend(Backend):
    """Subclasses say where the tokenizer lives (`tokenizer_source`)."""

    def __init__(self, spec: ModelSpec, context: BackendContext) -> None:
        super().__init__(spec, context)
        self._tokenizer: Any = None
        self._tools_mode: str | None = None

    def tokenizer_source(self) -> tuple[Path, dict[str, Any]]:
        """A directory for `AutoTokenizer.from_pretrained`, and extra arguments (e.g. `gguf_file`)."""
        raise NotImplementedError

    @property
    def tokenizer(self) -> Any:
        if self._tokenizer is None:
            from transformers import AutoTokenizer

            directory, extra = self.tokenizer_source()
            tokenizer = AutoTokenizer.from_pretrained(directory, **extra)
            override = chat_template_text(self.spec)
            if override is not None:
                tokenizer.chat_template = override
            tokenizer.padding_side = "left"
            if tokenizer.pad_token is None:
                tokenizer.pad_token = tokenizer.eos_token
            self._tokenizer = tokenizer
        return self._tokenizer

    @property
    def tools_mode(self) -> str:
        if self._tools_mode is None:
            renders = template_renders_tools(self.tokenizer)
            self._tools_mode = TOOLS_VIA_TEMPLATE if renders else TOOLS_VIA_SYSTEM_PROMPT
        return self._tools_mode

    def render(self, messages: list[Message], tools: Tools | None) -> str:
        return render_chat(self.tokenizer, messages, tools, self.tools_mode)
