"""Settings: embedded defaults, environment parsing, and refusals that protect production."""

from __future__ import annotations

import pytest

from privexbot import config

PRODUCTION = {
    "PRIVEXBOT_ENV": "production",
    "DATABASE_URL": "postgresql://db/privexbot",
    "REDIS_URL": "redis://cache:6379/0",
    "JWT_KEYS": "k2:" + "s" * 40 + ",k1:" + "t" * 40,
    "INFERENCE_API_KEY": "secret-ai-key",
    "CORS_ALLOWED_ORIGIN_REGEX": r"https://app\.example\.com",
    "CHATFLOW_SECRETS_KEY": "c" * 40,
    "CHANNEL_SECRETS_KEY": "d" * 40,
    "SMTP_HOST": "smtp.example.com",
}


def test_embedded_defaults():
    settings = config.load(environ={})
    assert settings.database_url.startswith("sqlite")
    assert settings.redis_url == "" and settings.reflection and settings.workers == 1
    assert settings.access_token_ttl_seconds == 900


def test_production_parses_the_environment_and_turns_reflection_off():
    settings = config.load(environ=PRODUCTION)
    assert settings.production and not settings.reflection
    assert [kid for kid, _ in settings.jwt_key_ring] == ["k2", "k1"]
    assert config.load(environ={**PRODUCTION, "GRPC_REFLECTION": "on"}).reflection
    assert settings.require_verified_email and not config.load(environ={}).require_verified_email
    off = config.load(environ={**PRODUCTION, "REQUIRE_VERIFIED_EMAIL": "off"})
    assert not off.require_verified_email


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"JWT_KEYS": f"dev:{config.DEV_JWT_KEY}"}, "JWT"),
        ({"JWT_KEYS": "k:short"}, "JWT"),
        ({"INFERENCE_API_KEY": "dev-enclave-key"}, "INFERENCE_API_KEY"),
        ({"DATABASE_URL": "sqlite:///x.db"}, "DATABASE_URL"),
        ({"REDIS_URL": ""}, "REDIS_URL"),
        ({"ACCESS_TOKEN_TTL_SECONDS": "3600"}, "15 minutes"),
        ({"WORKERS": "many"}, "WORKERS"),
        ({"GRPC_REFLECTION": "maybe"}, "boolean"),
        ({"CORS_ALLOWED_ORIGIN_REGEX": ".*"}, "CORS_ALLOWED_ORIGIN_REGEX"),
        ({"TRUSTED_PROXIES": "10.0.0.0/33"}, "TRUSTED_PROXIES"),
        ({"CHATFLOW_SECRETS_KEY": "dev-chatflow-secrets-key-change-me"}, "CHATFLOW_SECRETS_KEY"),
        ({"CHANNEL_SECRETS_KEY": "dev-channel-secrets-key-change-me"}, "CHANNEL_SECRETS_KEY"),
        ({"SMTP_HOST": ""}, "SMTP_HOST"),
        ({"SMTP_SECURITY": "maybe"}, "SMTP_SECURITY"),
    ],
)
def test_unsafe_or_malformed_settings_are_refused(change, complaint):
    with pytest.raises(config.ConfigError, match=complaint):
        config.load(environ={**PRODUCTION, **change})


def test_several_workers_need_shared_state():
    with pytest.raises(config.ConfigError, match="REDIS_URL.*MILVUS_URI.*DATABASE_URL"):
        config.load(environ={"WORKERS": "2"})
    shared = {**PRODUCTION, "WORKERS": "2", "MILVUS_URI": "http://milvus:19530"}
    assert config.load(environ=shared).workers == 2


def test_every_setting_has_an_environment_variable():
    fields = set(config.Settings.__dataclass_fields__)
    assert set(config.ENVIRONMENT.values()) == fields
    assert config.ENVIRONMENT["PRIVEXBOT_ENV"] == "env"
    assert config.ENVIRONMENT["CHANNEL_TURN_LEASE_SECONDS"] == "channel_turn_lease_seconds"


def test_every_variable_is_documented():
    root = __import__("pathlib").Path(__file__).resolve().parents[2]
    example = (root / ".env.example").read_text()
    readme = (root / "README.md").read_text()
    for variable in config.ENVIRONMENT:
        assert f"\n{variable}=" in example, variable
        assert f"`{variable}`" in readme, variable
