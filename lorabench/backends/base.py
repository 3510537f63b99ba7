"""The one interface every backend implements, and the records that cross it."""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, ClassVar

from lorabench.models.spec import ModelSpec
from lorabench.run.prompting import Message, Tools


@dataclass(frozen=True)
class GenerationParams:
    """Decoding settings; part of the cache key, so any change regenerates."""

    max_new_tokens: int
    greedy: bool = True

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Request:
    """One case's prompt for one model. `prompt` is the fully rendered text the model sees."""

    case: dict[str, Any]
    messages: list[Message]
    tools: Tools | None
    prompt: str
    params: GenerationParams
    key: str = ""


@dataclass
class Generation:
    """A finished answer. `seconds` is the case's share of the generation wall time (batched decoding
    splits each step's time among the prompts in it)."""

    text: str
    prompt_tokens: int
    completion_tokens: int
    seconds: float
    finish_reason: str  # "stop" (end of turn) or "length" (hit max_new_tokens)
    from_cache: bool = False
    replaced_code_points: int = 0  # invalid code points (lone surrogates) replaced by U+FFFD (lorabench.run.valid_text)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class BackendContext:
    """What a backend may need from the run besides its spec."""

    cache_dir: Path
    cases_by_category: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    peers: list[ModelSpec] = field(default_factory=list)  # every model of the run (engine sharing)
    engines: dict[str, Any] = field(default_factory=dict)  # engines shared by models of the run, by key


class Backend(ABC):
    """Generates answers for rendered chat prompts; `generate_stream` is the one way answers come out.

    Construction and `identity`/`render` must stay cheap (no weights loaded): a fully cached run
    never calls `generate_stream`, and so never loads the model.
    """

    name: ClassVar[str]  # the registry name, set by @register_backend
    registry_keys: ClassVar[frozenset[str]] = frozenset()  # keys its entries may use, set by @register_backend
    cacheable: ClassVar[bool] = True
    default_batch_size: ClassVar[int] = 8

    def __init__(self, spec: ModelSpec, context: BackendContext) -> None:
        self.spec = spec
        self.context = context
        self.load_seconds: float | None = None  # set when the weights are actually loaded
        self.adapter_effect: dict[str, Any] | None = None  # the load-time adapter check (adapter_effect)

    @abstractmethod
    def identity(self) -> dict[str, Any]:
        """What makes this model's outputs what they are (weights hashes, backend, dtype), not its name."""

    @property
    def tools_mode(self) -> str | None:
        """How function-calling prompts show the tools (chat template or system prompt); None if not rendered."""
        return None

    @abstractmethod
    def render(self, messages: list[Message], tools: Tools | None) -> str:
        """The prompt text for a conversation; used as part of the cache key."""

    @abstractmethod
    def generate_stream(self, requests: list[Request], batch_size: int) -> Iterator[tuple[Request, Generation]]:
        """Every request's answer, yielded as soon as it is finished, so the caller can save it at once
        (an interrupted run keeps what was answered). `batch_size`: prompts decoded together at most.
        Backends that answer whole batches implement it with `stream_by_batch`."""

    def generate(self, batch: list[Request]) -> list[Generation]:
        """The answers to `batch` in its order, for callers that want a list (scripts, perf, tests)."""
        answers = {id(request): generation for request, generation in self.generate_stream(batch, max(len(batch), 1))}
        return [answers[id(request)] for request in batch]

    def stream_chat(self, messages: list[Message], max_tokens: int, temperature: float) -> Iterator[str]:
        """A chat answer to `messages`, piece by piece as it is generated (the chat UI's path)."""
        raise NotImplementedError(f"the {self.name} backend cannot stream chat answers yet")

    @classmethod  # noqa: B027 - an optional hook: most backends have no rule beyond their keys
    def check_registry_entry(cls, table: dict[str, Any], where: str) -> None:
        """Raise a RegistryError naming `where` for a value of one of this backend's own keys it cannot use."""

    def close(self) -> None:  # noqa: B027 - optional hook, most backends hold nothing to release
        """Release memory held by the model."""

    def availability(self) -> tuple[bool, str]:
        """Whether this model can run here without network access, and where its weights come from
        (or what is missing). Cheap: no weights are loaded, nothing is downloaded."""
        return True, "built in"

    def identity_hash(self) -> str:
        blob = json.dumps(self.identity(), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()


def plan_batches(requests: list[Request], batch_size: int) -> Iterator[list[Request]]:
    """Batches of equal decoding parameters and similar prompt length (longest first), to waste little padding."""
    by_params: dict[GenerationParams, list[Request]] = {}
    for request in requests:
        by_params.setdefault(request.params, []).append(request)
    for group in by_params.values():
        group.sort(key=lambda request: len(request.prompt), reverse=True)
        for start in range(0, len(group), batch_size):
            yield group[start : start + batch_size]


def stream_by_batch(
    requests: list[Request], batch_size: int, answer_batch: Callable[[list[Request]], list[Generation]]
) -> Iterator[tuple[Request, Generation]]:
    """`generate_stream` for a backend that answers a whole batch at once (`answer_batch`, answers in order):
    the batches of `plan_batches`, each batch's answers yielded when the batch is done."""
    for batch in plan_batches(requests, batch_size):
        yield from zip(batch, answer_batch(batch), strict=True)


def library_versions(*names: str) -> dict[str, str]:
    """Installed versions of the libraries that shape a backend's outputs (part of its identity)."""
    versions = {}
    for name in names:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = "not installed"
    return versions
