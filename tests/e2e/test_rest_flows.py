"""The acceptance flows of the Auth and Tenant services, as a REST client sees them through
the real Envoy: JSON in and out, google.rpc.Status errors with HTTP codes."""

from __future__ import annotations

import base64
import itertools
import json

import httpx
import pytest
from helpers import PASSWORD, unique_email
from signers import SIGNERS

pytestmark = pytest.mark.envoy
_addresses = itertools.count(1)
CHAINS = {
    "evm": "WALLET_CHAIN_EVM",
    "solana": "WALLET_CHAIN_SOLANA",
    "cosmos": "WALLET_CHAIN_COSMOS",
}


@pytest.fixture
async def rest(edge):
    made = []

    def make(token: str = "") -> httpx.AsyncClient:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        client = httpx.AsyncClient(base_url=edge, headers=headers, timeout=10)
        made.append(client)
        return client

    yield make
    for client in made:
        await client.aclose()


def ok(reply: httpx.Response) -> dict:
    assert reply.status_code == 200, reply.text
    return reply.json()


def reason(reply: httpx.Response) -> str:
    info = next(d for d in reply.json()["details"] if d["@type"].endswith("ErrorInfo"))
    return info["reason"]


async def sign_up(rest) -> tuple[httpx.AsyncClient, dict]:
    email = unique_email("rest")
    session = ok(
        await rest().post("/v1/auth/email:signUp", json={"email": email, "password": PASSWORD})
    )
    return rest(session["accessToken"]), {**session, "email": email}


async def test_sign_up_log_in_and_who_am_i(rest):
    _, session = await sign_up(rest)
    login = ok(
        await rest().post(
            "/v1/auth/email:logIn", json={"email": session["email"], "password": PASSWORD}
        )
    )
    me = ok(await rest(login["accessToken"]).get("/v1/auth/me"))
    assert me["user"]["email"] == session["email"]
    assert me["memberships"][0]["role"] == "ORGANIZATION_ROLE_OWNER"
    assert me["workspace"] == session["workspace"]
    wrong = await rest().post(
        "/v1/auth/email:logIn", json={"email": session["email"], "password": "nope" * 4}
    )
    assert wrong.status_code == 401 and reason(wrong) == "INVALID_CREDENTIALS"


async def wallet_challenge(client, wallet) -> dict:
    return ok(
        await client.post(
            "/v1/auth/wallets:challenge",
            json={
                "chain": CHAINS[str(wallet.chain)],
                "address": wallet.address,
                "chainId": wallet.chain_id,
            },
        )
    )


def signed(wallet, challenge: dict) -> dict:
    signature, public_key = wallet.sign(challenge["message"])
    body = {
        "chain": CHAINS[str(wallet.chain)],
        "message": challenge["message"],
        "signature": signature,
    }
    if public_key:
        body["publicKey"] = public_key
    return body


@pytest.mark.parametrize("chain", sorted(SIGNERS))
async def test_wallet_sign_in_link_and_replay(rest, chain):
    wallet = SIGNERS[chain]()
    body = signed(wallet, await wallet_challenge(rest(), wallet))
    session = ok(await rest().post("/v1/auth/wallets:verify", json=body))
    assert session["newUser"] and session["accessToken"]
    replay = await rest().post("/v1/auth/wallets:verify", json=body)
    assert replay.status_code == 401 and reason(replay) == "WALLET_NONCE_UNKNOWN"

    user = rest(session["accessToken"])
    second = SIGNERS[sorted(set(SIGNERS) - {chain})[0]]()
    identity = ok(
        await user.post(
            "/v1/auth/me/identities:linkWallet",
            json=signed(second, await wallet_challenge(user, second)),
        )
    )
    assert identity["subject"] == second.address and identity["kind"] == "KIND_WALLET"
    me = ok(await user.get("/v1/auth/me"))
    assert {i["subject"] for i in me["identities"]} == {wallet.address, second.address}


