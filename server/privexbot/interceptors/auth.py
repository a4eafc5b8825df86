"""Authentication and authorization, as two separate interceptors.

Authentication turns credentials (``authorization: Bearer <jwt>``, ``x-api-key`` or a
chatbot's ``x-publishable-key``) into a principal. Authorization applies the RPC's
``(privexbot.v1.access)`` declaration: public, user-only, or a permission in the scope named
by a request field; a publishable key may call only RPCs declaring ``publishable_key``.
"""

from __future__ import annotations

from privexbot.interceptors.base import FirstMessage, Guard, Interceptor, request_message
from privexbot.kernel import contract
from privexbot.kernel.calls import current
from privexbot.kernel.errors import DomainError, NotFound, PermissionDenied, Unauthenticated


class _Authenticate(Guard):
    __slots__ = ("authenticator", "spec", "request")

    def __init__(self, authenticator, spec: contract.MethodSpec, request) -> None:
        self.authenticator, self.spec, self.request = authenticator, spec, request

    def _scope(self):
        """The scope the request names, when that is plain now (a unary request with a
        well-formed scope name): its organization's stamps are read with the credentials,
        one round trip for both, and authorization reuses it. Anything else is left to
        authorization."""
        if not self.spec.access.permission or isinstance(self.request, FirstMessage):
            return None
        try:
            return self.spec.scope_of(
                contract.field_value(self.request, self.spec.access.scope_field)
            )
        except DomainError:
            return None

    async def __aenter__(self):
        if self.spec.access.public:
            return self  # sign-in RPCs ignore credentials rather than fail on stale ones
        call = current()
        call.authz = "unauthenticated"
        call.scope = self._scope()
        call.principal, call.stamps = await self.authenticator.authenticate(
            call.metadata, call.scope.organization_id if call.scope else ""
        )
        if not call.principal.authenticated:
            raise Unauthenticated(
                "CREDENTIALS_MISSING",
                "sign in: send authorization: Bearer <access token> or x-api-key",
            )
        return self


class AuthenticationInterceptor(Interceptor):
    def __init__(self, authenticator) -> None:
        self._authenticator = authenticator

    def around(self, spec, request, context) -> Guard:
        return _Authenticate(self._authenticator, spec, request)


class _Authorize(Guard):
    __slots__ = ("resolver", "spec", "request")

    def __init__(self, resolver, spec: contract.MethodSpec, request) -> None:
        self.resolver, self.spec, self.request = resolver, spec, request

    async def __aenter__(self):
        access = self.spec.access
        call = current()
        if access.public:
            call.authz = "public"
            return self
        call.authz = "denied"
        if access.user_only and not call.principal.is_user:
            raise PermissionDenied(
                "USER_CREDENTIALS_REQUIRED",
                f"{self.spec.name} needs a signed-in user, not an API key",
            )
        if call.principal.is_publishable_key and not access.publishable_key:
            raise PermissionDenied(
                "PUBLISHABLE_KEY_NOT_ALLOWED",
                f"a publishable key may call only what a widget needs, not {self.spec.name}",
            )
        if access.permission:
            message = await request_message(self.request)
            name = contract.field_value(message, access.scope_field)
            call.scope = call.scope or self.spec.scope_of(name)  # parsed by authentication?
            try:
                call.grant = await self.resolver.resolve(
                    call.principal, call.scope, name, call.stamps
                )
            except NotFound:
                call.authz = "hidden"
                raise
            self.resolver.require(call.grant.permissions, access.permission)
            if self.spec.field_permissions:
                for permission in self.spec.permissions_for_fields(message):
                    self.resolver.require(call.grant.permissions, permission)
        call.authz = "allowed"
        return self


class AuthorizationInterceptor(Interceptor):
    def __init__(self, resolver) -> None:
        self._resolver = resolver

    def around(self, spec, request, context) -> Guard:
        return _Authorize(self._resolver, spec, request)
