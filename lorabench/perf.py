"""Measure batched against one-at-a-time generation on a real model, in one run.

    python -m lorabench perf                        # SmolLM2, all 100 deterministic cases, batch 48
    python -m lorabench perf --cases 32 --batch-size 16 --decoder-one-at-a-time --fp32-output-layer
    python -m lorabench perf --categories mcq,situational

Over the same prompts, greedy: lorabench's refilling batches, transformers' `model.generate` one prompt
at a time (the reference), the batches again, and optionally lorabench's decoder one prompt at a time
and the batches with the output layer in plain fp32 instead of screened in bf16. Prints
tokens/s for each, the speed-ups, the share of byte-identical outputs, the load time and the peak
resident memory. Nothing is read from or written to the generation cache.
"""

from __future__ import annotations

import argparse
import resource
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.categories import max_new_tokens_for
from lorabench.backends.base import BackendContext, Generation, Request
from lorabench.backends.hf import TransformersBackend
from lorabench.cli.parser import CommandParser
from lorabench.models.registry import build_backend, resolve
from lorabench.run.cached_generation import batch_size_for
from lorabench.run.cases import JUDGE_CATEGORIES, load_cases
from lorabench.run.generation import model_request

Answers = dict[str, Generation]


def _timed(generate: Callable[[list[Request]], Answers], requests: list[Request]) -> tuple[Answers, float]:
    started = time.perf_counter()
    answers = generate(requests)
    return answers, time.perf_counter() - started


def _one_at_a_time_with_generate(backend: TransformersBackend) -> Callable[[list[Request]], Answers]:
    """transformers' own `generate`, batch of one: the baseline any user would compare with."""
    from transformers import GenerationConfig

    def run(requests: list[Request]) -> Answers:
        model, tokenizer = backend._load(), backend.tokenizer
        end_ids = sorted(backend._end_token_ids(model))
        answers = {}
        for request in requests:
            encoded = tokenizer(request.prompt, return_tensors="pt", add_special_tokens=False).to(model.device)
            config = GenerationConfig(
                max_new_tokens=request.params.max_new_tokens,
                do_sample=False,
                eos_token_id=end_ids,
                pad_token_id=tokenizer.pad_token_id,
            )
            started = time.perf_counter()
            tokens = model.generate(**encoded, generation_config=config)[0, encoded["input_ids"].shape[1] :].tolist()
            kept = tokens[: next((i for i, t in enumerate(tokens) if t in end_ids), len(tokens))]
            text = tokenizer.decode(kept, skip_special_tokens=True, clean_up_tokenization_spaces=False)
            seconds = time.perf_counter() - started
            answers[request.case["id"]] = Generation(text, encoded["input_ids"].shape[1], len(kept), seconds, "")
        return answers

    return run


def _stream(backend: TransformersBackend, batch_size: int, screen: bool = True) -> Callable[[list[Request]], Answers]:
    def run(requests: list[Request]) -> Answers:
        backend.screen_output = screen
        return {request.case["id"]: g for request, g in backend.generate_stream(requests, batch_size)}

    return run


def _tokens(answers: Answers) -> int:
    return sum(g.completion_tokens for g in answers.values())


def _same(a: Answers, b: Answers) -> str:
    same = sum(a[i].text == b[i].text for i in a)
    return f"{same}/{len(a)} = {100 * same / len(a):.1f}%"


