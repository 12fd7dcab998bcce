"""LoRA training end to end on a tiny random qwen2 with the real tokenizer: the loss
falls, the run resumes exactly, and both exported adapters load in their engines and
move the logits the way the trained peft model does in torch."""

from __future__ import annotations

import itertools
import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")
peft = pytest.importorskip("peft")

from rem_agent.errors import UsageError  # noqa: E402
from rem_agent.models import write_tiny_gguf  # noqa: E402
from rem_agent.models.adapters import load_adapter  # noqa: E402
from rem_agent.train.data import build_dataset  # noqa: E402
from rem_agent.train.export import GGUF_TENSORS, lora_factors  # noqa: E402
from rem_agent.train.finetune import (  # noqa: E402
    ChatEncoder,
    Checkpoint,
    EvalPoint,
    Example,
    FinetuneConfig,
    FinetuneResult,
    LoraTrainer,
    RunState,
    finetune,
    load_base,
    load_rows,
    lr_factor,
)

pytestmark = pytest.mark.slow
ALL_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
PROBE = 'Request: notes about kafka\nDates: none<|im_end|>\n<|im_start|>assistant\nSEARCH "'


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory, bundled_gguf: Path) -> Path:
    root = tmp_path_factory.mktemp("finetune")
    write_tiny_gguf(root / "tiny.gguf", tokenizer_from=bundled_gguf)
    build_dataset(root / "data", n=40, heldout_cases=4)
    # Validation on the training rows: a run that learns anything lowers this loss.
    rows = (root / "data" / "train.jsonl").read_text().splitlines()[:8]
    (root / "data" / "valid.jsonl").write_text("\n".join(rows) + "\n")
    return root


def _config(root: Path, out: str, **overrides: Any) -> FinetuneConfig:
    settings: dict[str, Any] = {
        "data": root / "data",
        "out": root / out,
        "model": str(root / "tiny.gguf"),
        "rank": 8,
        "alpha": 16.0,
        "targets": ALL_TARGETS,  # every projection, so both exports map every tensor kind
        "steps": 12,
        "batch_size": 4,
        "lr": 2e-2,
        "warmup": 1,
        "eval_every": 4,
        "eval_rows": 8,
        "max_rows": 8,
        "seed": 3,
    }
    settings.update(overrides)
    return FinetuneConfig(**settings)


@pytest.fixture(scope="module")
def trained(workdir: Path) -> FinetuneResult:
    return finetune(_config(workdir, "run"), bar=False)


def test_a_few_steps_lower_the_loss(trained: FinetuneResult) -> None:
    # A random tiny model moves slowly; measured here: 11.91 -> 11.78 -> 11.75 -> 11.74.
    losses = [h.valid_loss for h in trained.history]
    assert [h.step for h in trained.history] == [0, 4, 8, 12]
    assert losses == sorted(losses, reverse=True)
    assert trained.best_valid_loss < trained.first_valid_loss - 0.1
    assert trained.train_tokens > 0 and trained.tokens_per_s > 0


def test_the_run_writes_an_adapter_with_a_manifest(trained: FinetuneResult) -> None:
    adapter = load_adapter(Path(trained.out))
    adapter.verify()  # every file's sha256 matches the manifest
    assert adapter.manifest.base_model == "tiny"
    assert adapter.manifest.rank == 8
    assert adapter.manifest.trained["best_step"] == trained.best_step
    config = json.loads((adapter.mlx_dir / "adapter_config.json").read_text())
    assert config["lora_parameters"]["scale"] == pytest.approx(16.0 / 8)
    assert set(config["lora_parameters"]["keys"]) == set(GGUF_TENSORS)


