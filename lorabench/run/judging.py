"""Judging open answers: a judge model gives each answer a 1-5 score on its case's rubric.

All of one model's judge cases are judged together, in batches, the first time a judge item needs a
verdict. Replies go through the models' cache loop (`lorabench.run.cached_generation`): each is cached
the moment it is finished (same cache as generations, keyed by the judge's identity and the exact judge
prompt, which contains the model's answer), so a re-run with the same answers costs no judge call, and
an interrupted run resumes where it stopped. A reply with no readable score is asked again (with the
reply and a reminder of the format), at most `retries` times; after that the item is a judge error,
kept with the raw replies, never a failure of the model. A budget (calls, tokens) stops judging
cleanly: the items left are skipped and counted as not judged."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any

from benchmarks.graders.judge_verdict import read_judge_reply
from benchmarks.judge_prompt import judge_messages, prompt_template_sha256
from lorabench.backends.base import Backend, Generation, GenerationParams, Request
from lorabench.run.cache import GenerationCache, generation_key
from lorabench.run.cached_generation import Budget, Spending, batch_size_for, generate_with_cache

Case = dict[str, Any]
JUDGED, JUDGE_ERROR, OVER_BUDGET = "judged", "error", "over budget"


@dataclass
class JudgeSettings:
    """`max_calls`: judge generations this run may make (cached replies are free); `max_tokens`: prompt
    plus reply tokens it may spend (as the judge reports them); `retries`: extra asks per unreadable reply."""

    max_calls: int | None = None
    max_tokens: int | None = None
    retries: int = 2
    max_new_tokens: int = 384
    batch_size: int | None = None  # None: the judge entry's batch_size, else its backend's (not --batch-size)


@dataclass
class JudgeVerdict:
    """The judge's word on one answer. `status`: judged, error (no readable score) or over budget."""

    case_id: str
    status: str
    score: int | None = None
    feedback: str = ""
    replies: list[str] = field(default_factory=list)
    prompt_sha256: str = ""
    from_cache: bool = False
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Pending:
    case: Case
    response: str
    replies: list[str] = field(default_factory=list)
    from_cache: bool = True
    seconds: float = 0.0


class JudgeRun:
    """One judge backend, its cache and its budget, shared by every model of the session."""

    def __init__(self, backend: Backend, cache: GenerationCache | None, settings: JudgeSettings) -> None:
        self.backend = backend
        self.cache = cache if backend.cacheable else None
        self.settings = settings
        self.budget = Budget(settings.max_calls, settings.max_tokens)
        self.spent = Spending()

    def budget_text(self) -> str:
        calls, tokens = self.settings.max_calls, self.settings.max_tokens
        parts = [f"{self.spent.calls} of {calls} calls" if calls is not None else ""]
        if tokens is not None:
            parts.append(f"{self.spent.tokens} of {tokens} tokens")
        return "judge budget exhausted (" + ", ".join(p for p in parts if p) + ")"

    def request(self, pending: _Pending) -> Request:
        messages = judge_messages(pending.case, pending.response, pending.replies)
        prompt = self.backend.render(messages, None)
        params = GenerationParams(max_new_tokens=self.settings.max_new_tokens)
        key = generation_key(self.backend.identity_hash(), prompt, params)
        return Request(pending.case, messages, None, prompt, params, key)

    def judge(self, answers: list[tuple[Case, str]]) -> dict[str, JudgeVerdict]:
        """A verdict for every (case, model answer); ids must be unique."""
        pending = {case["id"]: _Pending(case, response) for case, response in answers}
        verdicts: dict[str, JudgeVerdict] = {}
        for _ in range(1 + self.settings.retries):
            if not pending:
                break
            replies = self._replies([self.request(p) for p in pending.values()])
            for case_id in list(pending):
                state = pending[case_id]
                if case_id not in replies:
                    verdicts[case_id] = self._verdict(state, OVER_BUDGET)
                    del pending[case_id]
                    continue
                generation = replies[case_id]
                state.replies.append(generation.text)
                state.from_cache &= generation.from_cache
                state.seconds += generation.seconds
                reading = read_judge_reply(generation.text)
                if reading.score is not None:
                    verdicts[case_id] = self._verdict(state, JUDGED, reading.score, reading.feedback)
                    del pending[case_id]
        for state in pending.values():
            verdicts[state.case["id"]] = self._verdict(state, JUDGE_ERROR)
        return verdicts

    def _verdict(self, state: _Pending, status: str, score: int | None = None, feedback: str = "") -> JudgeVerdict:
        prompt = self.backend.render(judge_messages(state.case, state.response), None)
        return JudgeVerdict(
            case_id=state.case["id"],
            status=status,
            score=score,
            feedback=feedback,
            replies=state.replies,
            prompt_sha256=hashlib.sha256(prompt.encode()).hexdigest(),
            from_cache=state.from_cache and status != OVER_BUDGET,
            seconds=round(state.seconds, 4),
        )

    def _replies(self, requests: list[Request]) -> dict[str, Generation]:
        """Replies by case id: cached ones, then new ones while the budget lasts, each cached as it arrives."""
        batch_size = batch_size_for(self.backend, self.settings.batch_size)
        replies = generate_with_cache(self.backend, self.cache, requests, batch_size, self.spent, self.budget)
        return {request.case["id"]: generation for request, generation in replies}

    def close(self) -> None:
        self.backend.close()


def judge_section(judge: JudgeRun) -> dict[str, Any]:
    """What a report says about the judge: who it is, how it decodes, which prompt, which limits."""
    settings = judge.settings
    return {
        "name": judge.backend.spec.name,
        "backend": judge.backend.spec.backend,
        "identity": judge.backend.identity(),
        "identity_sha256": judge.backend.identity_hash(),
        "decoding": "greedy (temperature 0)",
        "seed": 0,
        "prompt_template_sha256": prompt_template_sha256(),
        "max_new_tokens": settings.max_new_tokens,
        "retries": settings.retries,
        "max_calls": settings.max_calls,
        "max_tokens": settings.max_tokens,
    }
