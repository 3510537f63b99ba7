"""Greedy decoding that keeps the batch full: finished rows leave at once, waiting prompts take their place.

Why not `model.generate` on fixed batches: a batch runs until its longest answer ends and prefills
every prompt padded to the longest one, so on the benchmark's mix (a 20-token situational answer next
to a 320-token math derivation, 80-token prompts next to 700-token tool lists) it measured barely
faster than one prompt at a time on SmolLM2. transformers' continuous batching (`generate_batch`)
schedules the right way but is built for GPUs: on a CPU it was slower still and needed far more memory
for its paged KV blocks (docs/speed.md).

How: prompts start in `start_order`, each from where it stops repeating a recently started prompt
(prefix_store). With lorabench's CPU attention every step is one model call over one packed
sequence: a token for each decoding row, then up to `prefill_budget` tokens of the prompts being
prefilled (cpu_attention.PackedLayout). Once their shared beginning is reused most prompts are short,
and a forward pass over twice the tokens costs far less than twice the time (docs/speed.md): a step's
weights are read once for rows and prompt chunks together. A prompt whose last chunk has run joins the
preallocated cache of its group,
right-aligned with the other rows (slot_cache); a row that ends leaves at once. Rows only ever see their
own tokens (the padding is masked), so greedy outputs match one-at-a-time decoding up to
floating-point noise of a different batch shape. With any other attention implementation (CUDA's
"sdpa") the waiting prompts are prefilled in left-padded batches of similar length (batch_prefill) and
all rows share one cache.

Groups of rows by prompt length: row_groups.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from lorabench.decoding.batch_prefill import prefill_rows
from lorabench.decoding.cpu_attention import CPU_ATTENTION, PackedLayout, chunk_mask
from lorabench.decoding.greedy_head import screened_head
from lorabench.decoding.prefix_store import PrefixStore
from lorabench.decoding.row_groups import RowGroup, RowGroups, length_group
from lorabench.decoding.transformers_internals import attention_implementation


@dataclass
class Row:
    """One prompt being answered. `seconds`: its prefill plus its share of every step it took part in."""

    handle: Any
    prompt: list[int]
    limit: int
    tokens: list[int] = field(default_factory=list)
    finish_reason: str | None = None
    seconds: float = 0.0


def start_order(row: Row) -> tuple[float, int]:
    """Answers long for their prompt start first (math derivations: many steps, little to attend to); long
    prompts with short answers (tool lists) come last, so they widen every row's attention window for few
    steps. Faster on the shipped cases than longest prompt first or longest budget first (docs/speed.md)."""
    return row.limit / max(len(row.prompt), 1), row.limit


DECODER_VERSION = "refill-greedy-6"  # part of a model's identity: a decoder change must not reuse cached answers


@dataclass
class _Prefill:
    """A row's prompt on its way into the model, one chunk per step; `cache` holds its first `done` tokens."""

    row: Row
    tokens: list[int]
    cache: Any
    done: int

    @property
    def remaining(self) -> int:
        return len(self.tokens) - self.done


Chunks = list[tuple[_Prefill, int]]  # a step's prompt chunks: which prompt, how many of its next tokens


