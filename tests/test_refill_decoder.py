"""The refilling batch decoder gives the same greedy tokens as transformers' `generate`, one prompt at a time.

A tiny random Llama stands in for a real model: what is tested is the bookkeeping (joining caches of
different widths, dropping finished rows, trimming padding, per-row limits and end tokens), which a
wrong position id or mask would break at once.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from fixtures.backends.refill import RefillDecoder, Row, register_cpu_attention  # noqa: E402

END = 3


@pytest.fixture(scope="module", params=["sdpa", "lorabench-cpu"])
def model(request: pytest.FixtureRequest):
    torch.manual_seed(0)
    config = transformers.LlamaConfig(
        vocab_size=64,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=256,
        eos_token_id=END,
        pad_token_id=0,
        initializer_range=0.5,  # sharp, position-sensitive logits: an off-by-one position changes tokens
        rope_parameters={"rope_type": "default", "rope_theta": 10.0},
    )
    config._attn_implementation = "sdpa" if request.param == "sdpa" else register_cpu_attention()
    return transformers.LlamaForCausalLM(config).eval()


def _prompts() -> list[tuple[list[int], int]]:
    generator = torch.Generator().manual_seed(1)
    lengths = [3, 17, 8, 30, 5, 12, 1, 22, 9]
    limits = [12, 4, 20, 7, 16, 1, 9, 14, 6]
    return [
        (torch.randint(4, 64, (length,), generator=generator).tolist(), limit)
        for length, limit in zip(lengths, limits, strict=True)
    ]


def _reference(model, prompt: list[int], limit: int) -> tuple[list[int], str]:
    config = transformers.GenerationConfig(max_new_tokens=limit, do_sample=False, eos_token_id=END, pad_token_id=0)
    with torch.inference_mode():
        out = model.generate(torch.tensor([prompt]), generation_config=config)[0, len(prompt) :].tolist()
    if END in out:
        return out[: out.index(END)], "stop"
    return out, "length"


@pytest.mark.parametrize("batch_size", [1, 3, 16])
def test_batched_greedy_tokens_match_generate_one_at_a_time(model, batch_size: int) -> None:
    prompts = _prompts()
    rows = [Row(index, prompt, limit) for index, (prompt, limit) in enumerate(prompts)]
    finished = list(RefillDecoder(model, frozenset({END}), batch_size).run(rows))
    assert sorted(row.handle for row in finished) == list(range(len(prompts)))
    for row in finished:
        tokens, reason = _reference(model, *prompts[row.handle])
        assert (row.tokens, row.finish_reason) == (tokens, reason), f"prompt {row.handle}"
        assert row.seconds > 0


def test_rows_are_yielded_as_they_finish_not_at_the_end(model) -> None:
    prompts = _prompts()
    rows = [Row(index, prompt, limit) for index, (prompt, limit) in enumerate(prompts)]
    decoder = RefillDecoder(model, frozenset({END}), 16)
    stream = decoder.run(rows)
    first = next(stream)
    assert first.finish_reason is not None
    assert any(row.finish_reason is None for row in rows), "the others are still being decoded"
    list(stream)
