"""`rem-agent finetune DATA_DIR`: LoRA training of a bundled GGUF model with peft on torch.

The base loads from the same GGUF the engines run (transformers dequantises it), the
chat is rendered with the GGUF's own template, and the loss is taken on the answer
tokens only (logits are computed for those positions alone: the 151k-word output
layer is a quarter of the 0.5B's compute). Validation loss is measured every
`eval_every` steps on valid.jsonl (held-out phrasing families); the best adapter is
kept, and `checkpoint.pt` lets `--resume` continue a run exactly. The best adapter is
exported for both engines (`rem_agent.train.export`).

Needs the `train` extra (torch, peft); translating never imports this module.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from rem_agent.errors import UsageError

DEFAULT_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj")


class FinetuneConfig(BaseModel):
    data: Path
    out: Path
    model: str | None = None  # a bundled model name or a .gguf path (see resolve_model)
    rank: int = 16
    alpha: float = 32.0
    targets: tuple[str, ...] = DEFAULT_TARGETS
    steps: int | None = None  # None: one pass over train.jsonl
    batch_size: int = 8
    lr: float = 3e-4
    warmup: int = 20
    eval_every: int = 50
    eval_rows: int = 96
    max_rows: int | None = None  # train on the first N rows only
    seed: int = 0
    threads: int | None = None
    resume: bool = False
    name: str | None = None  # the adapter's name (default: "<base model>-rem")


class EvalPoint(BaseModel):
    step: int
    train_loss: float
    valid_loss: float
    tokens_seen: int
    seconds: float


class FinetuneResult(BaseModel):
    out: str
    steps: int
    best_step: int
    best_valid_loss: float
    first_valid_loss: float
    train_tokens: int
    seconds: float
    tokens_per_s: float
    history: list[EvalPoint]
    gguf_adapter: str
    mlx_adapter: str


class Example(BaseModel):
    ids: list[int]
    answer_start: int  # ids[answer_start:] is the answer, end-of-turn included


def _require_train_extra() -> tuple[Any, Any]:
    try:
        import peft
        import torch
    except ImportError:
        raise UsageError("fine-tuning needs torch and peft: pip install -e '.[train]'") from None
    return torch, peft


def load_rows(path: Path) -> list[list[dict[str, str]]]:
    if not path.is_file():
        raise UsageError(f"{path} not found: run `rem-agent data build --out {path.parent}`")
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            messages = json.loads(line)["messages"]
        except (ValueError, KeyError, TypeError):
            raise UsageError(f'{path}:{number}: not a chat row ({{"messages": [...]}})') from None
        if not messages or messages[-1].get("role") != "assistant":
            raise UsageError(f"{path}:{number}: the last message must be the assistant's answer")
        rows.append(messages)
    if not rows:
        raise UsageError(f"{path} holds no rows")
    return rows


class ChatEncoder:
    """Prompt and answer tokens exactly as the engines see them: the GGUF's chat template
    with the generation prompt, then the answer and the end-of-turn token."""

    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer = tokenizer
        self.end_of_turn = tokenizer.convert_tokens_to_ids("<|im_end|>")
        if self.end_of_turn is None or self.end_of_turn == tokenizer.unk_token_id:
            self.end_of_turn = tokenizer.eos_token_id

    def encode(self, messages: list[dict[str, str]]) -> Example:
        prompt = self.tokenizer.apply_chat_template(
            messages[:-1], tokenize=False, add_generation_prompt=True
        )
        prompt_ids = self.tokenizer(prompt, add_special_tokens=False).input_ids
        answer_ids = self.tokenizer(messages[-1]["content"], add_special_tokens=False).input_ids
        return Example(
            ids=[*prompt_ids, *answer_ids, self.end_of_turn], answer_start=len(prompt_ids)
        )


def _batches(examples: list[Example], size: int, rng: random.Random) -> list[list[Example]]:
    """Batches of similar length (little padding), in random order."""
    order = examples[:]
    rng.shuffle(order)
    chunk = size * 16
    batches: list[list[Example]] = []
    for i in range(0, len(order), chunk):
        block = sorted(order[i : i + chunk], key=lambda e: len(e.ids))
        batches.extend(block[j : j + size] for j in range(0, len(block), size))
    rng.shuffle(batches)
    return batches


def _tensors(torch: Any, batch: list[Example], pad: int) -> tuple[Any, Any, Any]:
    width = max(len(e.ids) for e in batch)
    ids = torch.full((len(batch), width), pad, dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    answer = torch.zeros((len(batch), width), dtype=torch.bool)
    for row, e in enumerate(batch):
        ids[row, : len(e.ids)] = torch.tensor(e.ids)
        mask[row, : len(e.ids)] = 1
        answer[row, e.answer_start : len(e.ids)] = True
    return ids, mask, answer


def answer_loss(torch: Any, causal_lm: Any, batch: list[Example], pad: int) -> tuple[Any, int]:
    """Mean cross-entropy over answer tokens; logits only where a label is an answer token."""
    ids, mask, answer = _tensors(torch, batch, pad)
    hidden = causal_lm.model(input_ids=ids, attention_mask=mask).last_hidden_state
    predicts = answer[:, 1:]  # position t predicts token t + 1
    states = hidden[:, :-1][predicts]
    targets = ids[:, 1:][predicts]
    logits = causal_lm.lm_head(states).float()
    return torch.nn.functional.cross_entropy(logits, targets), int(targets.numel())


def _stage_done(progress: Callable[[str], None], stage: str, done: int, total: int) -> None:
    """A model-preparation stage (join, verify) reported once, when it ends."""
    if total and done == total:
        progress(f"{stage}: done")


def load_base(model: str | None, progress: Callable[[str], None]) -> tuple[Any, Any, Path, str]:
    """The causal LM (fp32), tokenizer, GGUF path and model name, from the GGUF the
    engines run."""
    torch, _ = _require_train_extra()
    from transformers import AutoModelForCausalLM

    from rem_agent.models.bundle import local_gguf
    from rem_agent.models.registry import resolve_model
    from rem_agent.models.tokenizer import hf_tokenizer_from_gguf

    source = resolve_model(model)
    if source.kind not in ("bundled", "gguf"):
        raise UsageError("fine-tuning takes a bundled model or a .gguf file (--model)")
    gguf = local_gguf(source, lambda stage, done, total: _stage_done(progress, stage, done, total))
    progress(f"loading {gguf.name} into torch (dequantised, fp32)")
    causal_lm = AutoModelForCausalLM.from_pretrained(
        str(gguf.parent), gguf_file=gguf.name, torch_dtype=torch.float32
    )
    return causal_lm, hf_tokenizer_from_gguf(gguf), gguf, source.name


def lr_factor(step: int, warmup: int, total: int) -> float:
    """The learning rate's multiplier at `step` of `total`: a linear warm-up over `warmup`
    steps, then a cosine from 1 down to 0.1."""
    if step < warmup:
        return (step + 1) / warmup
    done = (step - warmup) / max(1, total - warmup)
    return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, done)))


@dataclass(frozen=True)
class RunState:
    """What a run carries from one step to the next; checkpoint.pt saves all of it."""

    step: int = 0  # optimiser steps done
    tokens: int = 0  # tokens of the batches trained on (padding not counted)
    seconds: float = 0.0  # training time, across resumes
    best: float = math.inf  # the best validation loss after a step
    best_step: int = 0
    history: tuple[EvalPoint, ...] = ()
    best_lora: dict[str, Any] | None = None  # the LoRA weights at best_step

    def stepped(self, tokens: int, seconds: float) -> RunState:
        return replace(self, step=self.step + 1, tokens=self.tokens + tokens, seconds=seconds)

    def evaluated(self, point: EvalPoint, weights: Callable[[], dict[str, Any]]) -> RunState:
        """`point` added to the history; if it is the best so far, `weights()` kept."""
        run = replace(self, history=(*self.history, point))
        if point.valid_loss < self.best:
            run = replace(run, best=point.valid_loss, best_step=point.step, best_lora=weights())
        return run


@dataclass(frozen=True)
class Checkpoint:
    """checkpoint.pt: the run's state and the torch objects' own, all `--resume` needs to
    continue exactly. On disk a plain dict of tensors and builtins (see `save`)."""

    lora: dict[str, Any]
    optimizer: dict[str, Any]
    scheduler: dict[str, Any]
    run: RunState
    torch_rng: Any
    config: dict[str, Any]

    def save(self, torch: Any, path: Path) -> None:
        tmp = path.with_suffix(".tmp")  # a run killed mid-save keeps the previous checkpoint
        run = self.run
        torch.save(
            {
                "lora": self.lora,
                "optimizer": self.optimizer,
                "scheduler": self.scheduler,
                "state": {
                    "step": run.step,
                    "tokens": run.tokens,
                    "seconds": run.seconds,
                    "best": run.best,
                    "best_step": run.best_step,
                },
                "history": [h.model_dump() for h in run.history],
                "best_lora": run.best_lora,
                "torch_rng": self.torch_rng,
                "config": self.config,
            },
            tmp,
        )
        tmp.replace(path)

    @classmethod
    def load(cls, torch: Any, path: Path) -> Checkpoint:
        saved = torch.load(path, weights_only=False)
        run = RunState(
            **saved["state"],
            history=tuple(EvalPoint.model_validate(h) for h in saved["history"]),
            best_lora=saved["best_lora"],
        )
        return cls(
            lora=saved["lora"],
            optimizer=saved["optimizer"],
            scheduler=saved["scheduler"],
            run=run,
            torch_rng=saved["torch_rng"],
            config=saved["config"],
        )


class LoraTrainer:
    """The base model with LoRA layers (peft), its AdamW optimiser and learning-rate
    schedule: `step` trains on one batch, `validate` measures the loss on others."""

    def __init__(
        self, torch: Any, peft: Any, causal_lm: Any, config: FinetuneConfig, *, total: int, pad: int
    ) -> None:
        self.torch, self.peft, self.config, self.pad = torch, peft, config, pad
        lora = peft.LoraConfig(
            r=config.rank,
            lora_alpha=config.alpha,
            lora_dropout=0.0,
            target_modules=list(config.targets),
            bias="none",
            task_type="CAUSAL_LM",
        )
        self.model = peft.get_peft_model(causal_lm, lora)
        self.inner = self.model.base_model.model  # the causal LM with LoRA layers in place
        self.params = [p for p in self.model.parameters() if p.requires_grad]
        self.optimizer = torch.optim.AdamW(self.params, lr=config.lr, weight_decay=0.0)
        warmup = config.warmup
        # A function, not a callable object: LambdaLR would save an object's attributes
        # in the checkpoint.
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(
            self.optimizer, lambda step: lr_factor(step, warmup, total)
        )

    def step(self, batch: list[Example]) -> float:
        """One optimiser step on `batch`; returns the batch's loss before it."""
        loss, _ = answer_loss(self.torch, self.inner, batch, self.pad)
        loss.backward()
        self.torch.nn.utils.clip_grad_norm_(self.params, 1.0)
        self.optimizer.step()
        self.scheduler.step()
        self.optimizer.zero_grad(set_to_none=True)
        return float(loss)

    def validate(self, examples: list[Example]) -> float:
        """The mean loss per answer token over `examples`, in batches of the batch size;
        leaves the model in training mode."""
        self.model.eval()
        losses, counts = [], []
        with self.torch.no_grad():
            for i in range(0, len(examples), self.config.batch_size):
                batch = examples[i : i + self.config.batch_size]
                loss, n = answer_loss(self.torch, self.inner, batch, self.pad)
                losses.append(float(loss) * n)
                counts.append(n)
        self.model.train()
        return sum(losses) / max(1, sum(counts))

    def lora_weights(self) -> dict[str, Any]:
        """A copy of the LoRA weights as they are now."""
        state = self.peft.get_peft_model_state_dict(self.model)
        return {k: v.detach().clone() for k, v in state.items()}

    def checkpoint(self, run: RunState) -> Checkpoint:
        return Checkpoint(
            lora=self.lora_weights(),
            optimizer=self.optimizer.state_dict(),
            scheduler=self.scheduler.state_dict(),
            run=run,
            torch_rng=self.torch.get_rng_state(),
            config=self.config.model_dump(mode="json"),
        )

    def restore(self, checkpoint: Checkpoint) -> RunState:
        """The model, optimiser, schedule and torch RNG as `checkpoint` saved them."""
        self.peft.set_peft_model_state_dict(self.model, checkpoint.lora)
        self.optimizer.load_state_dict(checkpoint.optimizer)
        self.scheduler.load_state_dict(checkpoint.scheduler)
        self.torch.set_rng_state(checkpoint.torch_rng)
        return checkpoint.run


