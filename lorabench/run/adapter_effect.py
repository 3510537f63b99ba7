"""Is the adapter doing anything? Two checks, one at load and one on the outputs.

At load (transformers and unsloth backends): the logits of a few fixed prompts with the adapter enabled
and disabled (peft's `disable_adapter()`). An adapter that changes nothing, such as one with zero B
matrices (peft's default initialisation, saved before any training step) or one whose weights matched
no layer of the base, stops its model: its scores would be the base model's under another name.

On the outputs (comparisons): the share of byte-identical outputs of a pair. Greedy decoding of a
trained adapter still repeats its base on many short answers, so a share alone proves nothing; the
docs/comparing.md gives the shares measured for a real adapter and for the same model twice, which set the two
thresholds below.
"""

from __future__ import annotations

from typing import Any

from lorabench.models.sources import ModelSourceError

LITTLE_EFFECT = 0.5  # share of identical outputs from which a pair gets a warning
NOT_APPLIED = 0.9  # ... and from which the warning says the adapter was probably not applied
NO_LOGIT_CHANGE = 1e-6  # an adapter that moves no logit by more than this changes nothing
PROBE_PROMPTS = (
    "The capital of France is",
    "Question: what is 12 times 7?\nAnswer:",
    'Call the tool: {"name": "get_weather", "arguments": {"city":',
)


def identical_outputs_warning(share: float | None, base: str) -> tuple[str, str] | None:
    """("loud" or "warning", the message) for a pair whose outputs are `share` identical to `base`'s."""
    if share is None or share < LITTLE_EFFECT:
        return None
    percent = f"{100 * share:.0f}% of outputs are byte-identical to {base}'s"
    if share >= NOT_APPLIED:
        return "loud", f"{percent}: the adapter was probably not applied (e.g. a server answering with its base model)"
    return "warning", f"{percent}: little effect, or not applied (e.g. a server answering with its base model)"


def logit_difference(model: Any, tokenizer: Any) -> float:
    """The largest absolute difference of any logit at any position of the probe prompts between the
    model with its peft adapter enabled and disabled."""
    import torch

    largest = 0.0
    with torch.inference_mode():
        for prompt in PROBE_PROMPTS:
            ids = tokenizer(prompt, return_tensors="pt", add_special_tokens=False)["input_ids"].to(model.device)
            enabled = model(input_ids=ids).logits.float()
            with model.disable_adapter():
                disabled = model(input_ids=ids).logits.float()
            largest = max(largest, float((enabled - disabled).abs().max()))
    return largest


def check_adapter_effect(model: Any, tokenizer: Any, name: str, adapter: str) -> dict[str, Any]:
    """What goes into the report's model section; raises the one-line reason when the adapter changes
    nothing."""
    difference = logit_difference(model, tokenizer)
    if difference <= NO_LOGIT_CHANGE:
        raise ModelSourceError(
            f"model {name}: adapter {adapter} changes no logit (largest difference {difference:.2g} on "
            f"{len(PROBE_PROMPTS)} prompts): zero B matrices (an untrained adapter) or target modules that "
            "match no layer of the base"
        )
    return {"max_logit_difference": round(difference, 6), "prompts": len(PROBE_PROMPTS)}
