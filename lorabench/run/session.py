"""State of one benchmark session: the models, the selected cases, their records, the reports.

Plain Python, no pytest imports, so it is testable on its own; the pytest plugin wires it to hooks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.categories import max_new_tokens_for
from benchmarks.instructions import SYSTEM_INSTRUCTIONS, TEMPLATE_DATE
from lorabench.backends.base import BackendContext, Generation, ModelSpec, Request
from lorabench.models.names import report_file
from lorabench.models.registry import build_backend
from lorabench.reports.json_report import REPORT_FORMAT, environment, summarize, write_json
from lorabench.run.cache import GenerationCache
from lorabench.run.cases import CATEGORIES, JUDGE_CATEGORIES, load_cases
from lorabench.run.generation import ModelRun
from lorabench.run.joint_generation import engine_groups, generate_together
from lorabench.run.judging import JudgeRun, JudgeSettings, JudgeVerdict, judge_section
from lorabench.run.model_failure import MODEL_FAULTS, ModelFailure, failure_line
from lorabench.run.notices import Notices

Case = dict[str, Any]
INTERRUPTED = 2  # pytest's exit status of a run stopped by Ctrl-C
INCOMPLETE_DIR = "incomplete"  # reports/incomplete/: reports of runs that must not replace the last complete ones


@dataclass
class Settings:
    """The lorabench command-line options, resolved to absolute paths."""

    cases_dir: Path
    cache_dir: Path
    reports_dir: Path
    use_cache: bool = True
    batch_size: int | None = None
    show_progress: bool = True
    notices: Notices = field(default_factory=Notices)  # faults the run survived, said once each

    def open_cache(self) -> GenerationCache | None:
        """The generation cache (shared by models and the judge), or None with --no-cache."""
        return GenerationCache(self.cache_dir / "cache.sqlite", self.notices) if self.use_cache else None


@dataclass
class ModelBench:
    """One model's part of the session: its selected cases, its generation run, its records."""

    spec: ModelSpec
    settings: Settings
    load_cases: Callable[[], dict[str, list[Case]]]  # the session's (validated once, on first need)
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
    peers: list[ModelSpec] = field(default_factory=list)  # the run's models (engine sharing)
    engines: dict[str, Any] = field(default_factory=dict)  # the run's shared engines, by key
    companions: Callable[[], list[ModelBench]] | None = None  # models answered in the same engine pass

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
            context = BackendContext(self.settings.cache_dir, self.load_cases(), self.peers, self.engines)
            backend = build_backend(self.spec, context)
            cache = self.settings.open_cache()
            batch_size = self.settings.batch_size or self.spec.batch_size
            limits = self.spec.max_new_tokens  # overrides of the table's limits, merged by ModelRun
            self.run = ModelRun(backend, cache, self.selected, batch_size, self.settings.show_progress, limits)
            if self.companions is not None:
                self.run.together = self._generate_with_companions
        return self.run

    def _generate_with_companions(self) -> None:
        runs = [self.model_run()] + [bench.model_run() for bench in (self.companions or list)() if bench.selected]
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
            generation_seconds=round(self.run.generation_seconds, 3),
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


