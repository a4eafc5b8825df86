"""KnowledgeService's website source RPCs (a part of KnowledgeApi): unpack, call
``knowledge.website_sources``, pack."""

from __future__ import annotations

from privexbot.api import standard
from privexbot.api.convert import pack
from privexbot.kernel import resources
from privexbot.kernel.calls import current
from privexbot.knowledge.website_sources import Site, WebsiteSourceView
from privexbot.v1 import knowledge_pb2


def website_source_message(view: WebsiteSourceView) -> knowledge_pb2.WebsiteSource:
    return pack(
        knowledge_pb2.WebsiteSource,
        view,
        progress=knowledge_pb2.WebsiteSyncProgress(**view.progress),
        page_failures=[knowledge_pb2.PageFailure(**f) for f in view.page_failures],
        last_sync_time=view.last_sync_at,
        next_sync_time=view.next_sync_at,
    )


def site(message: knowledge_pb2.WebsiteSource) -> Site:
    return Site(
        start_url=message.start_url,
        sitemap=message.sitemap,
        include_patterns=tuple(message.include_patterns),
        exclude_patterns=tuple(message.exclude_patterns),
        max_pages=message.max_pages,
        max_depth=message.max_depth if message.HasField("max_depth") else None,
        sync_interval_hours=message.sync_interval_hours,
        labels=dict(message.labels),
    )


class WebsiteSourceMethods:
    """Needs ``self.website_sources`` (knowledge.website_sources.WebsiteSources)."""

    async def CreateWebsiteSource(self, request, context):
        kb_id = resources.KNOWLEDGE_BASE.id_of(request.parent, "parent")
        view = await self.website_sources.create(
            current().scope, kb_id, site(request.website_source), request.request_id
        )
        return website_source_message(view)

    GetWebsiteSource = standard.get(
        "website_sources", website_source_message, resources.WEBSITE_SOURCE
    )

    ListWebsiteSources = standard.list_(
        knowledge_pb2.ListWebsiteSourcesResponse,
        "website_sources",
        website_source_message,
        resources.KNOWLEDGE_BASE,
    )

    async def WatchWebsiteSource(self, request, context):
        _, _, kb_id, source_id = resources.WEBSITE_SOURCE.parse(request.name)
        async for view in self.website_sources.watch(current().scope, kb_id, source_id):
            yield website_source_message(view)

    async def SyncWebsiteSource(self, request, context):
        _, _, kb_id, source_id = resources.WEBSITE_SOURCE.parse(request.name)
        view = await self.website_sources.sync(current().scope, kb_id, source_id)
        return website_source_message(view)

    DeleteWebsiteSource = standard.delete("website_sources", resources.WEBSITE_SOURCE)
