"""Every transformers (and torch) internal the refilling decoder relies on, named in one place.

The decoder reaches below `model.generate`: it registers its own attention function, hands the model
caches of its own, and reads the output layer apart from the body. None of that is a stable public API,
so a transformers upgrade is checked here first. Checked on transformers 5.17.0 with torch 2.13.0 (the
newest that requirements.txt allows; it allows transformers from 5.0); tests/test_refill_decoder.py and
tests/test_greedy_head.py compare the decoder's tokens with `model.generate` and fail when one of these
changed meaning.

Relied on, besides the functions below (all imported lazily, so importing this module stays cheap):
- a model's forward takes `position_ids`, `past_key_values`, `logits_to_keep` (an int or an index
  tensor) and passes unknown keyword arguments (`packed_layout`) through to the attention function;
- the attention function is called as `f(module, query, key, value, attention_mask, scaling=..., **kwargs)`
  and returns (output [batch, tokens, heads, dim], weights); it receives whatever the cache's `update`
  returned as `key` and `value`;
- `Cache(layers=[...])` with a `layers` list; a layer's `update(keys, values)`, its `keys`/`values`,
  `dtype`, `device`, `is_initialized` and `lazy_initialization`; the cache's `update(keys, values,
  layer_idx)`, `get_seq_length()`, and `get_mask_sizes` / `get_query_offset`, which the model's mask
  construction asks before it builds a mask;
- a text config's `layer_types`, `sliding_window` and `num_hidden_layers`, and `config.model_type`;
- peft's `get_base_model()`; a model's `get_output_embeddings()` and `get_decoder()`, whose output has
  `last_hidden_state`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def attention_implementation(model: Any) -> str:
    """The attention implementation a loaded model runs with (a private attribute of its config)."""
    return str(model.config._attn_implementation)


def register_attention(name: str, attention: Callable[..., tuple[Any, Any]]) -> None:
    """Make `attn_implementation=name` use `attention`, with the mask format of transformers' SDPA."""
    from transformers import AttentionInterface, AttentionMaskInterface
    from transformers.masking_utils import sdpa_mask

    AttentionInterface.register(name, attention)
    AttentionMaskInterface.register(name, sdpa_mask)


def cache_base_classes() -> tuple[type, type]:
    """(Cache, DynamicLayer): the classes the decoder's own caches subclass (slot_cache)."""
    from transformers.cache_utils import Cache, DynamicLayer

    return Cache, DynamicLayer


def new_dynamic_cache(config: Any) -> Any:
    """An empty `DynamicCache` for a model's config: one prompt's keys and values as it is prefilled."""
    from transformers import DynamicCache

    return DynamicCache(config=config)


def text_config(config: Any) -> Any:
    """The decoder's own config (a multimodal config nests it)."""
    return config.get_text_config(decoder=True)


def unwrapped(model: Any) -> Any:
    """The model itself when peft wraps it (as it does with an adapter that is not merged)."""
    return model.get_base_model() if hasattr(model, "get_base_model") else model


def output_layer(model: Any) -> Any:
    """The layer that turns hidden states into logits."""
    return model.get_output_embeddings()


def body(model: Any) -> Any:
    """The model without its output layer: called like the model, it returns `last_hidden_state`."""
    return model.get_decoder()


def avx512_bf16_supported() -> bool:
    """Whether this CPU has AVX512-BF16 (also on AMX machines), from a private torch helper."""
    import torch

    return bool(getattr(torch.cpu, "_is_avx512_bf16_supported", lambda: False)())