def finetune(
    config: FinetuneConfig,
    *,
    progress: Callable[[str], None] | None = None,
    bar: bool = True,
) -> FinetuneResult:
    torch, peft = _require_train_extra()
    from tqdm import tqdm

    say = progress or (lambda _m: None)
    if config.threads:
        torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    train_rows = load_rows(config.data / "train.jsonl")[: config.max_rows]
    valid_rows = load_rows(config.data / "valid.jsonl")[: config.eval_rows]
    causal_lm, tokenizer, gguf, base_name = load_base(config.model, say)
    encoder = ChatEncoder(tokenizer)
    train = [encoder.encode(r) for r in train_rows]
    valid = [encoder.encode(r) for r in valid_rows]
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else encoder.end_of_turn
    # Derived from the seed and the data, so a resumed run rebuilds the same batches.
    epoch_batches = _batches(train, config.batch_size, random.Random(config.seed))
    total = config.steps or len(epoch_batches)
    trainer = LoraTrainer(torch, peft, causal_lm, config, total=total, pad=pad)

    config.out.mkdir(parents=True, exist_ok=True)
    checkpoint = config.out / "checkpoint.pt"
    run = RunState()
    if config.resume:
        if not checkpoint.is_file():
            raise UsageError(f"--resume: no checkpoint in {config.out}")
        run = trainer.restore(Checkpoint.load(torch, checkpoint))
        say(f"resuming at step {run.step} of {total}")
    if not run.history:
        first = trainer.validate(valid)
        start = EvalPoint(step=0, train_loss=first, valid_loss=first, tokens_seen=0, seconds=0)
        run = replace(run, history=(start,))  # the loss before training is no candidate
        say(f"validation loss before training: {first:.4f}")
    trainer.model.train()
    running: float | None = None  # the training loss, smoothed
    started = time.perf_counter() - run.seconds
    progress_bar = tqdm(
        total=total, initial=run.step, disable=not bar, desc="finetune", unit="step"
    )
    for step in range(run.step, total):
        batch = epoch_batches[step % len(epoch_batches)]  # past one epoch: the same batches again
        loss = trainer.step(batch)
        running = loss if running is None else 0.9 * running + 0.1 * loss
        run = run.stepped(sum(len(e.ids) for e in batch), time.perf_counter() - started)
        progress_bar.set_postfix(loss=f"{running:.3f}", tok_s=f"{run.tokens / run.seconds:.1f}")
        progress_bar.update(1)
        if run.step % config.eval_every == 0 or run.step == total:
            point = EvalPoint(
                step=run.step,
                train_loss=running,
                valid_loss=trainer.validate(valid),
                tokens_seen=run.tokens,
                seconds=round(run.seconds, 1),
            )
            run = run.evaluated(point, trainer.lora_weights)
            progress_bar.write(
                f"step {run.step}: train {running:.4f}, valid {point.valid_loss:.4f} "
                f"(best {run.best:.4f} at {run.best_step})"
            )
            trainer.checkpoint(run).save(torch, checkpoint)
    progress_bar.close()
    best_lora = run.best_lora
    if best_lora is None:  # no validation loss below infinity (NaN)
        best_lora = trainer.lora_weights()
        run = replace(run, best_lora=best_lora, best_step=run.step)
    rows_seen = sum(len(epoch_batches[i % len(epoch_batches)]) for i in range(total))
    return _export(
        config,
        run,
        best_lora=best_lora,
        num_layers=int(causal_lm.config.num_hidden_layers),
        gguf=gguf,
        base_name=base_name,
        train_rows=len(train),
        rows_seen=rows_seen,
    )


