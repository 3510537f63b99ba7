"""The screened output layer picks exactly the fp32 argmax, including where bf16 alone would not."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from lorabench.decoding.greedy_head import (  # noqa: E402
    ScreenedHead,
    bf16_error_factor,
    bf16_products_are_fast,
    screened_head,
)


def _fp32_argmax(hidden, weight) -> list[int]:
    return torch.nn.functional.linear(hidden, weight).argmax(-1).tolist()


def test_tokens_are_the_fp32_argmax_on_random_rows() -> None:
    generator = torch.Generator().manual_seed(0)
    weight = torch.randn(5000, 96, generator=generator) * 0.1
    hidden = torch.randn(64, 96, generator=generator) * 8
    assert ScreenedHead.of(weight).next_tokens(hidden) == _fp32_argmax(hidden, weight)


def test_close_logits_are_decided_in_fp32_where_bf16_gets_them_wrong() -> None:
    generator = torch.Generator().manual_seed(1)
    weight = torch.randn(300, 64, generator=generator) * 0.1
    direction = torch.randn(64, generator=generator)
    direction /= direction.norm()
    hidden = direction * 10 + torch.randn(40, 64, generator=generator) * 1e-2
    # Token 200 beats token 7 by less than bf16 resolves: both rows are the same in bf16, where the
    # tie goes to token 7.
    weight[200] = (direction * 3).bfloat16().float()
    weight[7] = weight[200] * (1 - 2**-12)
    expected = _fp32_argmax(hidden, weight)
    assert set(expected) == {200}
    bf16_only = torch.nn.functional.linear(hidden.bfloat16(), weight.bfloat16()).float().argmax(-1).tolist()
    assert set(bf16_only) == {7}, "the case must be one bf16 alone gets wrong"
    assert ScreenedHead.of(weight).next_tokens(hidden) == expected


def test_a_tie_goes_to_the_lowest_token_id_as_argmax_does() -> None:
    weight = torch.zeros(10, 4)
    weight[3] = weight[8] = torch.tensor([1.0, 0.0, 0.0, 0.0])
    hidden = torch.tensor([[2.0, 0.0, 0.0, 0.0], [-1.0, 0.0, 0.0, 0.0]])
    assert ScreenedHead.of(weight).next_tokens(hidden) == _fp32_argmax(hidden, weight) == [3, 0]
    assert ScreenedHead.of(weight).next_tokens(hidden[:0]) == []


def test_the_error_bound_holds_for_the_bf16_product() -> None:
    generator = torch.Generator().manual_seed(2)
    weight = torch.randn(4000, 576, generator=generator)
    hidden = torch.randn(16, 576, generator=generator) * 20
    error = (
        torch.nn.functional.linear(hidden.bfloat16(), weight.bfloat16()).float()
        - torch.nn.functional.linear(hidden.double(), weight.double()).float()
    ).abs()
    bound = bf16_error_factor(576) * hidden.norm(dim=1, keepdim=True) * weight.norm(dim=1)
    assert bool((error <= bound).all())


TINY = {
    "vocab_size": 64,
    "hidden_size": 32,
    "intermediate_size": 64,
    "num_hidden_layers": 1,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
}


def _tiny_llama():
    return transformers.LlamaForCausalLM(transformers.LlamaConfig(**TINY)).eval()


@pytest.mark.skipif(not bf16_products_are_fast(), reason="screening is only used with AVX512-BF16")
def test_a_plain_llama_head_is_screened() -> None:
    model = _tiny_llama()
    body, head = screened_head(model)
    assert body is model.get_decoder()
    assert head.weight is model.lm_head.weight


def test_heads_that_are_not_a_plain_fp32_product_are_not_screened() -> None:
    peft = pytest.importorskip("peft")
    model = _tiny_llama()
    assert screened_head(model.to(torch.bfloat16)) is None, "not fp32"
    adapted = peft.get_peft_model(_tiny_llama(), peft.LoraConfig(r=2, target_modules=["q_proj", "lm_head"]))
    assert screened_head(adapted) is None, "an adapter layer on the output"
    gemma = transformers.Gemma2ForCausalLM(transformers.Gemma2Config(**TINY, head_dim=8))
    assert screened_head(gemma) is None, "soft-capped logits"
