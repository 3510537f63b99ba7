"""The refilling decoder's rows, in groups by prompt length, each group with its own KV window.

Why groups: prompts within a factor two in length share a cache, so a 60-token question never attends
over the padding of a 900-token tool list: every step reads each group's keys only as wide as its own
longest row: a single shared cache would read mostly padding when prompt lengths differ widely.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lorabench.decoding.refill import Row


def length_group(length: int, shortest: int) -> int:
    """Prompts within a factor two share a group: 0 up to `shortest` tokens, 1 up to twice that, ..."""
    group = 0
    while length > shortest << group:
        group += 1
    return group


@dataclass
class RowGroup:
    """Rows in one KV cache, stacked in its order; `mask[r, c]`: row r attends to window column c."""

    cache: Any
    rows: list[Row] = field(default_factory=list)
    mask: Any = None

    def add(self, row: Row, prompt_cache: Any) -> None:
        import torch

        with torch.inference_mode():  # the KV buffers are inference tensors: written only in this mode
            grown = self.cache.add_row(prompt_cache)
        device = prompt_cache.layers[0].keys.device
        mask = torch.zeros((len(self.rows) + 1, self.cache.width), dtype=torch.bool, device=device)
        if self.mask is not None:
            mask[:-1, grown:] = self.mask
        mask[-1, self.cache.width - prompt_cache.get_seq_length() :] = True
        self.mask = mask
        self.rows.append(row)

    def remove(self, index: int) -> None:
        """The last row takes the place of row `index` (in the cache too)."""
        import torch

        with torch.inference_mode():
            self.cache.remove_row(index)
        self.mask[index] = self.mask[-1]
        self.mask = self.mask[:-1]
        self.rows[index] = self.rows[-1]
        self.rows.pop()

    def open_column(self) -> None:
        """Drop columns no row needs any more; open the column of this step's token."""
        import torch

        first_used = int(self.mask.any(dim=0).nonzero()[0])
        if first_used:
            self.cache.drop_leading(first_used)
            self.mask = self.mask[:, first_used:]
        self.mask = torch.cat([self.mask, self.mask.new_ones((len(self.rows), 1))], dim=1)


@dataclass
class RowGroups:
    """The rows being decoded, by group; a group's cache is sized from what the whole queue holds for it
    (at most `batch_size` rows). `group_of` gives a row's group key."""

    config: Any
    spare: int
    batch_size: int
    group_of: Callable[[Row], int]
    expected: dict[int, tuple[int, int]] = field(default_factory=dict)  # per group: rows, longest prompt
    by_key: dict[int, RowGroup] = field(default_factory=dict)

    def expect(self, rows: list[Row]) -> None:
        for row in rows:
            key = self.group_of(row)
            count, longest = self.expected.get(key, (0, 0))
            self.expected[key] = count + 1, max(longest, len(row.prompt))

    @property
    def live(self) -> int:
        return sum(len(group.rows) for group in self.by_key.values())

    def active(self) -> list[RowGroup]:
        return [group for group in self.by_key.values() if group.rows]

    def join(self, row: Row, prompt_cache: Any) -> None:
        from lorabench.decoding.slot_cache import SlotCache

        key = self.group_of(row)
        if key not in self.by_key:
            count, longest = self.expected[key]
            self.by_key[key] = RowGroup(SlotCache(self.config, self.spare, min(count, self.batch_size), longest))
        self.by_key[key].add(row, prompt_cache)
