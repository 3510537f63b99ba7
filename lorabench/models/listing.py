"""`pytest --list-models`: every registry entry, where its weights would come from, and whether it can
run on this machine without network access (nothing is loaded or downloaded to find out)."""

from __future__ import annotations

from pathlib import Path

from lorabench.backends.base import BackendContext
from lorabench.models.registry import DEFAULT_MODEL, Registry, build_backend


def availability_of(registry: Registry, name: str, cache_dir: Path) -> tuple[bool, str]:
    spec = registry.specs[name]
    try:
        return build_backend(spec, BackendContext(cache_dir)).availability()
    except Exception as exc:  # a broken entry is listed as such, not a crash of the listing
        return False, f"{type(exc).__name__}: {exc}"


def model_table(registry: Registry, cache_dir: Path) -> list[str]:
    rows = []
    for name in registry.specs:
        ok, where = availability_of(registry, name, cache_dir)
        spec = registry.specs[name]
        label = f"{name} (default)" if name == DEFAULT_MODEL else name
        rows.append((label, spec.backend, "yes" if ok else "no", where, spec.source))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [f"{'model':<{widths[0]}}  {'backend':<{widths[1]}}  {'here':<{max(widths[2], 4)}}  source"]
    for label, backend, ok, where, source in rows:
        defined = "" if source == registry.shipped_source else f"  [from {source}]"
        lines.append(f"{label:<{widths[0]}}  {backend:<{widths[1]}}  {ok:<{max(widths[2], 4)}}  {where}{defined}")
    lines.append(
        "here: can run on this machine now, offline. Add models with --models-file; see lorabench/models/models.toml."
    )
    return lines