def _export(
    config: FinetuneConfig,
    run: RunState,
    *,
    best_lora: dict[str, Any],
    num_layers: int,
    gguf: Path,
    base_name: str,
    train_rows: int,
    rows_seen: int,
) -> FinetuneResult:
    """The best adapter written for both engines with its manifest, and result.json."""
    from rem_agent.models.adapters import AdapterManifest, digest_files, write_manifest
    from rem_agent.train.export import export_adapters

    gguf_path, mlx_dir = export_adapters(
        best_lora,
        config.out,
        rank=config.rank,
        alpha=config.alpha,
        targets=config.targets,
        num_layers=num_layers,
        base=gguf,
        meta={
            "base_model": gguf.name,
            "best_step": run.best_step,
            "best_valid_loss": run.best,
            "config": config.model_dump(mode="json"),
        },
    )
    write_manifest(
        config.out,
        AdapterManifest(
            name=config.name or f"{base_name}-rem",
            base_model=base_name,
            rank=config.rank,
            alpha=config.alpha,
            targets=config.targets,
            sha256=digest_files(config.out),
            trained={
                "data": str(config.data),
                "train_rows_available": train_rows,
                "rows_seen": rows_seen,
                "steps": run.step,
                "best_step": run.best_step,
                "best_valid_loss": round(run.best, 4),
                "first_valid_loss": round(run.history[0].valid_loss, 4),
                "train_tokens": run.tokens,
                "seconds": round(run.seconds, 1),
                "lr": config.lr,
                "batch_size": config.batch_size,
                "seed": config.seed,
            },
        ),
    )
    result = FinetuneResult(
        out=str(config.out),
        steps=run.step,
        best_step=run.best_step,
        best_valid_loss=run.best,
        first_valid_loss=run.history[0].valid_loss,
        train_tokens=run.tokens,
        seconds=round(run.seconds, 1),
        tokens_per_s=round(run.tokens / run.seconds, 2) if run.seconds else 0.0,
        history=list(run.history),
        gguf_adapter=str(gguf_path),
        mlx_adapter=str(mlx_dir),
    )
    (config.out / "result.json").write_text(result.model_dump_json(indent=2) + "\n")
    return result