def test_resume_continues_exactly(workdir: Path, trained: FinetuneResult) -> None:
    """Interrupted after step 4 (the checkpoint of step 4 is what a killed run leaves),
    then resumed: the same losses as the uninterrupted run."""
    prefix = workdir / "prefix"
    shutil.rmtree(prefix, ignore_errors=True)
    _stop_after(4, _config(workdir, "prefix"))
    saved = torch.load(prefix / "checkpoint.pt", weights_only=False)
    assert saved["state"]["step"] == 4
    again = finetune(_config(workdir, "prefix", resume=True), bar=False)
    assert again.steps == 12
    assert [round(h.valid_loss, 4) for h in again.history] == [
        round(h.valid_loss, 4) for h in trained.history
    ]


def _stop_after(steps: int, config: FinetuneConfig) -> None:
    """Run `config` but die at the first checkpoint after step `steps`, as a killed run
    would: the checkpoint of step `steps` is the last one written."""
    from rem_agent.train import finetune as module

    class Stop(Exception):
        pass

    real_save = torch.save

    def save_or_die(obj: Any, path: Any) -> None:
        if isinstance(obj, dict) and obj.get("state", {}).get("step", 0) > steps:
            raise Stop
        real_save(obj, path)

    assert module._require_train_extra()[0] is torch  # the trainer saves through this torch
    torch.save = save_or_die
    try:
        with pytest.raises(Stop):
            finetune(config, bar=False)
    finally:
        torch.save = real_save


def _trainer(workdir: Path, seed: int, **overrides: Any) -> tuple[LoraTrainer, list[Example]]:
    """A trainer on the tiny model (LoRA initialised from `seed`) and five training rows."""
    torch.manual_seed(seed)
    causal_lm, tokenizer, _, _ = load_base(str(workdir / "tiny.gguf"), lambda _m: None)
    encoder = ChatEncoder(tokenizer)
    examples = [encoder.encode(r) for r in load_rows(workdir / "data" / "train.jsonl")[:5]]
    config = _config(workdir, "unit", **overrides)
    return LoraTrainer(torch, peft, causal_lm, config, total=10, pad=encoder.end_of_turn), examples


def test_validate_is_the_mean_loss_per_answer_token(workdir: Path) -> None:
    # Batches of 3 over 5 rows: the uneven last batch must weigh by its answer tokens.
    trainer, examples = _trainer(workdir, seed=1, batch_size=3)
    trainer.step(examples[:3])  # LoRA B starts at zero: a step makes the adapter count
    total, count = 0.0, 0
    with torch.no_grad():
        for e in examples:  # one row at a time, full logits: no padding, no answer masking
            logits = trainer.model(input_ids=torch.tensor([e.ids])).logits[0]
            targets = torch.tensor(e.ids[e.answer_start :])
            predicting = logits[e.answer_start - 1 : len(e.ids) - 1]
            total += float(torch.nn.functional.cross_entropy(predicting, targets, reduction="sum"))
            count += len(targets)
    before = trainer.lora_weights()
    trainer.model.eval()
    assert trainer.validate(examples) == pytest.approx(total / count, rel=1e-5)
    assert trainer.model.training  # validation hands the model back ready to train
    after = trainer.lora_weights()
    assert all(torch.equal(before[k], after[k]) for k in before)


def test_step_trains_the_lora_weights_only_at_the_scheduled_rate(workdir: Path) -> None:
    trainer, examples = _trainer(workdir, seed=2, warmup=4)
    batch = examples[:4]
    base = {n: p.detach().clone() for n, p in trainer.model.named_parameters() if "lora_" not in n}
    lora = trainer.lora_weights()
    start = trainer.validate(batch)
    losses = []
    for step in range(3):
        assert trainer.optimizer.param_groups[0]["lr"] == pytest.approx(
            trainer.config.lr * lr_factor(step, 4, 10)
        )
        losses.append(trainer.step(batch))
    assert losses[0] == pytest.approx(start, rel=1e-5)  # the loss before the step
    assert trainer.validate(batch) < start  # three steps on one batch fit it better
    after = dict(trainer.model.named_parameters())
    assert all(torch.equal(after[n], p) for n, p in base.items())
    moved = trainer.lora_weights()
    assert any(not torch.equal(lora[k], moved[k]) for k in lora)


