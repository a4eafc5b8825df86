"""Milvus client plumbing: importing pymilvus and milvus-lite cleanly, telling backend errors
from ours, and stopping a milvus-lite process when its last store closes."""

from __future__ import annotations

import logging
import os
import sys
import threading
import types

log = logging.getLogger("privexbot.knowledge.vectors")

SERVER_SCHEMES = ("http://", "https://", "tcp://", "unix:")
# pymilvus pings every 10 s even with no call in flight; milvus-lite's gRPC server counts
# those as strikes and, a minute or two into an idle spell, drops the connection with
# GOAWAY "too_many_pings" (logged as an error on stderr). Its socket is local: ping only
# while a call runs.
LITE_GRPC_OPTIONS = {"grpc.keepalive_permit_without_calls": False}


def is_server_uri(uri: str) -> bool:
    return uri.startswith(SERVER_SCHEMES)


def is_backend_error(exc: BaseException) -> bool:
    """Errors from Milvus, the connection or grpc (checked by module: no grpc import here)."""
    from pymilvus.exceptions import MilvusException

    if isinstance(exc, (MilvusException, OSError)):
        return True
    return any(cls.__module__.split(".")[0] == "grpc" for cls in type(exc).__mro__)


_IMPORT_LOCK = threading.Lock()


def import_milvus_lite() -> None:
    """Import milvus_lite, standing in for the one ``pkg_resources`` call it makes.

    milvus-lite 2.5.1 runs ``from pkg_resources import DistributionNotFound,
    get_distribution`` at import, for its version string only. setuptools ≥ 81 has no
    ``pkg_resources`` (and in older ones importing it is slow and warns): unless it is
    already imported, a stand-in backed by importlib.metadata is placed for that one
    import and removed right after, so nothing else ever sees it.
    """
    with _IMPORT_LOCK:
        if "milvus_lite.server_manager" in sys.modules or "pkg_resources" in sys.modules:
            import milvus_lite.server_manager  # noqa: F401

            return
        sys.modules["pkg_resources"] = _pkg_resources_stand_in()
        try:
            import milvus_lite.server_manager  # noqa: F401
        finally:
            sys.modules.pop("pkg_resources", None)


def import_pymilvus() -> None:
    """Import pymilvus with our MILVUS_URI hidden when it names a milvus-lite file.

    pymilvus reads the environment variable MILVUS_URI (the same name as our setting) when it
    is imported, for its default connection, and rejects a file path there as an "Illegal
    uri" on every later connect. Our setting is passed to the client explicitly instead.
    """
    with _IMPORT_LOCK:
        if "pymilvus" in sys.modules:
            return
        value = os.environ.get("MILVUS_URI")
        hide = value is not None and not is_server_uri(value)
        if hide:
            del os.environ["MILVUS_URI"]
        try:
            import pymilvus  # noqa: F401
        finally:
            if hide:
                os.environ["MILVUS_URI"] = value


def _pkg_resources_stand_in() -> types.ModuleType:
    import importlib.metadata

    module = types.ModuleType("pkg_resources")

    class DistributionNotFound(Exception):
        pass

    def get_distribution(name: str) -> types.SimpleNamespace:
        try:
            return types.SimpleNamespace(version=importlib.metadata.version(name))
        except importlib.metadata.PackageNotFoundError as exc:
            raise DistributionNotFound(name) from exc

    module.DistributionNotFound = DistributionNotFound  # type: ignore[attr-defined]
    module.get_distribution = get_distribution  # type: ignore[attr-defined]
    return module


class _MvccWarningFilter(logging.Filter):
    """milvus-lite has no MVCC timestamp for query iterators; pymilvus warns each time."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "failed to get mvccTs" not in record.getMessage()


_QUIET = False


def quiet_pymilvus_iterator() -> None:
    global _QUIET
    if not _QUIET:
        logging.getLogger("pymilvus.orm.iterator").addFilter(_MvccWarningFilter())
        _QUIET = True


class _LiteUsers:
    """Stores open per milvus-lite file: its server process stops when the last closes.

    pymilvus starts one milvus-lite process per file and keeps it for the life of the
    Python process; stopping it releases the file's lock for another process.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._count: dict[str, int] = {}

    def acquire(self, path: str) -> None:
        with self._lock:
            self._count[path] = self._count.get(path, 0) + 1

    def release(self, path: str) -> None:
        with self._lock:
            left = self._count.get(path, 0) - 1
            if left > 0:
                self._count[path] = left
                return
            self._count.pop(path, None)
            try:
                from milvus_lite.server_manager import server_manager_instance

                server_manager_instance.release_server(path)
            except Exception:  # the process exits with ours anyway
                log.debug("stopping milvus-lite for %s failed", path, exc_info=True)


LITE_USERS = _LiteUsers()
