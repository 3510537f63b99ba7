"""The refilling batch decoder gives the same greedy tokens as transformers' `generate`, one prompt at a time.

A tiny random Llama stands in for a real model: what is tested is the bookkeeping (joining caches of
different widths, dropping finished rows, trimming padding, per-row limits and end tokens), which a
wrong position id or mask would break at once.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from lorabench.decoding.cpu_attention import register_cpu_attention  # noqa: E402
from lorabench.decoding.greedy_head import bf16_products_are_fast  # noqa: E402
from lorabench.decoding.refill import RefillDecoder, Row  # noqa: E402

END = 3


def _tiny_llama(attention: str):
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
    config._attn_implementation = "sdpa" if attention == "sdpa" else register_cpu_attention()
    return transformers.LlamaForCausalLM(config).eval()


@pytest.fixture(scope="module", params=["sdpa", "lorabench-cpu"])
def model(request: pytest.FixtureRequest):
    return _tiny_llama(request.param)


@pytest.fixture(scope="module")
def cpu_model():
    return _tiny_llama("lorabench-cpu")


def _prompts() -> list[tuple[list[int], int]]:
    generator = torch.Generator().manual_seed(1)
    lengths = [3, 17, 8, 30, 5, 12, 1, 22, 9]
    limits = [12, 4, 20, 7, 16, 1, 9, 14, 6]
    prompts = [
        (torch.randint(4, 64, (length,), generator=generator).tolist(), limit)
        for length, limit in zip(lengths, limits, strict=True)
    ]
    # Prompts that repeat a beginning (as a category's system instructions do), and one repeated whole:
    # the decoder prefills them from where they differ.
    shared = torch.randint(4, 64, (20,), generator=generator).tolist()
    prompts += [(shared + torch.randint(4, 64, (n,), generator=generator).tolist(), 10) for n in (2, 6, 11)]
    prompts.append((list(prompts[-1][0]), 5))
    return prompts


def _reference(model, prompt: list[int], limit: int) -> tuple[list[int], str]:
    config = transformers.GenerationConfig(max_new_tokens=limit, do_sample=False, eos_token_id=END, pad_token_id=0)
    with torch.inference_mode():
        out = model.generate(torch.tensor([prompt]), generation_config=config)[0, len(prompt) :].tolist()
    if END in out:
        return out[: out.index(END)], "stop"
    return out, "length"


@pytest.mark.parametrize("shortest", [4, 128], ids=["groups-by-length", "one-group"])
@pytest.mark.parametrize("spare", [1, 128], ids=["cache-regrown-every-step", "cache-regrown-rarely"])
@pytest.mark.parametrize("batch_size", [1, 3, 16])
def test_batched_greedy_tokens_match_generate_one_at_a_time(model, batch_size: int, spare: int, shortest: int) -> None:
    _assert_same_tokens_as_generate(RefillDecoder(model, frozenset({END}), batch_size, spare, shortest))


def _assert_same_tokens_as_generate(decoder: RefillDecoder) -> None:
    """Every prompt of `_prompts()` finishes with the tokens and finish reason of `generate`."""
    prompts = _prompts()
    finished = list(decoder.run([Row(index, prompt, limit) for index, (prompt, limit) in enumerate(prompts)]))
    assert sorted(row.handle for row in finished) == list(range(len(prompts)))
    for row in finished:
        tokens, reason = _reference(decoder.model, *prompts[row.handle])
        assert (row.tokens, row.finish_reason) == (tokens, reason), f"prompt {row.handle}"
        assert row.seconds > 0


@pytest.mark.parametrize("prefill_budget", [1, 5], ids=["a-prompt-token-per-step", "chunks-of-5"])
@pytest.mark.parametrize("batch_size", [3, 16])
def test_prompts_prefilled_in_chunks_along_decoding_steps_give_the_same_tokens(
    cpu_model, batch_size: int, prefill_budget: int
) -> None:
    """Chunks of a prompt ride along other rows' decoding steps; a prompt that starts while one with the
    same beginning is still being prefilled shares only what that one has already run."""
    decoder = RefillDecoder(cpu_model, frozenset({END}), batch_size, shortest=4, prefill_budget=prefill_budget)
    _assert_same_tokens_as_generate(decoder)


@pytest.mark.parametrize("head", ["screened", "full-fp32"])
def test_the_output_layer_screened_in_bf16_or_not_gives_the_same_tokens(cpu_model, head: str) -> None:
    screen = head == "screened"
    decoder = RefillDecoder(cpu_model, frozenset({END}), 16, shortest=4, prefill_budget=5, screen_output=screen)
    assert (decoder._screened is not None) == (screen and bf16_products_are_fast())
    _assert_same_tokens_as_generate(decoder)


def test_rows_are_yielded_as_they_finish_not_at_the_end(model) -> None:
    prompts = _prompts()
    rows = [Row(index, prompt, limit) for index, (prompt, limit) in enumerate(prompts)]
    decoder = RefillDecoder(model, frozenset({END}), 16)
    stream = decoder.run(rows)
    first = next(stream)
    assert first.finish_reason is not None
    assert any(row.finish_reason is None for row in rows), "the others are still being decoded"
    list(stream)


def test_prompts_of_different_lengths_are_decoded_in_separate_groups(model, monkeypatch) -> None:
    from lorabench.decoding import slot_cache

    created = []
    monkeypatch.setattr(slot_cache.SlotCache, "add_row", _recording(slot_cache.SlotCache.add_row, created))
    rows = [Row(index, prompt, limit) for index, (prompt, limit) in enumerate(_prompts())]
    list(RefillDecoder(model, frozenset({END}), 16, shortest=4).run(rows))
    groups = {id(cache) for cache in created}
    if model.config._attn_implementation == "sdpa":
        assert len(groups) == 1, "transformers' own attention cannot read grouped caches"
    else:
        assert len(groups) >= 4, "prompts of 1 to 41 tokens fall in groups up to 4, 8, 16, 32 and 64"


def _recording(method, calls: list):
    def record(cache, *args):
        calls.append(cache)
        return method(cache, *args)

    return record


def test_slot_cache_right_aligns_rows_and_grows_on_the_left_for_a_longer_prompt() -> None:
    from lorabench.decoding.slot_cache import SlotLayer

    def kv(length: int, first: float) -> torch.Tensor:
        return (first + torch.arange(length, dtype=torch.float32)).reshape(1, 1, length, 1).expand(1, 2, length, 1)

    layer = SlotLayer(spare=1)
    assert layer.add_row(kv(3, 10), kv(3, 10)) == 3  # from an empty window
    assert layer.add_row(kv(5, 20), kv(5, 20)) == 2  # beyond the spare column: regrown on the left
    assert layer.keys[0, 0, 2:, 0].tolist() == [10, 11, 12]
    assert layer.keys[1, 0, :, 0].tolist() == [20, 21, 22, 23, 24]
    step = torch.tensor([[[[1.0]]], [[[2.0]]]]).expand(2, 2, 1, 1)
    keys, _ = layer.update(step, step)
    keys, _ = layer.update(step + 2, step + 2)  # beyond the spare column: regrown on the right
    assert keys[0, 1, 2:, 0].tolist() == [10, 11, 12, 1, 3]
    assert layer.add_row(kv(2, 30), kv(2, 30)) == 0
    layer.drop_leading(2)
    layer.remove_row(0)  # the last row takes its place
    assert layer.keys.shape == (2, 2, 5, 1)
    assert layer.values[0, 0, 3:, 0].tolist() == [30, 31]
    assert layer.values[1, 0, :, 0].tolist() == [22, 23, 24, 2, 4]
    layer.remove_row(1)
    assert layer.keys.shape == (1, 2, 5, 1)
    assert layer.get_seq_length() == 5


def test_a_window_at_the_buffers_right_end_moves_left_in_place_when_it_can() -> None:
    from lorabench.decoding.slot_cache import SlotLayer

    layer = SlotLayer(spare=2)
    prompt = torch.arange(4, dtype=torch.float32).reshape(1, 1, 4, 1)
    layer.add_row(prompt, prompt)  # 4 columns + 2 spare
    step = torch.full((1, 1, 1, 1), 9.0)
    layer.update(step, step)
    layer.update(step + 1, step + 1)  # the spare is used up
    layer.drop_leading(5)  # one column left in the window, five free before it
    buffer = layer.key_buffer
    keys, _ = layer.update(step + 2, step + 2)
    assert layer.key_buffer is buffer, "moved within the buffer, not reallocated"
    assert keys[0, 0, :, 0].tolist() == [10, 11]


def test_a_prompt_shares_only_what_a_stored_prompt_has_already_run(cpu_model) -> None:
    from transformers import DynamicCache

    from lorabench.decoding.prefix_store import PrefixStore

    config = cpu_model.config
    still_filling = DynamicCache(config=config)
    for layer in range(config.num_hidden_layers):
        run_so_far = torch.arange(10, dtype=torch.float32).reshape(1, 1, 10, 1).expand(1, 2, 10, 8)
        still_filling.update(run_so_far, run_so_far, layer)
    store = PrefixStore(min_shared=2)
    stored = list(range(10, 40))
    store.add(stored, still_filling)  # 30 tokens, of which 10 have been run
    cache, shared = store.start([*stored[:25], 1, 2], config)
    assert shared == 10
    assert cache.layers[1].keys[0, 1, :, 0].tolist() == list(range(10))


@pytest.fixture(scope="module")
def sdpa_model():
    return _tiny_llama("sdpa")


@pytest.mark.parametrize("prefill_tokens", [1, 40, 16384], ids=["one-prompt-a-call", "similar-lengths", "all-at-once"])
def test_the_gpu_path_prefills_waiting_prompts_in_left_padded_batches(sdpa_model, prefill_tokens: int) -> None:
    """The CUDA path run on CPU (transformers' sdpa attention): batched prefill gives generate's tokens,
    in fewer model calls than prompts when the budget allows."""
    from lorabench.decoding import batch_prefill

    calls: list[list[int]] = []
    original = batch_prefill.prefill_batch

    def counting(model, prompts):
        calls.append([len(prompt) for prompt in prompts])
        return original(model, prompts)

    decoder = RefillDecoder(sdpa_model, frozenset({END}), 16, prefill_tokens=prefill_tokens)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(batch_prefill, "prefill_batch", counting)
        _assert_same_tokens_as_generate(decoder)
    assert sum(len(batch) for batch in calls) == len(_prompts())
    assert all(batch == sorted(batch) for batch in calls), "each batch holds prompts sorted by length"
    if prefill_tokens == 16384:
        assert len(calls) == 1
    elif prefill_tokens == 40:
        assert 1 < len(calls) < len(_prompts()) and all(len(b) * max(b) <= 40 or len(b) == 1 for b in calls)


def test_length_batches_fit_the_budget() -> None:
    from lorabench.decoding.batch_prefill import length_batches

    prompts = [[1] * n for n in (5, 50, 3, 9, 8, 2)]
    batches = list(length_batches(prompts, 20))
    assert [[len(prompts[i]) for i in batch] for batch in batches] == [[2, 3, 5], [8, 9], [50]]
