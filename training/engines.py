"""The two training engines behind one config: unsloth on CUDA, PEFT + TRL anywhere (CPU included).

Both load a base and its tokenizer, then train a LoRA / rsLoRA adapter with TRL's `SFTTrainer` on the
same pre-tokenized examples (`input_ids` + `assistant_masks`, from training.formatting), so the loss
is on the assistant's tokens only. unsloth and bitsandbytes are imported only inside the functions
that need them: unsloth raises at import on a machine without a GPU.
"""

from __future__ import annotations

import importlib.util
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lorabench.backends.hf_loading import cuda_available
from training.config import TrainConfig


@dataclass
class TrainResult:
    engine: str
    optim: str  # the optimizer actually used
    steps: int
    seconds: float
    train_loss: float | None
    resumed_from: str | None
    notes: list[str] = field(default_factory=list)  # where this run departs from the config, and why


def pick_engine(config: TrainConfig) -> str:
    if config.engine not in ("auto", "unsloth", "peft"):
        raise ValueError(f"--set engine={config.engine}: expected auto, unsloth or peft")
    if config.engine == "unsloth" and not cuda_available():
        raise RuntimeError("engine unsloth needs a CUDA GPU; this machine has none (use --set engine=peft)")
    if config.engine == "auto":
        return "unsloth" if cuda_available() and importlib.util.find_spec("unsloth") else "peft"
    return config.engine


def load_peft_engine(config: TrainConfig, base_dir: Path, notes: list[str]) -> tuple[Any, Any]:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    cuda = cuda_available()
    quantization = None
    if config.load_in_4bit and cuda:
        from transformers import BitsAndBytesConfig

        quantization = BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=torch.bfloat16
        )
    elif config.load_in_4bit:
        notes.append("load_in_4bit ignored: 4-bit needs CUDA; the base was loaded in float32")
    dtype = torch.bfloat16 if cuda else torch.float32
    model = AutoModelForCausalLM.from_pretrained(base_dir, dtype=dtype, quantization_config=quantization)
    return model, AutoTokenizer.from_pretrained(base_dir)


def load_unsloth_engine(config: TrainConfig, base: str) -> tuple[Any, Any]:
    from unsloth import FastLanguageModel
    from unsloth.chat_templates import get_chat_template

    model, tokenizer = FastLanguageModel.from_pretrained(
        model_name=base, max_seq_length=config.max_seq_length, dtype=None, load_in_4bit=config.load_in_4bit
    )
    if config.chat_template == "llama-3.1":
        tokenizer = get_chat_template(tokenizer, chat_template="llama-3.1")
    model = FastLanguageModel.get_peft_model(
        model,
        r=config.r,
        target_modules=list(config.target_modules),
        lora_alpha=config.lora_alpha,
        lora_dropout=config.lora_dropout,
        bias=config.bias,
        use_gradient_checkpointing="unsloth",
        random_state=config.seed,
        use_rslora=config.use_rslora,
    )
    return model, tokenizer


def lora_config(config: TrainConfig) -> Any:
    from peft import LoraConfig

    return LoraConfig(
        r=config.r,
        lora_alpha=config.lora_alpha,
        lora_dropout=config.lora_dropout,
        bias=config.bias,
        target_modules=list(config.target_modules),
        use_rslora=config.use_rslora,
        task_type="CAUSAL_LM",
    )


def _optimizer(config: TrainConfig, notes: list[str]) -> str:
    if "8bit" in config.optim and not (cuda_available() and importlib.util.find_spec("bitsandbytes")):
        notes.append(f"optim {config.optim} needs bitsandbytes on CUDA; adamw_torch was used instead")
        return "adamw_torch"
    return config.optim


def train(
    engine: str, config: TrainConfig, model: Any, tokenizer: Any, examples: list[dict], out: Path, notes: list[str]
) -> TrainResult:
    """Train (resuming from the last checkpoint under `out/checkpoints`), then save the adapter to `out`."""
    from datasets import Dataset
    from transformers.trainer_utils import get_last_checkpoint
    from trl import SFTConfig, SFTTrainer

    checkpoints = out / "checkpoints"
    resume = get_last_checkpoint(str(checkpoints)) if checkpoints.is_dir() else None
    optim = _optimizer(config, notes)
    cuda = cuda_available()
    args = SFTConfig(
        output_dir=str(checkpoints),
        per_device_train_batch_size=config.per_device_train_batch_size,
        gradient_accumulation_steps=config.gradient_accumulation_steps,
        warmup_steps=config.warmup_steps,
        max_steps=config.max_steps,
        learning_rate=config.learning_rate,
        weight_decay=config.weight_decay,
        lr_scheduler_type=config.lr_scheduler_type,
        optim=optim,
        seed=config.seed,
        packing=config.packing,
        max_length=config.max_seq_length,
        logging_steps=config.logging_steps,
        save_steps=config.save_steps,
        report_to="none",
        use_cpu=not cuda,
        bf16=cuda,
    )
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    trainer = SFTTrainer(
        model=model,
        args=args,
        train_dataset=Dataset.from_list(examples),
        processing_class=tokenizer,
        peft_config=lora_config(config) if engine == "peft" else None,
    )
    started = time.perf_counter()
    outcome = trainer.train(resume_from_checkpoint=resume)
    seconds = time.perf_counter() - started
    trainer.model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    loss = outcome.metrics.get("train_loss")
    return TrainResult(engine, optim, trainer.state.global_step, seconds, loss, resume, notes)
