"""The lorabench options a run needs, resolved: where cases, cache and reports live, and how to generate."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lorabench.run.cache import GenerationCache
from lorabench.run.notices import Notices


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
