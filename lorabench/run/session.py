"""State of one benchmark session: the models, the selected cases, their records, the reports.

Plain Python, no pytest imports, so it is testable on its own; the pytest plugin wires it to hooks.
Each model's part is a `ModelBench` (`lorabench.run.model_bench`), made here from its spec.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field, replace
from typing import Any

from lorabench.backends.base import Backend, BackendContext, ModelSpec
from lorabench.models.registry import build_backend
from lorabench.reports.json_report import write_json
from lorabench.run.cases import CATEGORIES, JUDGE_CATEGORIES, load_cases
from lorabench.run.joint_generation import engine_groups
from lorabench.run.judging import JudgeRun, JudgeSettings, JudgeVerdict, judge_section
from lorabench.run.model_bench import ModelBench
from lorabench.run.model_failure import MODEL_FAULTS, ModelFailure, failure_line
from lorabench.run.settings import Settings

Case = dict[str, Any]


@dataclass
class BenchmarkSession:
    """The run's models (one ModelBench each, made here from their specs), its cases, its judge."""

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

    def __post_init__(self) -> None:
        for spec in self.specs:
            self.benches[spec.name] = ModelBench(spec, self.settings, self.open_backend)
        group = engine_groups(self.specs)
        for name, bench in self.benches.items():
            others = [self.benches[other] for other in group if other != name and group[other] == group.get(name)]
            if others:
                bench.companions = others

    @property
    def model_names(self) -> list[str]:
        return list(self.benches)

    def cases(self) -> dict[str, list[Case]]:
        if self.cases_by_category is None:
            self.cases_by_category = load_cases(self.settings.cases_dir)
        return self.cases_by_category

    def bench(self, name: str) -> ModelBench:
        return self.benches[name]

    def open_backend(self, spec: ModelSpec, shares_engines: bool = True) -> Backend:
        """The backend of a model of the run, which may share an engine with the others (vLLM: a base and its
        adapters), or of the judge (`shares_engines=False`), which gets an engine of its own. Loads nothing."""
        peers, engines = (self.specs, self.engines) if shares_engines else ([], {})
        return build_backend(spec, BackendContext(self.settings.cache_dir, self.cases(), peers, engines))

    def select(self, items: list[tuple[str, Case]]) -> None:
        """Remember, per model, the collected and not deselected cases that need a model answer."""
        judged = self.judge_spec is not None
        for name in self.model_names:
            chosen = [c for m, c in items if m == name and (judged or c["category"] not in JUDGE_CATEGORIES)]
            self.bench(name).selected = chosen

    def judge_run(self) -> JudgeRun:
        if self.judge is None:
            assert self.judge_spec is not None, "no judge configured"
            backend = self.open_backend(self.judge_spec, shares_engines=False)
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
            before = replace(judge.spent)
            bench.judge_verdicts = judge.judge(answers)
            used = {"calls": judge.spent.calls - before.calls, "tokens": judge.spent.tokens - before.tokens}
            seconds = round(judge.spent.seconds - before.seconds, 3)
            bench.judge_section = judge_section(judge) | used | {"seconds": seconds}
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
