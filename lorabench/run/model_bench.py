"""One model's part of a benchmark session: its selected cases, its answers, its records, its report.

Plain Python, no pytest imports; `lorabench.run.session` makes one per model of the run.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.categories import max_new_tokens_for
from benchmarks.instructions import SYSTEM_INSTRUCTIONS, TEMPLATE_DATE
from lorabench.backends.base import Backend, Generation, ModelSpec, Request
from lorabench.models.names import report_file
from lorabench.reports.json_report import REPORT_FORMAT, environment, summarize
from lorabench.run.generation import ModelRun
from lorabench.run.joint_generation import generate_together
from lorabench.run.judging import JudgeVerdict
from lorabench.run.model_failure import MODEL_FAULTS, ModelFailure, failure_line
from lorabench.run.settings import Settings

Case = dict[str, Any]
INTERRUPTED = 2  # pytest's exit status of a run stopped by Ctrl-C
INCOMPLETE_DIR = "incomplete"  # reports/incomplete/: reports of runs that must not replace the last complete ones


@dataclass
class ModelBench:
    """One model's part of the session: its selected cases, its generation run, its records."""

    spec: ModelSpec
    settings: Settings
    open_backend: Callable[[ModelSpec], Backend]  # the session's: builds it in the run's context, loads nothing
    selected: list[Case] = field(default_factory=list)
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    run: ModelRun | None = None
    remote_section: dict[str, Any] | None = None  # the model section a pytest-xdist worker sent
    in_use: bool = False  # released models are loaded again if an item needs them after all
    judge_verdicts: dict[str, JudgeVerdict] | None = None
    judge_section: dict[str, Any] | None = None  # which judge graded this model's answers, at what cost
    failure: str | None = None  # why the model stopped (one line), once it has
    judge_failure: str | None = None  # why the judge stopped while judging this model's answers
    expected_items: int = 0  # collected items of this model (0 where unknown: an xdist controller)
    companions: list[ModelBench] = field(default_factory=list)  # models answered in the same engine pass

    def answer(self, case: Case) -> tuple[Request, Generation]:
        """The request and answer for `case`; a model fault is said once and ends the model's generation:
        its later items get a ModelFailure at once, answers already in are still graded."""
        if self.run is not None and case["id"] in self.run.answers:
            return self.run.request_for(case), self.run.answers[case["id"]]
        if self.failure is not None:
            raise ModelFailure(self.failure)
        try:
            run = self.model_run()
            return run.request_for(case), run.answer(case)
        except MODEL_FAULTS as exc:
            self.fail(failure_line(self.spec.name, exc))
            if self.run is not None and case["id"] in self.run.answers:  # answered before the fault
                return self.run.request_for(case), self.run.answers[case["id"]]
            raise ModelFailure(self.failure) from None

    def fail(self, line: str) -> None:
        if self.failure is None:
            self.failure = line
            self.settings.notices.say(line)

    def model_run(self) -> ModelRun:
        self.in_use = True
        if self.run is None:
            backend, settings = self.open_backend(self.spec), self.settings
            overrides = self.spec.max_new_tokens
            self.run = ModelRun(
                backend, settings.open_cache(), self.selected, settings.batch_size, settings.show_progress, overrides
            )
            if self.companions:
                self.run.together = self._generate_with_companions
        return self.run

    def _generate_with_companions(self) -> None:
        runs = [self.model_run()] + [bench.model_run() for bench in self.companions if bench.selected]
        generate_together(runs, self.settings.show_progress)

    def release(self) -> None:
        """Free the model's weights (and GPU memory) before the next model or the judge loads. Its answers,
        records and cache stay: an item that still lacks an answer reads the cache, then reloads."""
        if self.run is not None and self.in_use:
            self.in_use = False
            self.run.backend.close()

    def close(self) -> None:
        """End of the session: release the model and close its cache."""
        self.release()
        if self.run is not None and self.run.cache is not None:
            self.run.cache.close()

    @property
    def report_path(self) -> Path:
        return report_file(self.settings.reports_dir, self.spec.name, ".json")

    @property
    def html_path(self) -> Path:
        return report_file(self.settings.reports_dir, self.spec.name, ".html")

    def target(self, report: dict[str, Any], suffix: str) -> Path:
        """Where this run's report file goes: `reports/`, or `reports/incomplete/` if it is incomplete."""
        directory = self.settings.reports_dir
        if report.get("incomplete"):
            directory = directory / INCOMPLETE_DIR
        return report_file(directory, self.spec.name, suffix)

    def incomplete_reason(self, exit_status: int) -> str | None:
        """Why this run's report must not replace the previous one (docs/troubleshooting.md), or None.
        Under pytest-xdist the failures happened on a worker and come with its model section."""
        remote = self.remote_section or {}
        failure, judge_failure = (
            self.failure or remote.get("failure"),
            self.judge_failure or remote.get("judge_failure"),
        )
        if failure:
            return f"the model failed: {failure}"
        if judge_failure:
            return f"the judge failed: {judge_failure}"
        if exit_status == INTERRUPTED and not 0 < self.expected_items <= len(self.records):
            return f"interrupted after {len(self.records)} of {self.expected_items or 'its'} items"
        return None

    def model_section(self) -> dict[str, Any]:
        section: dict[str, Any] = {"name": self.spec.name, "backend": self.spec.backend}
        section.update(description=self.spec.description, registry_entry=self.spec.public())
        section.update(failure=self.failure, judge_failure=self.judge_failure)
        if self.run is None:
            return self.remote_section or section
        backend = self.run.backend
        has_tools = any(case["category"] == "function_calling" for case in self.selected)
        try:
            section.update(identity=backend.identity(), identity_sha256=backend.identity_hash())
        except (*MODEL_FAULTS, ValueError) as exc:  # e.g. an adapter config broken since the run started
            section.update(identity={}, identity_error=failure_line(self.spec.name, exc))
        section.update(
            tools_mode=backend.tools_mode if has_tools else None,
            loaded=backend.load_seconds is not None,
            load_seconds=backend.load_seconds,
            adapter_effect=backend.adapter_effect,
            generation_seconds=round(self.run.spent.seconds, 3),
            batch_size=self.run.batch_size,
            judge=self.judge_section,
            cuda_visible_devices=os.environ.get("CUDA_VISIBLE_DEVICES"),  # an xdist worker's GPU(s)
        )
        return section

    def report(self, exit_status: int, started: float, case_files: dict[str, str]) -> dict[str, Any]:
        records = list(self.records.values())
        return {
            "format": REPORT_FORMAT,
            "model": self.model_section(),
            "started_at": dt.datetime.fromtimestamp(started, dt.UTC).isoformat(),
            "duration_seconds": round(time.time() - started, 3),
            "exit_status": exit_status,
            "environment": environment(),
            "generation": {
                "decoding": "greedy",
                "max_new_tokens": max_new_tokens_for(self.spec.max_new_tokens),  # the limits this model ran with
                "cache": self.settings.use_cache,
                "replaced_code_points": sum(r.get("replaced_code_points", 0) for r in records),
            },
            "instructions": SYSTEM_INSTRUCTIONS,
            "template_date": TEMPLATE_DATE,
            "case_files_sha256": case_files,
            "summary": summarize(records),
            "cases": records,
        }
