"""The Qwen2 tokenizer and chat template, rebuilt from a GGUF's metadata alone.

No hub, no tokenizer.json shipped with the weights: the GGUF carries the
byte-level BPE vocabulary, merges, token types and the chat template. We turn
them into a `tokenizers.Tokenizer`, cache the result next to the GGUF (reading
the metadata takes seconds) and, when asked, write the Hugging Face files that
`transformers` and `mlx_lm.load` expect.

Some GGUFs carry bos/eos ids that are not control tokens: `TokenizerInfo` keeps
the file's values but exposes corrected ones (eos → `<|im_end|>`), so generation
never stops on an ordinary token.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict
from tokenizers import (
    AddedToken,
    Regex,
    Tokenizer,
    decoders,
    models,
    normalizers,
    pre_tokenizers,
    processors,
)

from rem_agent.errors import RemAgentError
from rem_agent.models.atomic import atomic_write_text
from rem_agent.models.registry import claim_derived_dir, derived_cache_dir

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerFast

# Qwen2's pre-tokenizer split (tokenizer.ggml.pre == "qwen2"), as in its tokenizer.json.
QWEN2_PRETOKENIZE_REGEX = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}|"
    r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)

# llama.cpp token types (gguf.TokenType): which ones become added tokens, which are unused.
_NORMAL, _CONTROL, _USER_DEFINED, _UNUSED = 1, 3, 4, 5

_CACHE_VERSION = 1


class TokenizerInfo(BaseModel):
    """Everything about the tokenizer that is not the vocabulary itself."""

    model_config = ConfigDict(frozen=True)

    chat_template: str | None
    bos_token_id: int | None  # None: the model takes no BOS (Qwen2)
    eos_token_id: int  # the id generation should stop on
    eos_token_ids: list[int]  # every id that ends a turn
    pad_token_id: int | None
    add_bos_token: bool
    special_tokens: dict[str, int]  # every added token (control + user-defined)
    vocab_size: int  # rows of the embedding matrix (tokens in the GGUF, padding included)
    gguf_bos_token_id: int | None  # as written in the file, possibly wrong
    gguf_eos_token_id: int | None
    gguf_add_bos_token: bool | None

    def token(self, text: str) -> int:
        try:
            return self.special_tokens[text]
        except KeyError:
            raise KeyError(f"{text!r} is not a special token of this tokenizer") from None


class GgufTokenizer(BaseModel):
    """A ready `tokenizers.Tokenizer` and its `TokenizerInfo`."""

    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)

    tokenizer: Tokenizer
    info: TokenizerInfo


class GgufVocab(BaseModel):
    """The tokenizer fields of a GGUF, as stored (ids possibly wrong)."""

    tokens: list[str]
    types: list[int]
    merges: list[str]
    pre: str | None
    model: str
    chat_template: str | None
    bos: int | None
    eos: int | None
    pad: int | None
    add_bos: bool | None


def _field(reader: Any, key: str) -> Any:
    field = reader.fields.get(key)
    return None if field is None else field.contents()


def read_gguf_vocab(gguf: Path) -> GgufVocab:
    from gguf import GGUFReader  # heavy import; only needed on a cache miss

    try:
        reader = GGUFReader(gguf, "r")
    except (OSError, ValueError) as exc:
        raise RemAgentError(f"cannot read GGUF {gguf}: {exc}") from exc
    model = _field(reader, "tokenizer.ggml.model")
    if model != "gpt2":
        raise RemAgentError(
            f"{gguf}: tokenizer model {model!r} is not supported (need byte-level BPE 'gpt2')"
        )
    pre = _field(reader, "tokenizer.ggml.pre")
    if pre not in (None, "qwen2"):
        raise RemAgentError(f"{gguf}: pre-tokenizer {pre!r} is not supported (need 'qwen2')")
    add_bos = _field(reader, "tokenizer.ggml.add_bos_token")
    return GgufVocab(
        tokens=list(_field(reader, "tokenizer.ggml.tokens")),
        types=[int(t) for t in _field(reader, "tokenizer.ggml.token_type")],
        merges=list(_field(reader, "tokenizer.ggml.merges")),
        pre=pre,
        model=model,
        chat_template=_field(reader, "tokenizer.chat_template"),
        bos=_field(reader, "tokenizer.ggml.bos_token_id"),
        eos=_field(reader, "tokenizer.ggml.eos_token_id"),
        pad=_field(reader, "tokenizer.ggml.padding_token_id"),
        add_bos=None if add_bos is None else bool(add_bos),
    )


def _build(raw: GgufVocab) -> GgufTokenizer:
    # Unused padding rows ([PAD151931]…) exist only to round the embedding matrix up;
    # the original tokenizer does not know them, so neither do we.
    added_types = (_CONTROL, _USER_DEFINED)
    typed = list(enumerate(zip(raw.tokens, raw.types, strict=True)))
    vocab = {t: i for i, (t, ty) in typed if ty == _NORMAL}
    merges = [(a, b) for a, b in (m.split(" ", 1) for m in raw.merges)]
    bpe = models.BPE(
        vocab=vocab,
        merges=merges,
        dropout=None,
        unk_token=None,
        continuing_subword_prefix="",
        end_of_word_suffix="",
        fuse_unk=False,
        byte_fallback=False,
    )
    tok = Tokenizer(bpe)
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(QWEN2_PRETOKENIZE_REGEX), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False),
        ]
    )
    # The stubs of `tokenizers` omit these keyword arguments; the library takes them.
    tok.decoder = decoders.ByteLevel(  # type: ignore[call-arg]
        add_prefix_space=False, trim_offsets=False, use_regex=False
    )
    tok.post_processor = processors.ByteLevel(
        add_prefix_space=False, trim_offsets=False, use_regex=False
    )
    special: dict[str, int] = {}
    for i, (text, ty) in typed:
        if ty in added_types:
            # add_tokens assigns the next free id; the GGUF's added tokens follow the
            # BPE vocabulary contiguously, which the check below makes certain.
            added = AddedToken(text, special=ty == _CONTROL, normalized=False)
            if ty == _CONTROL:
                tok.add_special_tokens([added])
            else:
                tok.add_tokens([added])
            special[text] = i
    for text, i in special.items():
        if tok.token_to_id(text) != i:
            raise RemAgentError(
                f"rebuilt tokenizer gives {text!r} id {tok.token_to_id(text)}, GGUF {i}"
            )

    def control(i: int | None) -> bool:
        return i is not None and 0 <= i < len(raw.types) and raw.types[i] == _CONTROL

    # Qwen chat GGUFs say eos=<|im_end|>; fall back to it when a file names a normal token.
    turn_end = [special[t] for t in ("<|im_end|>", "<|endoftext|>") if t in special]
    if control(raw.eos):
        eos = int(raw.eos)  # type: ignore[arg-type]
    elif turn_end:
        eos = turn_end[0]
    else:
        raise RemAgentError("GGUF has no usable end-of-sequence token")
    eos_ids = [eos, *(i for i in turn_end if i != eos)]
    bos = raw.bos if raw.bos is not None and control(raw.bos) else None
    pad = raw.pad if raw.pad is not None and control(raw.pad) else special.get("<|endoftext|>")
    info = TokenizerInfo(
        chat_template=raw.chat_template,
        bos_token_id=bos,
        eos_token_id=eos,
        eos_token_ids=eos_ids,
        pad_token_id=pad,
        add_bos_token=bool(raw.add_bos) and bos is not None,
        special_tokens=special,
        vocab_size=len(raw.tokens),
        gguf_bos_token_id=raw.bos,
        gguf_eos_token_id=raw.eos,
        gguf_add_bos_token=raw.add_bos,
    )
    return GgufTokenizer(tokenizer=tok, info=info)


def tokenizer_cache_dir(gguf: Path) -> Path:
    """Where the rebuilt tokenizer of `gguf` is cached."""
    return derived_cache_dir(gguf, "tokenizer")


def _source_key(gguf: Path) -> dict[str, int]:
    st = gguf.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "version": _CACHE_VERSION}


def tokenizer_from_gguf(gguf: Path, *, cache: bool = True) -> GgufTokenizer:
    """The tokenizer and chat template of a qwen2 GGUF, cached after the first build."""
    gguf = Path(gguf)
    if not gguf.is_file():
        raise RemAgentError(f"GGUF file not found: {gguf}")
    cache_dir = tokenizer_cache_dir(gguf)
    tok_file, info_file = cache_dir / "tokenizer.json", cache_dir / "rem_agent_tokenizer.json"
    if cache and tok_file.is_file() and info_file.is_file():
        try:
            meta = json.loads(info_file.read_text())
            if meta.get("source") == _source_key(gguf):
                return GgufTokenizer(
                    tokenizer=Tokenizer.from_file(str(tok_file)),
                    info=TokenizerInfo.model_validate(meta["info"]),
                )
        except (OSError, ValueError, KeyError):
            pass  # a damaged cache is rebuilt below
    built = _build(read_gguf_vocab(gguf))
    if cache:
        cache_dir = claim_derived_dir(gguf, "tokenizer")
        atomic_write_text(tok_file, built.tokenizer.to_str())
        meta = {"source": _source_key(gguf), "info": built.info.model_dump()}
        atomic_write_text(info_file, json.dumps(meta, indent=2))
    return built


def write_hf_tokenizer_files(built: GgufTokenizer, out_dir: Path) -> list[Path]:
    """Write tokenizer.json, tokenizer_config.json (with the chat template) and
    special_tokens_map.json, the files `transformers`/`mlx_lm.load` read."""
    out_dir.mkdir(parents=True, exist_ok=True)
    info = built.info
    inv = {i: t for t, i in info.special_tokens.items()}
    eos = inv[info.eos_token_id]
    pad = inv.get(info.pad_token_id) if info.pad_token_id is not None else None
    bos = inv.get(info.bos_token_id) if info.bos_token_id is not None else None
    added = {
        str(i): {
            "content": t,
            "lstrip": False,
            "normalized": False,
            "rstrip": False,
            "single_word": False,
            "special": built.tokenizer.get_added_tokens_decoder()[i].special,
        }
        for t, i in sorted(info.special_tokens.items(), key=lambda kv: kv[1])
    }
    config: dict[str, Any] = {
        "tokenizer_class": "Qwen2Tokenizer",
        "add_bos_token": info.add_bos_token,
        "add_prefix_space": False,
        "added_tokens_decoder": added,
        "bos_token": bos,
        "eos_token": eos,
        "pad_token": pad,
        "unk_token": None,
        "clean_up_tokenization_spaces": False,
        "errors": "replace",
        "model_max_length": 32768,
        "split_special_tokens": False,
        "chat_template": info.chat_template,
    }
    special_map = {"eos_token": eos, "pad_token": pad}
    if bos is not None:
        special_map["bos_token"] = bos
    files = {
        "tokenizer.json": built.tokenizer.to_str(),
        "tokenizer_config.json": json.dumps(config, indent=2, ensure_ascii=False),
        "special_tokens_map.json": json.dumps(special_map, indent=2, ensure_ascii=False),
    }
    written = []
    for name, text in files.items():
        path = out_dir / name
        atomic_write_text(path, text)
        written.append(path)
    return written


def hf_tokenizer_from_gguf(gguf: Path) -> PreTrainedTokenizerFast:
    """A `transformers` fast tokenizer (with chat template) rebuilt from a GGUF.

    This is what mlx-lm and outlines want. Raises RemAgentError when
    `transformers` is not installed.
    """
    try:
        from transformers import PreTrainedTokenizerFast
    except ImportError as exc:
        raise RemAgentError("hf_tokenizer_from_gguf needs the 'transformers' package") from exc
    built = tokenizer_from_gguf(gguf)
    hf_dir = tokenizer_cache_dir(Path(gguf)) / "hf"
    if not (hf_dir / "tokenizer_config.json").is_file() or _stale(hf_dir, gguf):
        write_hf_tokenizer_files(built, hf_dir)
        (hf_dir / "source.json").write_text(json.dumps(_source_key(Path(gguf))))
    return PreTrainedTokenizerFast.from_pretrained(str(hf_dir))


def _stale(hf_dir: Path, gguf: Path) -> bool:
    try:
        return json.loads((hf_dir / "source.json").read_text()) != _source_key(gguf)
    except (OSError, ValueError):
        return True
