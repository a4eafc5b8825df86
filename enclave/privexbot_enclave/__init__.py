"""PrivexBot enclave: the Secret VM hosted process.

An OpenAI-compatible HTTP API (chat completions with SSE streaming, embeddings, models) over
real local models, plus SecretVM-style attestation endpoints. Imports nothing from the
``privexbot`` server package. Importing this package is cheap: the models and the web stack
load only when :func:`main` runs.
"""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["__version__", "main"]


def main(argv: list[str] | None = None) -> int:
    """Run the enclave server (blocks until it stops); returns the process exit code."""
    from .cli import main as _main

    return _main(argv)
