"""Domain views: frozen dataclasses a domain returns instead of its rows, so that nothing
above the domain holds a database object. ``from_row`` fills one from a row; ``Named``
views know their resource name from their ids."""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import cache
from typing import ClassVar, TypeVar

from privexbot.kernel.resources import Pattern

View = TypeVar("View")


@cache
def _names(view_type: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(view_type))


def from_row(view_type: type[View], row, **values) -> View:
    """A ``view_type`` whose fields are ``values``, the rest read from ``row``'s attributes
    of the same names."""
    return view_type(
        **{
            name: values[name] if name in values else getattr(row, name)
            for name in _names(view_type)
        }
    )


class Named:
    """A view of a resource named by its ``pattern`` (a class keyword), whose ids it holds in
    its fields (``organization_id``, ``workspace_id``… and its own ``id``)."""

    pattern: ClassVar[Pattern]

    def __init_subclass__(cls, pattern: Pattern | None = None, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if pattern is not None:
            cls.pattern = pattern

    @property
    def name(self) -> str:
        return self.pattern.name_of(self)


@dataclass(frozen=True)
class InWorkspace(Named):
    """A view of a resource that lives in a workspace."""

    organization_id: str
    workspace_id: str
    id: str