def test_a_restored_checkpoint_steps_exactly_like_the_trainer_that_saved_it(
    workdir: Path, tmp_path: Path
) -> None:
    trainer, examples = _trainer(workdir, seed=3)
    for _ in range(2):
        trainer.step(examples[:4])
    point = EvalPoint(step=2, train_loss=1.0, valid_loss=0.5, tokens_seen=9, seconds=0.1)
    run = RunState(step=2, tokens=9, seconds=0.1).evaluated(point, trainer.lora_weights)
    trainer.checkpoint(run).save(torch, tmp_path / "checkpoint.pt")
    other, _ = _trainer(workdir, seed=4)  # another LoRA initialisation, nothing stepped
    restored = other.restore(Checkpoint.load(torch, tmp_path / "checkpoint.pt"))
    assert restored.history == run.history and restored.best_step == 2 and restored.tokens == 9
    assert restored.best_lora is not None
    assert all(torch.equal(restored.best_lora[k], v) for k, v in trainer.lora_weights().items())
    assert other.step(examples[1:5]) == trainer.step(examples[1:5])
    assert all(torch.equal(v, other.lora_weights()[k]) for k, v in trainer.lora_weights().items())


def test_the_run_keeps_the_weights_of_its_best_validation_only() -> None:
    calls: list[int] = []

    def weights() -> dict[str, Any]:
        calls.append(1)
        return {"w": torch.tensor([float(len(calls))])}

    def point(step: int, valid: float) -> EvalPoint:
        return EvalPoint(step=step, train_loss=1.0, valid_loss=valid, tokens_seen=step, seconds=0)

    run = RunState().evaluated(point(4, 2.0), weights).evaluated(point(8, 2.5), weights)
    assert (run.best, run.best_step, len(calls)) == (2.0, 4, 1)
    run = run.evaluated(point(12, 1.5), weights)
    assert (run.best, run.best_step, len(calls)) == (1.5, 12, 2)
    assert [h.step for h in run.history] == [4, 8, 12]
    assert run.best_lora is not None and float(run.best_lora["w"]) == 2.0


def test_the_learning_rate_warms_up_linearly_then_falls_to_a_tenth() -> None:
    warmup, total = 4, 20
    factors = [lr_factor(step, warmup, total) for step in range(total + 5)]
    assert factors[:warmup] == [(s + 1) / warmup for s in range(warmup)]
    assert factors[warmup] == pytest.approx(1.0)
    decay = factors[warmup:total]
    assert all(a > b for a, b in itertools.pairwise(decay))
    assert factors[total:] == [pytest.approx(0.1)] * 5  # past the end: the floor


def test_resume_without_a_checkpoint_is_a_usage_error(workdir: Path) -> None:
    with pytest.raises(UsageError, match="no checkpoint"):
        finetune(_config(workdir, "nothing-here", resume=True), bar=False)


