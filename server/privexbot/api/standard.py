"""Standard methods (AIP-131 to 135) and custom methods on one resource (AIP-136) declared
on a servicer rather than written out:

    GetChatbot = standard.get("chatbots", chatbot_message, resources.CHATBOT)

makes ``GetChatbot`` call ``self.chatbots.get(scope, *ids)`` and convert what it returns.
``ids`` are the request name's ids below the caller's scope: the access check has already
confined the name to that organization (and workspace), which the domain takes as ``scope``.
"""

from __future__ import annotations

from functools import cache

from google.protobuf import empty_pb2

from privexbot.kernel import pagination
from privexbot.kernel.calls import current
from privexbot.kernel.resources import Pattern
from privexbot.kernel.validation import is_map, is_repeated


def ids_below_scope(pattern: Pattern, name: str, field: str = "name") -> tuple[str, ...]:
    """The ids in ``name`` after its organization (and workspace, when the scope has one)."""
    ids = pattern.parse(name, field)
    return ids[1 if current().scope.workspace_id is None else 2 :]


def get(domain: str, convert, pattern: Pattern):
    async def method(self, request, context):
        ids = ids_below_scope(pattern, request.name)
        return convert(await getattr(self, domain).get(current().scope, *ids))

    return method


def custom(domain: str, verb: str, convert, pattern: Pattern, *fields: str):
    """A custom method (AIP-136) on the resource ``request.name``: calls
    ``self.<domain>.<verb>(scope, id, *the request's fields)`` and converts what it returns."""

    async def method(self, request, context):
        resource_id = pattern.id_of(request.name)
        given = (getattr(request, field) for field in fields)
        return convert(
            await getattr(getattr(self, domain), verb)(current().scope, resource_id, *given)
        )

    return method


def rotated(response_type, convert):
    """A key rotation's response from the domain's (resource, new key): the resource
    converted, in the response's other field, beside the key shown once."""
    (field,) = (f.name for f in response_type.DESCRIPTOR.fields if f.name != "publishable_key")
    return lambda pair: response_type(**{field: convert(pair[0])}, publishable_key=pair[1])


def update(field: str, domain: str, convert, pattern: Pattern, values=None):
    """The request's ``field`` (the resource) under its update mask and etag (AIP-134);
    ``values(resource)`` is what the domain takes from it, by default the fields the mask
    names (the domain refuses any it may not change)."""

    async def method(self, request, context):
        resource = getattr(request, field)
        ids = ids_below_scope(pattern, resource.name, f"{field}.name")
        mask = list(request.update_mask.paths)
        given = values(resource) if values else masked(resource, mask)
        domain_update = getattr(self, domain).update
        return convert(await domain_update(current().scope, *ids, given, mask, resource.etag))

    return method


def masked(resource, paths: list[str]) -> dict:
    """The message's fields that ``paths`` name, as plain values (maps as dicts, repeated
    fields as lists); a path that is no field of it is the domain's to refuse."""
    values = {}
    for path in paths:
        field = resource.DESCRIPTOR.fields_by_name.get(path)
        if field is not None:
            value = getattr(resource, path)
            if is_map(field):
                value = dict(value)
            elif is_repeated(field):
                value = list(value)
            values[path] = value
    return values


def delete(domain: str, pattern: Pattern, deleter: str = "delete"):
    """Passes the request's etag on when the request has one (AIP-154)."""

    async def method(self, request, context):
        ids = ids_below_scope(pattern, request.name)
        etag = (request.etag,) if "etag" in request.DESCRIPTOR.fields_by_name else ()
        await getattr(getattr(self, domain), deleter)(current().scope, *ids, *etag)
        return empty_pb2.Empty()

    return method


def list_(response_type, domain: str, convert, parent: Pattern | None = None, lister: str = "list"):
    """``parent`` names the collection's owner below the scope (a chatbot's sessions); without
    it the collection is the scope's own."""

    async def method(self, request, context):
        ids = ids_below_scope(parent, request.parent, "parent") if parent else ()
        lister_method = getattr(getattr(self, domain), lister)
        return await listed(response_type, convert, lister_method, request, current().scope, *ids)

    return method


async def listed(response_type, convert, lister, request, *args):
    """A List response: the page ``lister(*args, page_size, page_token)`` returns, each view
    converted, in the response's one repeated field, with the next page's token."""
    views, token = await lister(*args, pagination.page_size(request.page_size), request.page_token)
    items = [convert(v) for v in views]
    return response_type(**{_items_field(response_type): items}, next_page_token=token)


@cache
def _items_field(response_type) -> str:
    (name,) = (f.name for f in response_type.DESCRIPTOR.fields if f.name != "next_page_token")
    return name