def main(argv: list[str] | None = None) -> None:
    parser = CommandParser(
        prog="python -m lorabench perf", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", default="smollm2", help="a transformers-backend model of the registry")
    parser.add_argument(
        "--cases", type=int, default=None, help="how many deterministic cases, round-robin by category (default: all)"
    )
    parser.add_argument(
        "--categories", default=None, help="comma-separated deterministic categories (default: all of them)"
    )
    parser.add_argument(
        "--batch-size",
        type=int,
        default=None,
        help=f"prompts decoded together (default: the entry's, else {TransformersBackend.default_batch_size})",
    )
    parser.add_argument(
        "--decoder-one-at-a-time",
        action="store_true",
        help="also time lorabench's decoder one prompt at a time (separates batching from the decoder)",
    )
    parser.add_argument(
        "--fp32-output-layer",
        action="store_true",
        help="also time the batches with the output layer in plain fp32 (separates the bf16 screening)",
    )
    parser.add_argument("--cache-dir", default=".lorabench", help="where the converted model copy lives")
    args = parser.parse_args(argv)

    by_category = load_cases()
    deterministic = [category for category in by_category if category not in JUDGE_CATEGORIES]
    wanted = args.categories.split(",") if args.categories else deterministic
    unknown = sorted(set(wanted) - set(deterministic))
    if unknown:
        parser.error(f"--categories {','.join(unknown)}: not deterministic categories ({', '.join(deterministic)})")
    pools = [by_category[category] for category in wanted if by_category[category]]
    chosen = [pool[i] for i in range(max(map(len, pools))) for pool in pools if i < len(pool)][: args.cases or None]
    backend = build_backend(resolve(args.model), BackendContext(Path(args.cache_dir), by_category))
    if not isinstance(backend, TransformersBackend):
        parser.error(f"--model {args.model}: perf measures the transformers backend, not {backend.name}")
    args.batch_size = batch_size_for(backend, args.batch_size)
    limits = max_new_tokens_for(backend.spec.max_new_tokens)
    requests = [model_request(backend, case, limits[case["category"]]) for case in chosen]

    started = time.perf_counter()
    backend.generate(requests[:1])  # loads the weights; excluded from every timing
    load_seconds = time.perf_counter() - started

    reference_name, batched_name, again_name, single_name, unscreened_name = (
        "model.generate, one at a time",
        f"lorabench decoder, batches of {args.batch_size}",
        "the same batches, after model.generate",
        "lorabench decoder, one at a time",
        "the same batches, fp32 output layer",
    )
    # The batched run is timed before and after the reference: on this shared 2-core machine a run's
    # speed drifts by several percent, and both figures are printed.
    ways = {
        batched_name: _stream(backend, args.batch_size),
        reference_name: _one_at_a_time_with_generate(backend),
        again_name: _stream(backend, args.batch_size),
    }
    if args.decoder_one_at_a_time:
        ways[single_name] = _stream(backend, 1)
    if args.fp32_output_layer:
        ways[unscreened_name] = _stream(backend, args.batch_size, screen=False)
    measured = {name: _timed(way, requests) for name, way in ways.items()}
    speed = {name: _tokens(answers) / seconds for name, (answers, seconds) in measured.items()}
    reference, batched = measured[reference_name][0], measured[batched_name][0]
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"model {args.model}: {len(requests)} cases, batch size {args.batch_size}")
    print(f"  load + first generation {load_seconds:8.1f} s")
    for name, (answers, seconds) in measured.items():
        print(f"  {name:44s} {_tokens(answers):6d} tokens in {seconds:7.1f} s = {speed[name]:7.1f} tokens/s")
    for name in (batched_name, again_name):
        print(f"  speed-up, {name} vs model.generate one at a time: {speed[name] / speed[reference_name]:.2f}x")
    print(f"  identical greedy outputs, batched vs model.generate: {_same(batched, reference)}")
    print(f"  identical greedy outputs, the two batched runs: {_same(batched, measured[again_name][0])}")
    if single_name in measured:
        print(f"  speed-up, batched vs the same decoder one at a time: {speed[batched_name] / speed[single_name]:.2f}x")
        single = measured[single_name][0]
        print(f"  identical greedy outputs, decoder vs model.generate, both one at a time: {_same(single, reference)}")
    if unscreened_name in measured:
        unscreened = measured[unscreened_name][0]
        ratio = speed[batched_name] / speed[unscreened_name]
        print(f"  speed-up, bf16-screened vs fp32 output layer: {ratio:.2f}x")
        print(f"  identical greedy outputs, screened vs fp32 output layer: {_same(batched, unscreened)}")
    print(f"  peak resident memory: {peak_mib:.0f} MiB")


if __name__ == "__main__":
    main()
