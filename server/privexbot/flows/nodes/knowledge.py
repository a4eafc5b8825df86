"""The knowledge node: retrieval from the workspace's knowledge bases, with citations."""

from __future__ import annotations

from privexbot.flows.nodes.base import NodeError, NodeType, Result
from privexbot.flows.nodes.schema import S
from privexbot.kernel import resources
from privexbot.kernel.errors import DomainError
from privexbot.knowledge.search import ScoredCitation


class Knowledge(NodeType):
    name = "knowledge"
    doc = (
        "Retrieves the chunks of the workspace's knowledge bases that best match a query "
        "(vector, keyword or hybrid): their text as context, and citations."
    )
    fields = {
        "knowledge_bases": S("list", required=True, min=1, max=10, item=S("str", max_len=256)),
        "query": S("template", max_len=4000),
        "top_k": S("int", min=1, max=50),
        "score_threshold": S("num", min=0, max=1),
        "mode": S("enum", values=("vector", "keyword", "hybrid")),
    }
    default_timeout_ms = 30_000

    def outputs(self, config: dict) -> dict[str, str]:
        return {"context": "string", "results": "array", "citations": "array"}

    def check(self, config: dict):
        yield from super().check(config)
        for i, kb in enumerate(config.get("knowledge_bases") or []):
            if isinstance(kb, str) and not _kb_id(kb):
                yield f"knowledge_bases[{i}]", "must be a knowledge base name or id"

    async def run(self, ctx) -> Result:
        scope = ctx.services.scope
        ids = []
        for kb in ctx.config["knowledge_bases"]:
            kb_id = _kb_id(kb)
            if "/" in kb:
                org, ws, _ = resources.KNOWLEDGE_BASE.parse(kb)
                if (org, ws) != (scope.organization_id, scope.workspace_id):
                    raise NodeError("input", f"{kb} is not in the chatflow's workspace")
            ids.append(kb_id)
        query = ctx.render(ctx.config.get("query", "{{ sys.message }}"))
        override = {
            k: ctx.config[k] for k in ("top_k", "score_threshold", "mode") if k in ctx.config
        }
        try:
            results = await ctx.services.retriever.retrieve(
                scope, ids, query, override, ctx.services.embeddings.get(query)
            )
        except DomainError as exc:
            raise NodeError("knowledge", exc.message) from None
        context = "\n\n".join(
            f"[{i}] {r.citation.document_display_name}\n{r.text.strip()}"
            for i, r in enumerate(results, 1)
        )
        return Result(
            {
                "context": context,
                "results": [{"text": r.text, "score": r.score} for r in results],
                "citations": [ScoredCitation(r.citation, r.score).record() for r in results],
            }
        )


def _kb_id(value: str) -> str:
    if "/" in value:
        return value.rsplit("/", 1)[1] if resources.KNOWLEDGE_BASE.matches(value) else ""
    return (
        value
        if resources.KNOWLEDGE_BASE.matches(f"organizations/o/workspaces/w/knowledgeBases/{value}")
        else ""
    )
