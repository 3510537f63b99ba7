"""A backend that replays answers from a JSON script: the first-class fake for tests and demos.

Script format: {"outputs": {"<case id>": "<answer>", ...}, "default": "<answer for other cases>"}; a
selected case with no output and no "default" stops the run with an error naming the case and the
file (an empty answer would be graded as the model's). An answer may be a list, whose items answer
the 1st, 2nd, ... request for that case (then the last repeats), which is how tests script a judge
that needs asking again. Chat answers (`stream_chat`) come from the entry "chat" the same way,
streamed a word at a time.
Select it with `--model scripted:path/to/script.json`. When the environment variable
LORABENCH_SCRIPTED_LOG names a file, `<model>:<case id>` is appended to it for each generated case and
`<model>:closed` when the model is released, so tests can see exactly which cases reached which model
(and that a cached run reached none).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lorabench.backends.base import Backend, BackendContext, Generation, ModelSpec, Request, stream_by_batch
from lorabench.backends.registration import register_backend
from lorabench.models.sources import ModelSourceError, file_sha256
from lorabench.run.prompting import Message, Tools


class ScriptError(ModelSourceError, ValueError):
    """A script file that cannot be used; the message names the file."""


@register_backend("scripted", keys={"script"})
class ScriptedBackend(Backend):
    def __init__(self, spec: ModelSpec, context: BackendContext) -> None:
        super().__init__(spec, context)
        self.path = Path(spec.options["script"])
        try:
            script = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ScriptError(f"{self.path}: cannot read scripted model: {exc}") from None
        if not isinstance(script, dict) or not isinstance(script.get("outputs", {}), dict):
            raise ScriptError(f"{self.path}: expected an object with an 'outputs' object of id -> text")
        self.outputs: dict[str, str | list[str]] = script.get("outputs", {})
        self.default: str | None = script.get("default")
        self.requests_seen: dict[str, int] = {}

    def identity(self) -> dict[str, Any]:
        return {"backend": self.name, "script_sha256": file_sha256(self.path)}

    def render(self, messages: list[Message], tools: Tools | None) -> str:
        return json.dumps({"messages": messages, "tools": tools}, sort_keys=True)

    def _log(self, words: list[str]) -> None:
        log = os.environ.get("LORABENCH_SCRIPTED_LOG")
        if log:
            with open(log, "a", encoding="utf-8") as handle:
                handle.writelines(f"{self.spec.name}:{word}\n" for word in words)

    def generate_stream(self, requests: list[Request], batch_size: int) -> Iterator[tuple[Request, Generation]]:
        return stream_by_batch(requests, batch_size, self._answer_batch)

    def _answer_batch(self, batch: list[Request]) -> list[Generation]:
        self._log([request.case["id"] for request in batch])
        texts = [self._answer(request.case["id"]) for request in batch]
        return [Generation(text, 0, len(text.split()), 0.0, "stop") for text in texts]

    def _answer(self, case_id: str) -> str:
        answer = self.outputs.get(case_id, self.default)
        if isinstance(answer, list):
            seen = self.requests_seen.get(case_id, 0)
            self.requests_seen[case_id] = seen + 1
            answer = answer[min(seen, len(answer) - 1)] if answer else self.default
        if answer is None:
            raise ScriptError(f"{self.path}: no output for case {case_id} (and no 'default' for other cases)")
        return answer

    def stream_chat(self, messages: list[Message], max_tokens: int, temperature: float) -> Iterator[str]:
        self._log(["chat"])
        yield from re.findall(r"\S+\s*", self._answer("chat"))[:max_tokens]

    def close(self) -> None:
        self._log(["closed"])
