"""What an authorized call costs: GetWorkspace vs the foundation's no-op RPC (issue 4).

Run (from the repository root; about half a minute; loopback only; needs PostgreSQL on
127.0.0.1:5432 and Redis on 127.0.0.1:6379 unless given other URLs):

    .venv/bin/python bench/authz.py                   # 16 in flight, 5 s after 1 s warm-up
    .venv/bin/python bench/authz.py --duration 10 --concurrency 32
    .venv/bin/python bench/authz.py --database-url sqlite:////tmp/x.db --redis-url ""

The real server (``create_server``, every interceptor, per-RPC JSON log line on to
/dev/null) over PostgreSQL (default: a fresh database next to ``--postgres-admin-url``,
dropped at the end) and Redis. One user signs up; a second joins their organization as a
plain member through CreateInvitation + AcceptInvitation, with a viewer grant on the first
user's default workspace. Measures QPS and p50/p99 latency of
  (a) the no-op RPC: the real interceptor chain around a handler returning a canned
      CurrentUser (rpc_overhead's (b0)), over the same database and store;
  (b) TenantService.GetWorkspace on that workspace by its owner (org owner: membership
      read from the database on every call, then the workspace row);
  (c) the same by the member (not an org admin: the workspace membership is joined in).
Each load runs in its own fresh process, ``--concurrency`` calls in flight; the servers
run in this one. Prints a table and the ratios b/a and c/a.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import tempfile
from pathlib import Path

from harness import (
    GET_CURRENT_USER,
    User,
    interceptors_only_server,
    measure,
    real_server,
    rpc_log_to_devnull,
    scratch_postgres,
    sign_up,
    versions,
)

GET_WORKSPACE = "/privexbot.v1.TenantService/GetWorkspace"


async def invite_member(target: str, owner: User) -> User:
    """A new user who joins ``owner``'s organization as a member, with a viewer grant on
    the owner's default workspace (a real invitation, accepted)."""
    import grpc

    from privexbot.v1 import common_pb2, tenant_pb2, tenant_pb2_grpc

    member = await sign_up(target, "member")
    grant = tenant_pb2.Invitation.WorkspaceGrant(
        workspace=owner.session.workspace, role=common_pb2.WORKSPACE_ROLE_VIEWER
    )
    async with grpc.aio.insecure_channel(target) as channel:
        tenant = tenant_pb2_grpc.TenantServiceStub(channel)
        invitation = await tenant.CreateInvitation(
            tenant_pb2.CreateInvitationRequest(
                parent=owner.session.organization,
                invitation=tenant_pb2.Invitation(
                    email=member.email,
                    role=common_pb2.ORGANIZATION_ROLE_MEMBER,
                    workspaces=[grant],
                ),
            ),
            metadata=owner.auth,
        )
        await tenant.AcceptInvitation(
            tenant_pb2.AcceptInvitationRequest(token=invitation.token), metadata=member.auth
        )
    return member


async def main(opts) -> int:
    from privexbot.v1 import tenant_pb2

    common = {"concurrency": opts.concurrency, "warmup": opts.warmup, "duration": opts.duration}
    rows: list[tuple[str, dict]] = []
    async with contextlib.AsyncExitStack() as stack:
        rpc_log = stack.enter_context(rpc_log_to_devnull())
        rpc_log(True)
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="privexbot-")))
        database_url = opts.database_url
        if database_url is None:
            database_url = await stack.enter_async_context(
                scratch_postgres(opts.postgres_admin_url)
            )
        running = await real_server(tmp, database_url, opts.redis_url)
        stack.push_async_callback(running.stop, 0)
        target = f"127.0.0.1:{running.port}"
        owner = await sign_up(target, "owner")
        member = await invite_member(target, owner)
        get_workspace = tenant_pb2.GetWorkspaceRequest(name=owner.session.workspace)

        server, port, platform = await interceptors_only_server(
            running.platform.settings, owner.current_user
        )
        try:
            args = dict(
                target=f"127.0.0.1:{port}",
                method=GET_CURRENT_USER,
                payload=b"",
                metadata=owner.auth,
                **common,
            )
            rows.append(("(a) no-op RPC: interceptors, canned reply", await measure("grpc", args)))
        finally:
            await server.stop(0)
            await platform.close()
        for label, user in (
            ("(b) GetWorkspace by the org owner", owner),
            ("(c) GetWorkspace by a workspace viewer", member),
        ):
            args = dict(
                target=target,
                method=GET_WORKSPACE,
                payload=get_workspace.SerializeToString(),
                metadata=user.auth,
                **common,
            )
            rows.append((label, await measure("grpc", args)))

    backend = database_url.partition("://")[0]
    print(f"PrivexBot authz — {versions(envoy=False)}")
    print(
        f"real server over {backend}, ephemeral store {'redis' if opts.redis_url else 'in-process'};"
        " per-RPC JSON log line on"
    )
    print(
        f"{opts.warmup:g} s warm-up + {opts.duration:g} s measured per row,"
        f" {opts.concurrency} in flight; one fresh client process per row"
    )
    print()
    print(f"{'target':<44} {'QPS':>8} {'p50 ms':>8} {'p99 ms':>8}")
    for label, r in rows:
        print(f"{label:<44} {r['qps']:>8.0f} {r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f}")
    a, b, c = (r for _, r in rows)
    print()
    print(f"b/a  QPS ratio (authorized GetWorkspace, owner):  {b['qps'] / a['qps']:.2f}")
    print(f"c/a  QPS ratio (authorized GetWorkspace, member): {c['qps'] / a['qps']:.2f}")
    return 0


def parse(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=5.0, help="measured seconds per row")
    parser.add_argument("--warmup", type=float, default=1.0, help="unmeasured seconds first")
    parser.add_argument("--concurrency", type=int, default=16, help="calls in flight")
    parser.add_argument(
        "--database-url",
        default=None,
        help="the server's database (default: a fresh PostgreSQL one)",
    )
    parser.add_argument(
        "--postgres-admin-url",
        default="postgresql://postgres@127.0.0.1:5432/test",
        help="where the fresh database is created (and dropped at the end)",
    )
    parser.add_argument(
        "--redis-url", default="redis://127.0.0.1:6379/14", help='ephemeral store ("": in-process)'
    )
    opts = parser.parse_args(argv)
    if opts.duration <= 0 or opts.warmup < 0 or opts.concurrency < 1:
        parser.error("--duration > 0, --warmup >= 0, --concurrency >= 1")
    return opts


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse())))
