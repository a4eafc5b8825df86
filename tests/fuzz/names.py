"""Resource names for fuzzing: every pattern the contract declares (kernel.resources reads
them from the protos), filled with real ids (the caller's, another tenant's), random
well-formed ids or malformed ones, and names of no shape at all."""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import strategies as st

from privexbot.kernel import resources

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
    (``organizations/*/workspaces/*`` holds workspace ids), page tokens, and values by
    request field name (etags, emails, visitor ids...)."""

    ids: dict[str, list[str]] = field(default_factory=dict)
    page_tokens: list[str] = field(default_factory=list)
    values: dict[str, list[str]] = field(default_factory=dict)

    def add_name(self, name: str) -> None:
        for pattern in resources.patterns():
            if pattern.matches(name):
                parts, given = pattern.template.split("/"), name.split("/")
                for i, part in enumerate(parts):
                    if part.startswith("{"):
                        known = self.ids.setdefault(wildcard_prefix(parts, i), [])
                        if given[i] not in known:
                            known.append(given[i])

    def add_value(self, field_name: str, value: str) -> None:
        if value:
            self.values.setdefault(field_name, []).append(value)

    def all_ids(self) -> list[str]:
        return sorted({i for ids in self.ids.values() for i in ids})


def pattern_names(patterns, pools: Pools, real_only: bool = False) -> st.SearchStrategy[str]:
    """Names of these shapes; each id is mostly a real one (shrinks to real names), or, with
    ``real_only``, always one (the caller's or the stranger's)."""
    everything = pools.all_ids() or ["none"]
    kinds = st.just(0) if real_only else st.integers(0, 5)

    @st.composite
    def build(draw):
        parts = draw(st.sampled_from(sorted(p.template for p in patterns))).split("/")
        out = []
        for i, part in enumerate(parts):
            if not part.startswith("{"):
                out.append(part)
                continue
            real = pools.ids.get(wildcard_prefix(parts, i)) or everything
            kind = draw(kinds)
            if kind <= 2:
                out.append(draw(st.sampled_from(real)))
            elif kind == 3:
                out.append(draw(st.sampled_from(everything)))
            elif kind == 4:
                out.append(draw(WELL_FORMED_ID))
            else:
                out.append(draw(MALFORMED_ID))
        return "/".join(out)

    return build()


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
    choices = [pattern_names(everything, pools)]
    if patterns:
        own = pattern_names(patterns, pools)
        choices = [own, own, misshapen(own), *choices]
    return st.one_of(*choices)
