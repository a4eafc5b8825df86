"""Resource names for fuzzing: every pattern the contract declares (kernel.resources reads
them from the protos), filled with real ids (the caller's, another tenant's), random
well-formed ids or malformed ones, and names of no shape at all."""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import strategies as st

from privexbot.kernel import resources

from .values import weighted

WELL_FORMED_ID = st.from_regex(r"[a-z0-9][a-z0-9-]{0,62}", fullmatch=True)
MALFORMED_ID = st.one_of(
    st.sampled_from(["", "-", "A", "a" * 64, "a/b", "a%2Fb", "..", ".", "a b", "é", "*", "~"]),
    st.text(max_size=10),
)


def wildcard_prefix(parts: list[str], end: int) -> str:
    return "/".join("*" if p.startswith("{") else p for p in parts[: end + 1])


@dataclass
class Pools:
    """What real calls made, for strategies to reuse: ids by the name prefix they stand in
    (``organizations/*/workspaces/*`` holds workspace ids), the caller's and another
    tenant's apart, page tokens, and values by request field name (etags, emails...)."""

    ids: dict[str, list[str]] = field(default_factory=dict)
    foreign: dict[str, list[str]] = field(default_factory=dict)
    page_tokens: list[str] = field(default_factory=list)
    values: dict[str, list[str]] = field(default_factory=dict)

    def add_name(self, name: str, own: bool = True) -> None:
        for pattern in resources.patterns():
            if pattern.matches(name):
                parts, given = pattern.template.split("/"), name.split("/")
                for i, part in enumerate(parts):
                    if part.startswith("{"):
                        into = self.ids if own else self.foreign
                        known = into.setdefault(wildcard_prefix(parts, i), [])
                        if given[i] not in known:
                            known.append(given[i])

    def add_value(self, field_name: str, value: str) -> None:
        if value:
            self.values.setdefault(field_name, []).append(value)

    def all_ids(self) -> list[str]:
        return sorted(
            {i for pool in (self.ids, self.foreign) for ids in pool.values() for i in ids}
        )


def pattern_names(patterns, pools: Pools, real_only: bool = False) -> st.SearchStrategy[str]:
    """Names of these shapes; each id is mostly the caller's (shrinks to the caller's
    names), else another tenant's, any real id, a random or a malformed one; with
    ``real_only``, always the caller's."""
    everything = st.sampled_from(pools.all_ids() or ["none"])

    def segment(prefix: str) -> st.SearchStrategy[str]:
        own = st.sampled_from(pools.ids[prefix]) if pools.ids.get(prefix) else everything
        if real_only:
            return own
        foreign = st.sampled_from(pools.foreign[prefix]) if pools.foreign.get(prefix) else own
        return weighted(
            (2, own), (1, foreign), (1, everything), (1, WELL_FORMED_ID), (1, MALFORMED_ID)
        )

    def name_of(template: str) -> st.SearchStrategy[str]:
        parts = template.split("/")
        segments = [
            segment(wildcard_prefix(parts, i)) if part.startswith("{") else st.just(part)
            for i, part in enumerate(parts)
        ]
        return st.tuples(*segments).map("/".join)

    return st.one_of(*(name_of(t) for t in sorted(p.template for p in patterns)))


def misshapen(names: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Names almost of a shape: a segment dropped or added, slashes doubled, case changed,
    percent-encoded, padded."""
    edits = [
        lambda n: n + "/",
        lambda n: "/" + n,
        lambda n: n.rsplit("/", 1)[0],
        lambda n: n + "/x",
        lambda n: n.replace("/", "//", 1),
        lambda n: n.upper(),
        lambda n: n.replace("/", "%2F"),
        lambda n: n + "\x00",
        lambda n: " " + n,
        lambda n: n + "/../../organizations",
        lambda n: "v1/" + n,
    ]
    return st.builds(lambda n, edit: edit(n), names, st.sampled_from(edits))


def any_names(pools: Pools, patterns=()) -> st.SearchStrategy[str]:
    """Names for a field meant to hold ``patterns`` (weighted), or any other shape."""
    everything = resources.patterns()
    anything = pattern_names(everything, pools)
    if not patterns:
        return anything
    own = pattern_names(patterns, pools)
    return weighted((2, own), (1, misshapen(own)), (1, anything))