@dataclass
class BenchmarkSession:
    settings: Settings
    specs: list[ModelSpec]
    cases_by_category: dict[str, list[Case]] | None = None
    benches: dict[str, ModelBench] = field(default_factory=dict)
    started: float = field(default_factory=time.time)
    judge_spec: ModelSpec | None = None
    judge_settings: JudgeSettings = field(default_factory=JudgeSettings)
    judge: JudgeRun | None = None
    judge_failure: str | None = None  # why the judge stopped (one line), once it has
    engines: dict[str, Any] = field(default_factory=dict)  # engines shared by several models (vLLM)

    @property
    def model_names(self) -> list[str]:
        return [spec.name for spec in self.specs]

    def cases(self) -> dict[str, list[Case]]:
        if self.cases_by_category is None:
            self.cases_by_category = load_cases(self.settings.cases_dir)
        return self.cases_by_category

    def bench(self, name: str) -> ModelBench:
        if name not in self.benches:
            spec = next(spec for spec in self.specs if spec.name == name)
            bench = ModelBench(spec, self.settings, self.cases, peers=self.specs, engines=self.engines)
            group = engine_groups(self.specs)
            if name in group:
                others = [other for other in self.model_names if other != name and group.get(other) == group[name]]
                bench.companions = lambda: [self.bench(other) for other in others]
            self.benches[name] = bench
        return self.benches[name]

    def select(self, items: list[tuple[str, Case]]) -> None:
        """Remember, per model, the collected and not deselected cases that need a model answer."""
        judged = self.judge_spec is not None
        for name in self.model_names:
            chosen = [c for m, c in items if m == name and (judged or c["category"] not in JUDGE_CATEGORIES)]
            self.bench(name).selected = chosen

    def judge_run(self) -> JudgeRun:
        if self.judge is None:
            assert self.judge_spec is not None, "no judge configured"
            backend = build_backend(self.judge_spec, BackendContext(self.settings.cache_dir, self.cases()))
            self.judge = JudgeRun(backend, self.settings.open_cache(), self.judge_settings)
        return self.judge

    def judge_verdicts(self, bench: ModelBench) -> dict[str, JudgeVerdict]:
        """The judge's verdicts on all of a model's selected judge cases, judged together on first need.
        The model is released first (all its answers are in), so model and judge never share memory.
        A judge fault is said once and ends judging for the session (ModelFailure)."""
        assert self.judge_spec is not None, "no judge configured"
        if self.judge_failure is None:
            try:
                return self._judge_all(bench)
            except MODEL_FAULTS as exc:
                self.judge_failure = failure_line(self.judge_spec.name, exc)
                self.settings.notices.say(self.judge_failure)
        bench.judge_failure = self.judge_failure
        raise ModelFailure(self.judge_failure)

    def _judge_all(self, bench: ModelBench) -> dict[str, JudgeVerdict]:
        if bench.judge_verdicts is None:
            judged = [c for c in bench.selected if c["category"] in JUDGE_CATEGORIES]
            answers = [(c, bench.answer(c)[1].text) for c in judged]
            bench.release()
            judge = self.judge_run()
            calls, tokens, seconds = judge.calls, judge.tokens, judge.seconds
            bench.judge_verdicts = judge.judge(answers)
            used = {"calls": judge.calls - calls, "tokens": judge.tokens - tokens}
            bench.judge_section = judge_section(judge) | used | {"seconds": round(judge.seconds - seconds, 3)}
            judge.close()
        return bench.judge_verdicts

    def close(self) -> None:
        for bench in self.benches.values():
            bench.close()
        if self.judge is not None:
            self.judge.close()
            if self.judge.cache is not None:
                self.judge.cache.close()

    def case_files(self) -> dict[str, str]:
        files = {}
        for category in CATEGORIES:
            path = self.settings.cases_dir / f"{category}.jsonl"
            if path.exists():
                files[path.name] = hashlib.sha256(path.read_bytes()).hexdigest()
        return files

    def write_reports(self, exit_status: int) -> list[dict[str, Any]]:
        """Write the JSON report of every model with records; what was written, in model order. A report
        with `incomplete` set goes to `reports/incomplete/`, never over the last complete one."""
        written, case_files = [], self.case_files()
        for name in self.model_names:
            bench = self.bench(name)
            if not bench.records:
                continue
            try:
                report = bench.report(exit_status, self.started, case_files)
                report["incomplete"] = bench.incomplete_reason(exit_status)
                write_json(bench.target(report, ".json"), report)
            except (OSError, ValueError) as exc:  # one model's report never stops the others'
                self.settings.notices.say(f"model {name}: report not written: {exc}")
                continue
            written.append(report)
        return written
