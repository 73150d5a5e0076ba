"""Records that cross process boundaries (pool workers) pickle as their field values."""

from __future__ import annotations

from dataclasses import fields
from operator import attrgetter
from typing import TypeVar

T = TypeVar("T", bound=type)


def pickled_by_fields(cls: T) -> T:
    """Make a dataclass pickle as (class, field values), rebuilt by its constructor.

    A frozen, slotted dataclass otherwise pickles through dataclasses' own state methods,
    which look its fields up again for every object: twice the time for a batch's results.
    """
    names = [f.name for f in fields(cls)]
    if len(names) < 2:
        raise TypeError(f"{cls.__name__}: attrgetter gives a tuple only for two fields or more")
    values = attrgetter(*names)

    def __reduce__(self: object) -> tuple[type[object], tuple[object, ...]]:
        return (type(self), values(self))

    setattr(cls, "__reduce__", __reduce__)  # noqa: B010 (mypy refuses `cls.__reduce__ = ...`)
    return cls
