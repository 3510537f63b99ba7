"""OpenAI-compatible HTTP backend (`/v1/chat/completions`): vLLM (with `--enable-lora --lora-modules`),
llama.cpp's server, Ollama, OpenAI.

The server applies the chat template, so the cache key's "prompt" is the request's messages and tools
as canonical JSON. The official `openai` client does the HTTP: timeouts, and retries with exponential
backoff on 408/409/429/5xx (honouring Retry-After); a malformed HTTP 200 is retried the same number
of times here (`lorabench.backends.chat_completion`). The API key is read from the environment variable
the entry names and goes nowhere else: not into the identity, the cache, the reports or any message.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any

from lorabench.backends.base import Backend, BackendContext, Generation, ModelSpec, Request, library_versions
from lorabench.backends.chat_completion import answer_text, read_completion
from lorabench.backends.registration import register_backend
from lorabench.models.sources import ModelSourceError
from lorabench.run.prompting import Message, Tools, with_tools_in_system_prompt

TOOLS_VIA_API = "api"
TOOLS_MODES = (TOOLS_VIA_API, "system-prompt")
MALFORMED_BACKOFF_S = 0.5  # first wait before asking again after a malformed HTTP 200; doubles each time


OPENAI_KEYS = {"url", "served_model", "api_key_env", "concurrency", "timeout_s", "retries", "tools", "revision"}


@register_backend("openai", keys=OPENAI_KEYS)
class OpenAIBackend(Backend):
    """Registry keys: `url` (base URL ending in /v1), `served_model` (the server's model or LoRA module
    name; default: the entry's name), `api_key_env`, `concurrency` (default 4), `timeout_s` (default
    120), `retries` (default 3), `tools` ("api" or "system-prompt"), `revision` (your label for the
    served weights: bump it when they change, since the harness cannot hash a server's weights)."""

    default_batch_size = 64

    def __init__(self, spec: ModelSpec, context: BackendContext) -> None:
        super().__init__(spec, context)
        options = spec.options
        if "url" not in options:
            raise ModelSourceError(f"model {spec.name}: an openai entry needs url (e.g. http://127.0.0.1:8000/v1)")
        self.url = str(options["url"]).rstrip("/")
        self.served_model = str(options.get("served_model", spec.name))
        self.concurrency = int(options.get("concurrency", 4))
        self._tools_mode = str(options.get("tools", TOOLS_VIA_API))
        if self._tools_mode not in TOOLS_MODES:
            raise ModelSourceError(f"model {spec.name}: tools must be one of {', '.join(TOOLS_MODES)}")
        self._client: Any = None

    def identity(self) -> dict[str, Any]:
        return {
            "backend": self.name,
            "url": self.url,
            "served_model": self.served_model,
            "revision": self.spec.options.get("revision"),
            "libraries": library_versions("openai"),
        }

    def availability(self) -> tuple[bool, str]:
        return True, f"server {self.url} (model {self.served_model}; not contacted)"

    @property
    def tools_mode(self) -> str:
        return self._tools_mode

    def _body(self, messages: list[Message], tools: Tools | None) -> dict[str, Any]:
        if tools and self._tools_mode != TOOLS_VIA_API:
            return {"messages": with_tools_in_system_prompt(messages, tools)}
        return {"messages": messages, **({"tools": tools} if tools else {})}

    def render(self, messages: list[Message], tools: Tools | None) -> str:
        return json.dumps(self._body(messages, tools), sort_keys=True, ensure_ascii=False)

    def _api_key(self) -> str:
        variable = self.spec.options.get("api_key_env")
        if not variable:
            return "not-needed"  # local servers ignore it; the client insists on some value
        key = os.environ.get(variable)
        if not key:
            raise ModelSourceError(f"model {self.spec.name}: the API key variable {variable} is not set")
        return key

    def client(self) -> Any:
        if self._client is None:
            from openai import OpenAI

            self._client = OpenAI(
                base_url=self.url,
                api_key=self._api_key(),
                timeout=float(self.spec.options.get("timeout_s", 120)),
                max_retries=int(self.spec.options.get("retries", 3)),
            )
        return self._client

    def _failure(self, exc: Exception) -> ModelSourceError:
        """One line for what went wrong, never the key."""
        import openai

        where = f"model {self.spec.name}: {self.url}"
        if isinstance(exc, openai.AuthenticationError):
            variable = self.spec.options.get("api_key_env") or "api_key_env"
            return ModelSourceError(f"{where} refused the API key (401); check the variable {variable}")
        if isinstance(exc, openai.NotFoundError):
            return ModelSourceError(f"{where} has no model {self.served_model!r} (404); check served_model and url")
        if isinstance(exc, openai.APITimeoutError):
            return ModelSourceError(f"{where} did not answer within timeout_s, after retries")
        if isinstance(exc, openai.APIConnectionError):
            return ModelSourceError(f"{where} is not reachable ({exc.__cause__ or exc})")
        if isinstance(exc, openai.APIStatusError):
            return ModelSourceError(f"{where} answered HTTP {exc.status_code} after retries: {str(exc)[:200]}")
        return ModelSourceError(f"{where}: {type(exc).__name__}: {exc}")

    def _post(self, request: Request) -> Any:
        import openai

        body = self._body(request.messages, request.tools)
        try:
            return self.client().chat.completions.with_raw_response.create(
                model=self.served_model,
                temperature=0.0,
                seed=0,
                max_tokens=request.params.max_new_tokens,
                **body,
            )
        except openai.OpenAIError as exc:
            raise self._failure(exc) from None

    def _answer(self, request: Request) -> Generation:
        """One answer; a malformed HTTP 200 is retried like a 5xx (same count, backoff), then one line."""
        tries = 1 + int(self.spec.options.get("retries", 3))
        for attempt in range(tries):
            response = self._post(request)
            completion, problem = read_completion(response)
            if problem is None:
                return self._generation(response, completion)
            if attempt + 1 < tries:
                time.sleep(min(MALFORMED_BACKOFF_S * 2**attempt, 8.0))
        status = response.http_response.status_code
        raise ModelSourceError(
            f"model {self.spec.name}: {self.url}/chat/completions answered HTTP {status} with {problem}"
            f" ({tries} tries); check that url points at an OpenAI-compatible server"
        )

    def _generation(self, response: Any, completion: Any) -> Generation:
        choice = completion.choices[0]
        usage = getattr(completion, "usage", None)
        seconds = float(response.elapsed.total_seconds())
        reason = "length" if getattr(choice, "finish_reason", None) == "length" else "stop"
        return Generation(
            answer_text(choice.message),
            _count(usage, "prompt_tokens"),
            _count(usage, "completion_tokens"),
            seconds,
            reason,
        )

    def stream_chat(self, messages: list[Message], max_tokens: int, temperature: float) -> Iterator[str]:
        """The server's streamed chat completion, piece by piece."""
        import openai

        try:
            stream = self.client().chat.completions.create(
                model=self.served_model, messages=messages, max_tokens=max_tokens, temperature=temperature, stream=True
            )
            for chunk in stream:
                piece = chunk.choices[0].delta.content if chunk.choices else None
                if piece:
                    yield piece
        except openai.OpenAIError as exc:
            raise self._failure(exc) from None

    def generate_stream(self, requests: list[Request], batch_size: int) -> Iterator[tuple[Request, Generation]]:
        """Up to `concurrency` requests in flight; each answer yielded as soon as it arrives. The first
        failure sends nothing more; the answers still in flight are yielded (and so kept), then it is raised."""
        failure: ModelSourceError | None = None
        stop = threading.Event()  # set by the worker that fails, so no other worker starts a request

        def answer_unless_stopped(request: Request) -> Generation | None:
            if stop.is_set():
                return None
            try:
                return self._answer(request)
            except ModelSourceError:
                stop.set()
                raise

        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            futures = {pool.submit(answer_unless_stopped, request): request for request in requests}
            try:
                for future in as_completed(futures):
                    if future.cancelled():
                        continue
                    try:
                        generation = future.result()
                    except ModelSourceError as exc:
                        failure = failure or exc
                        continue
                    if generation is not None:
                        yield futures[future], generation
            finally:
                for future in futures:
                    future.cancel()
        if failure is not None:
            raise failure

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
        self._client = None


def _count(usage: Any, field: str) -> int:
    """A token count from `usage`, 0 where the server sent none (or something else)."""
    value = getattr(usage, field, 0)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
