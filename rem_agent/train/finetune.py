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


def _lora_state(peft: Any, model: Any) -> dict[str, Any]:
    return {k: v.detach().clone() for k, v in peft.get_peft_model_state_dict(model).items()}


def finetune(
    config: FinetuneConfig,
    *,
    progress: Callable[[str], None] | None = None,
    bar: bool = True,
) -> FinetuneResult:
    torch, peft = _require_train_extra()
    from tqdm import tqdm

    from rem_agent.models.adapters import AdapterManifest, digest_files, write_manifest
    from rem_agent.train.export import export_adapters

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

    lora = peft.LoraConfig(
        r=config.rank,
        lora_alpha=config.alpha,
        lora_dropout=0.0,
        target_modules=list(config.targets),
        bias="none",
        task_type="CAUSAL_LM",
    )
    model = peft.get_peft_model(causal_lm, lora)
    inner = model.base_model.model  # the causal LM with LoRA layers in place
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=config.lr, weight_decay=0.0)
    # Derived from the seed and the data, so a resumed run rebuilds the same batches.
    epoch_batches = _batches(train, config.batch_size, random.Random(config.seed))
    total = config.steps or len(epoch_batches)

    def schedule(step: int) -> float:
        if step < config.warmup:
            return (step + 1) / config.warmup
        progress_ = (step - config.warmup) / max(1, total - config.warmup)
        return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress_)))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)
    config.out.mkdir(parents=True, exist_ok=True)
    checkpoint = config.out / "checkpoint.pt"
    state = {"step": 0, "tokens": 0, "seconds": 0.0, "best": math.inf, "best_step": 0}
    history: list[EvalPoint] = []
    best_weights: dict[str, Any] | None = None
    if config.resume:
        if not checkpoint.is_file():
            raise UsageError(f"--resume: no checkpoint in {config.out}")
        saved = torch.load(checkpoint, weights_only=False)
        peft.set_peft_model_state_dict(model, saved["lora"])
        optimizer.load_state_dict(saved["optimizer"])
        scheduler.load_state_dict(saved["scheduler"])
        state = saved["state"]
        history = [EvalPoint.model_validate(h) for h in saved["history"]]
        best_weights = saved["best_lora"]
        torch.set_rng_state(saved["torch_rng"])
        say(f"resuming at step {state['step']} of {total}")

    def validate() -> float:
        model.eval()
        losses, counts = [], []
        with torch.no_grad():
            for i in range(0, len(valid), config.batch_size):
                loss, n = answer_loss(torch, inner, valid[i : i + config.batch_size], pad)
                losses.append(float(loss) * n)
                counts.append(n)
        model.train()
        return sum(losses) / max(1, sum(counts))

    def save_checkpoint() -> None:
        tmp = checkpoint.with_suffix(".tmp")
        torch.save(
            {
                "lora": _lora_state(peft, model),
                "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(),
                "state": state,
                "history": [h.model_dump() for h in history],
                "best_lora": best_weights,
                "torch_rng": torch.get_rng_state(),
                "config": config.model_dump(mode="json"),
            },
            tmp,
        )
        tmp.replace(checkpoint)

    if not history:
        first = validate()
        history.append(
            EvalPoint(step=0, train_loss=first, valid_loss=first, tokens_seen=0, seconds=0)
        )
        say(f"validation loss before training: {first:.4f}")
    model.train()
    running: float | None = None
    started = time.perf_counter() - float(state["seconds"])
    progress_bar = tqdm(
        total=total, initial=int(state["step"]), disable=not bar, desc="finetune", unit="step"
    )
    for step in range(int(state["step"]), total):
        batch = epoch_batches[step % len(epoch_batches)]  # past one epoch: the same batches again
        loss, _ = answer_loss(torch, inner, batch, pad)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        value = float(loss)
        running = value if running is None else 0.9 * running + 0.1 * value
        state["tokens"] = int(state["tokens"]) + sum(len(e.ids) for e in batch)
        state["step"] = step + 1
        elapsed = time.perf_counter() - started
        state["seconds"] = elapsed
        progress_bar.set_postfix(loss=f"{running:.3f}", tok_s=f"{state['tokens'] / elapsed:.1f}")
        progress_bar.update(1)
        if state["step"] % config.eval_every == 0 or state["step"] == total:
            valid_loss = validate()
            history.append(
                EvalPoint(
                    step=int(state["step"]),
                    train_loss=running,
                    valid_loss=valid_loss,
                    tokens_seen=int(state["tokens"]),
                    seconds=round(elapsed, 1),
                )
            )
            if valid_loss < float(state["best"]):
                state["best"], state["best_step"] = valid_loss, int(state["step"])
                best_weights = _lora_state(peft, model)
            progress_bar.write(
                f"step {state['step']}: train {running:.4f}, valid {valid_loss:.4f} "
                f"(best {float(state['best']):.4f} at {state['best_step']})"
            )
            save_checkpoint()
    progress_bar.close()
    if best_weights is None:
        best_weights = _lora_state(peft, model)
        state["best_step"] = int(state["step"])
    gguf_path, mlx_dir = export_adapters(
        best_weights,
        config.out,
        rank=config.rank,
        alpha=config.alpha,
        targets=config.targets,
        num_layers=int(causal_lm.config.num_hidden_layers),
        base=gguf,
        meta={
            "base_model": gguf.name,
            "best_step": int(state["best_step"]),
            "best_valid_loss": float(state["best"]),
            "config": config.model_dump(mode="json"),
        },
    )
    seconds = float(state["seconds"])
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
                "train_rows_available": len(train),
                "rows_seen": sum(len(epoch_batches[i % len(epoch_batches)]) for i in range(total)),
                "steps": int(state["step"]),
                "best_step": int(state["best_step"]),
                "best_valid_loss": round(float(state["best"]), 4),
                "first_valid_loss": round(history[0].valid_loss, 4),
                "train_tokens": int(state["tokens"]),
                "seconds": round(seconds, 1),
                "lr": config.lr,
                "batch_size": config.batch_size,
                "seed": config.seed,
            },
        ),
    )
    result = FinetuneResult(
        out=str(config.out),
        steps=int(state["step"]),
        best_step=int(state["best_step"]),
        best_valid_loss=float(state["best"]),
        first_valid_loss=history[0].valid_loss,
        train_tokens=int(state["tokens"]),
        seconds=round(seconds, 1),
        tokens_per_s=round(int(state["tokens"]) / seconds, 2) if seconds else 0.0,
        history=history,
        gguf_adapter=str(gguf_path),
        mlx_adapter=str(mlx_dir),
    )
    (config.out / "result.json").write_text(result.model_dump_json(indent=2) + "\n")
    return result