@dataclass
class RefillDecoder:
    """Greedy decoding of many prompts through one model, at most `batch_size` rows at a time.

    `spare`: extra KV-cache columns allocated whenever a cache must grow (see slot_cache).
    `shortest`: the length bound of the first group (see length_group).
    `prefill_budget`: prompt tokens run along each decoding step.
    `screen_output`: pick tokens through the bf16-screened output layer where it applies (greedy_head).
    Groups and chunked prefill need the model to use lorabench's CPU attention (cpu_attention.py); with
    any other attention implementation all rows decode in one group and prompts are prefilled in batches
    of at most `prefill_tokens` padded tokens."""

    model: Any
    end_ids: frozenset[int]
    batch_size: int
    spare: int = 128
    shortest: int = 128
    prefill_budget: int = 128
    screen_output: bool = True
    prefill_tokens: int = 16384  # padded prompt tokens per batched prefill (the GPU path)

    def __post_init__(self) -> None:
        self._screened = screened_head(self.model) if self.packed and self.screen_output else None

    def run(self, rows: list[Row]) -> Iterator[Row]:
        """Yield each row as soon as it has finished (end of turn, or its own token limit)."""
        if any(not row.prompt for row in rows):
            raise ValueError("the decoder was given an empty prompt: there is no token to continue from")
        queue = deque(sorted(rows, key=start_order, reverse=True))
        groups = RowGroups(self.model.config, self.spare, self.batch_size, self.group_of)
        groups.expect(rows)
        prefixes = PrefixStore()
        prefilling: list[_Prefill] = []
        while True:
            chunks: Chunks = []
            if self.packed:
                chunks = self._plan_chunks(queue, prefilling, groups.live, prefixes)
            while not self.packed and queue and groups.live < self.batch_size:
                yield from self._prefill_waiting(queue, groups)
            active = groups.active()
            if not active and not chunks:
                return
            yield from self._step(active, chunks, prefilling, groups)

    @property
    def packed(self) -> bool:
        """Whether steps pack groups and prompt chunks into one sequence (lorabench's CPU attention)."""
        return attention_implementation(self.model) == CPU_ATTENTION

    def group_of(self, row: Row) -> int:
        return length_group(len(row.prompt), self.shortest) if self.packed else 0

    def _take(self, row: Row, token: int) -> bool:
        """Record the row's greedy token; whether the row has finished."""
        if token in self.end_ids:
            row.finish_reason = "stop"
            return True
        row.tokens.append(token)
        if len(row.tokens) >= row.limit:
            row.finish_reason = "length"
        return row.finish_reason is not None

    def _start_prefill(self, row: Row, prefixes: PrefixStore) -> _Prefill:
        """From where the prompt stops repeating a stored one (also one still being prefilled)."""
        import torch

        tokens = row.prompt + row.tokens
        with torch.inference_mode():  # the KV buffers are inference tensors: written only in this mode
            cache, cached = prefixes.start(tokens, self.model.config)
        prefixes.add(tokens, cache)
        return _Prefill(row, tokens, cache, cached)

    def _plan_chunks(self, queue: deque[Row], prefilling: list[_Prefill], live: int, prefixes: PrefixStore) -> Chunks:
        """This step's prompt chunks within the budget: prompts already started first, then new ones
        while the batch has room."""
        budget, chunks = self.prefill_budget, []
        for prefill in prefilling:
            take = min(budget, prefill.remaining)
            if take:
                chunks.append((prefill, take))
            budget -= take
        while budget > 0 and queue and live + len(prefilling) < self.batch_size:
            prefilling.append(self._start_prefill(queue.popleft(), prefixes))
            take = min(budget, prefilling[-1].remaining)
            chunks.append((prefilling[-1], take))
            budget -= take
        return chunks

    def _prefill_waiting(self, queue: deque[Row], groups: RowGroups) -> list[Row]:
        """Prefill as many waiting rows as the batch has room for, in length-sorted batches
        (batch_prefill), and take their first tokens; the rows that already finished."""
        taken = [queue.popleft() for _ in range(min(self.batch_size - groups.live, len(queue)))]
        finished = []
        for index, token, cache, seconds in prefill_rows(
            self.model, [row.prompt + row.tokens for row in taken], self.prefill_tokens
        ):
            row = taken[index]
            row.seconds += seconds
            if self._take(row, token):
                finished.append(row)
            else:
                groups.join(row, cache)
        return finished

    def _step(
        self,
        groups: list[RowGroup],
        chunks: Chunks,
        prefilling: list[_Prefill],
        all_groups: RowGroups,
    ) -> list[Row]:
        """Decode one token for every row of every group and run this step's prompt chunks; the rows that
        finished, out of their groups. A prompt whose last chunk ran joins its group with its first token."""
        started = time.perf_counter()
        tokens, first_tokens = self._forward(groups, chunks)
        share = (time.perf_counter() - started) / (len(tokens) + sum(take for _, take in chunks))
        finished = []
        for group in groups:
            group_tokens, tokens = tokens[: len(group.rows)], tokens[len(group.rows) :]
            for index in reversed(range(len(group.rows))):  # a removed row's place goes to an already seen one
                row = group.rows[index]
                row.seconds += share
                if self._take(row, group_tokens[index]):
                    finished.append(row)
                    group.remove(index)
        for prefill, take in chunks:
            prefill.row.seconds += share * take
            prefill.done += take
            if prefill.remaining:
                continue
            prefilling.remove(prefill)
            if self._take(prefill.row, first_tokens.pop(0)):
                finished.append(prefill.row)
            else:
                all_groups.join(prefill.row, prefill.cache)
        return finished

    def _forward(self, groups: list[RowGroup], chunks: Chunks) -> tuple[list[int], list[int]]:
        """One model call; the greedy tokens of the decoding rows (groups in order) and of the prompts
        whose last chunk ran."""
        for group in groups:
            group.open_column()
        if not self.packed:
            return self._forward_one_group(groups[0]), []
        return self._forward_packed(groups, chunks)

    def _forward_one_group(self, group: RowGroup) -> list[int]:
        """Rows as a batch of one-token sequences, left padding masked (any attention implementation)."""
        import torch

        last = torch.tensor([[row.tokens[-1]] for row in group.rows], device=self.model.device)
        positions = group.mask.sum(-1, keepdim=True) - 1
        with torch.inference_mode():
            inputs = {"attention_mask": group.mask, "past_key_values": group.cache, "position_ids": positions}
            logits = self.model(input_ids=last, **inputs).logits[:, -1]
        return logits.argmax(-1).tolist()

    def _forward_packed(self, groups: list[RowGroup], chunks: Chunks) -> tuple[list[int], list[int]]:
        """One sequence: a token per decoding row, then the prompt chunks (see cpu_attention.PackedLayout).
        Every matrix product then reads the weights once for rows and prompts together."""
        import torch

        from lorabench.decoding.slot_cache import PackedCache

        device = self.model.device
        ids = [row.tokens[-1] for group in groups for row in group.rows]
        positions = [group.mask.sum(-1) - 1 for group in groups]
        keep = list(range(len(ids)))  # positions whose next-token logits are needed
        for prefill, take in chunks:
            ids += prefill.tokens[prefill.done : prefill.done + take]
            positions.append(torch.arange(prefill.done, prefill.done + take, device=device))
            if take == prefill.remaining:
                keep.append(len(ids) - 1)
        layout = PackedLayout(
            # additive masks made once per step, not converted from booleans in each of the layers
            group_masks=tuple(
                torch.zeros(group.mask.shape, dtype=self.model.dtype, device=device).masked_fill_(
                    ~group.mask, float("-inf")
                )[:, None, None, :]
                for group in groups
            ),
            chunk_masks=tuple(chunk_mask(prefill.done, take, device) for prefill, take in chunks),
            chunk_lengths=tuple(take for _, take in chunks),
        )
        inputs = {
            "input_ids": torch.tensor([ids], device=device),
            "position_ids": torch.cat(positions)[None],
            "past_key_values": PackedCache([g.cache for g in groups], [(p.cache, take) for p, take in chunks]),
            "packed_layout": layout,
        }
        keep_index = torch.tensor(keep, dtype=torch.long, device=device)
        with torch.inference_mode():
            if self._screened is None:
                tokens = self.model(**inputs, logits_to_keep=keep_index).logits[0].argmax(-1).tolist()
            else:
                body, head = self._screened
                tokens = head.next_tokens(body(**inputs).last_hidden_state[0, keep_index])
        rows = sum(len(group.rows) for group in groups)
        return tokens[:rows], tokens[rows:]