def _torch_logits(
    workdir: Path, trained: FinetuneResult
) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Last-position logits of the tiny model in torch, without and with the trained LoRA."""
    model, tokenizer, _, _ = load_base(str(workdir / "tiny.gguf"), lambda _m: None)
    ids = tokenizer(PROBE, add_special_tokens=False).input_ids
    with torch.no_grad():
        base = model(torch.tensor([ids])).logits[0, -1].numpy().copy()
        saved = torch.load(Path(trained.out) / "checkpoint.pt", weights_only=False)
        config = peft.LoraConfig(r=8, lora_alpha=16.0, target_modules=list(ALL_TARGETS))
        adapted_model = peft.get_peft_model(model, config)
        peft.set_peft_model_state_dict(adapted_model, saved["best_lora"])
        adapted = adapted_model(torch.tensor([ids])).logits[0, -1].numpy().copy()
    return base, adapted, ids


def _agree(delta: np.ndarray, reference: np.ndarray) -> float:
    return float(np.corrcoef(delta, reference)[0, 1])


def test_the_gguf_adapter_loads_in_llama_cpp_and_moves_logits_like_peft(
    workdir: Path, trained: FinetuneResult
) -> None:
    llama_cpp = pytest.importorskip("llama_cpp")
    base_t, adapted_t, ids = _torch_logits(workdir, trained)

    def last_logits(lora: str | None) -> np.ndarray:
        llama = llama_cpp.Llama(
            model_path=str(workdir / "tiny.gguf"),
            n_ctx=256,
            lora_path=lora,
            logits_all=True,  # else `scores` stays empty after eval
            verbose=False,
        )
        llama.eval(ids)
        return np.array(llama.scores[len(ids) - 1], dtype=np.float32)

    base_l = last_logits(None)
    adapted_l = last_logits(trained.gguf_adapter)
    n = min(len(base_t), len(base_l))
    delta_l, delta_t = (adapted_l - base_l)[:n], (adapted_t - base_t)[:n]
    assert np.abs(delta_l).max() > 1e-3, "the adapter changes llama.cpp's logits"
    assert _agree(delta_l, delta_t) > 0.98


def test_the_mlx_adapter_loads_in_mlx_lm_and_moves_logits_like_peft(
    workdir: Path, trained: FinetuneResult
) -> None:
    mx = pytest.importorskip("mlx.core")
    from mlx_lm import load as mlx_load

    from rem_agent.models.gguf_to_mlx import convert

    base_t, adapted_t, ids = _torch_logits(workdir, trained)
    mlx_dir = convert(workdir / "tiny.gguf", workdir / "tiny-mlx")

    def last_logits(adapter_path: str | None) -> np.ndarray:
        model, _ = mlx_load(str(mlx_dir), adapter_path=adapter_path)
        out = model(mx.array([ids]))[0, -1].astype(mx.float32)
        return np.array(out)

    base_m = last_logits(None)
    adapted_m = last_logits(trained.mlx_adapter)
    n = min(len(base_t), len(base_m))
    delta_m, delta_t = (adapted_m - base_m)[:n], (adapted_t - base_t)[:n]
    assert np.abs(delta_m).max() > 1e-3, "the adapter changes MLX's logits"
    assert _agree(delta_m, delta_t) > 0.98


def test_training_tokens_are_the_chat_template_plus_the_answer(bundled_gguf: Path) -> None:
    from rem_agent.models.tokenizer import hf_tokenizer_from_gguf

    encoder = ChatEncoder(hf_tokenizer_from_gguf(bundled_gguf))
    messages = [
        {"role": "system", "content": "Write the one REM query for this search-bar request."},
        {"role": "user", "content": "Request: kafka\nDates: none"},
        {"role": "assistant", "content": 'SEARCH "kafka" IN resources'},
    ]
    example = encoder.encode(messages)
    text = encoder.tokenizer.decode(example.ids)
    assert text.endswith('<|im_start|>assistant\nSEARCH "kafka" IN resources<|im_end|>')
    answer = encoder.tokenizer.decode(example.ids[example.answer_start :])
    assert answer == 'SEARCH "kafka" IN resources<|im_end|>'


def test_lora_factors_reject_what_is_not_a_layer_factor() -> None:
    with pytest.raises(ValueError, match="not a LoRA factor"):
        lora_factors({"base_model.model.lm_head.weight": np.zeros((2, 2))})


def test_model_preparation_progress_is_reported_in_the_trainers_one_argument_form() -> None:
    # local_gguf reports (stage, done, total); the trainer's progress takes one message.
    from rem_agent.train.finetune import _stage_done

    seen: list[str] = []
    for done in (0, 1, 2):
        _stage_done(seen.append, "join", done, 2)
    _stage_done(seen.append, "verify", 0, 0)  # size unknown: nothing to report yet
    assert seen == ["join: done"]