async def test_team_flow_invite_accept_promote_switch_remove(rest):
    owner, o = await sign_up(rest)
    org = ok(await owner.post("/v1/organizations", json={"displayName": "Edge Co"}))
    ws = ok(await owner.post(f"/v1/{org['name']}/workspaces", json={"displayName": "Support"}))
    bob, b = await sign_up(rest)
    invitation = ok(
        await owner.post(
            f"/v1/{org['name']}/invitations",
            json={
                "email": b["email"],
                "role": "ORGANIZATION_ROLE_MEMBER",
                "workspaces": [{"workspace": ws["name"], "role": "WORKSPACE_ROLE_VIEWER"}],
            },
        )
    )
    member = ok(await bob.post("/v1/invitations:accept", json={"token": invitation["token"]}))
    assert member["role"] == "ORGANIZATION_ROLE_MEMBER"

    members = ok(await owner.get(f"/v1/{ws['name']}/members"))["members"]
    bob_ws = next(m for m in members if m["email"] == b["email"])
    changed = ok(
        await owner.patch(
            f"/v1/{bob_ws['name']}",
            params={"updateMask": "role"},
            json={"role": "WORKSPACE_ROLE_EDITOR"},
        )
    )
    assert changed["role"] == "WORKSPACE_ROLE_EDITOR"

    switched = ok(
        await bob.post(
            "/v1/auth/context:switch",
            json={
                "organization": org["name"],
                "workspace": ws["name"],
            },
        )
    )
    bob_in_org = rest(switched["accessToken"])
    me = ok(await bob_in_org.get("/v1/auth/me"))
    assert (me["organization"], me["workspace"]) == (org["name"], ws["name"])
    assert ok(await bob_in_org.get(f"/v1/{ws['name']}"))["role"] == "WORKSPACE_ROLE_EDITOR"

    org_members = ok(await owner.get(f"/v1/{org['name']}/members"))["members"]
    bob_org = next(m for m in org_members if m["email"] == b["email"])
    assert (await owner.delete(f"/v1/{bob_org['name']}")).status_code == 200
    refused = await bob_in_org.get(f"/v1/{ws['name']}")  # the very next call
    assert refused.status_code == 404 and reason(refused) == "RESOURCE_NOT_FOUND"


async def test_custom_roles_export_and_account_deletion_over_rest(rest):
    owner, session = await sign_up(rest)
    org = session["organization"]
    role = ok(
        await owner.post(
            f"/v1/{org}/roles",
            json={"displayName": "Reader", "permissions": ["knowledge.read"]},
        )
    )
    assert role["workspaceRole"] == "WORKSPACE_ROLE_CUSTOM" and role["name"].startswith(org)
    listed = ok(await owner.get(f"/v1/{org}/roles", params={"pageSize": 4}))
    assert [r["name"].rsplit("/", 1)[1] for r in listed["roles"]][:3] == [
        "admin",
        "editor",
        "viewer",
    ]
    edited = ok(
        await owner.patch(
            f"/v1/{role['name']}",
            params={"updateMask": "permissions"},
            json={"permissions": ["knowledge.read", "knowledge.update"]},
        )
    )
    assert edited["permissions"] == ["knowledge.read", "knowledge.update"]
    refused = await owner.delete(f"/v1/{org}/roles/viewer")
    assert (refused.status_code, reason(refused)) == (400, "BUILT_IN_ROLE")
    assert (await owner.delete(f"/v1/{role['name']}")).status_code == 200

    user = session["user"]["name"]
    exported = await owner.get(f"/v1/{user}:export")
    assert exported.status_code == 200, exported.text
    events = [json.loads(line[6:]) for line in exported.text.splitlines() if line[:6] == "data: "]
    archive = json.loads(b"".join(base64.b64decode(e["data"]) for e in events))
    assert archive["user"]["email"] == session["email"]
    wrong = await owner.post(f"/v1/{user}:delete", json={"password": "not it"})
    assert (wrong.status_code, reason(wrong)) == (401, "INVALID_CREDENTIALS")
    assert (await owner.post(f"/v1/{user}:delete", json={"password": PASSWORD})).status_code == 200
    gone = await owner.get("/v1/auth/me")
    assert gone.status_code == 401
