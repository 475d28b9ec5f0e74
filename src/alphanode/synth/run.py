"""A synthesizer run: options, which documents are near-duplicates or hostile, the stream."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from alphanode.errors import UsageError
from alphanode.synth.draw import pick, unit
from alphanode.synth.generator import SIZES, Size, compose, synthesize
from alphanode.synth.hostile import hostile
from alphanode.synth.item import SynthItem
from alphanode.synth.near import near_duplicate
from alphanode.synth.rich import enrich, is_rich

Kind = Literal["normal", "near_duplicate", "hostile"]
# How far back a near-duplicate looks for its original (normal documents of the same run).
NEAR_WINDOW = 64
_KIND_SALT = 1


@dataclass(frozen=True, slots=True)
class SynthOptions:
    """What a run makes besides normal documents; rates are fractions from 0 to 1."""

    size: Size = "normal"
    near_duplicates: float = 0.0
    hostile: float = 0.0
    rich: float = 0.0  # the share with code, inline code, links, a table and a procedure

    def __post_init__(self) -> None:
        if self.size not in SIZES:
            raise UsageError(f"size {self.size!r}", "one of " + ", ".join(SIZES))
        for name in ("near_duplicates", "hostile", "rich"):
            rate = getattr(self, name)
            if not 0.0 <= rate <= 1.0:
                raise UsageError(
                    f"{name.replace('_', '-')} rate {rate!r}", "a fraction from 0 to 1"
                )
        if self.near_duplicates + self.hostile > 1.0:
            raise UsageError(
                f"near-duplicates {self.near_duplicates} + hostile {self.hostile}",
                "rates that add up to at most 1 (a document is one or the other)",
            )


def kind_of(seed: int, options: SynthOptions) -> Kind:
    """The kind document ``seed`` is drawn as: a pure function of the seed and the rates."""
    if not (options.near_duplicates or options.hostile):
        return "normal"
    x = unit(seed, _KIND_SALT)
    if x < options.near_duplicates:
        return "near_duplicate"
    if x < options.near_duplicates + options.hostile:
        return "hostile"
    return "normal"


def generate(count: int, seed: int = 0, options: SynthOptions | None = None) -> Iterator[SynthItem]:
    """Documents ``seed`` … ``seed + count - 1``, one at a time (constant memory)."""
    if count < 0 or seed < 0:
        raise UsageError(f"count {count} and seed {seed}", "whole numbers of 0 or more")
    return _stream(count, seed, options or SynthOptions())


def _stream(count: int, seed: int, options: SynthOptions) -> Iterator[SynthItem]:
    if options.rich:
        for s in range(seed, seed + count):
            yield _rich(item(seed, s, options), options)
        return
    if not (options.near_duplicates or options.hostile):
        size = options.size
        for s in range(seed, seed + count):
            yield SynthItem(s, synthesize(s, size), plain=True)
        return
    for s in range(seed, seed + count):
        yield item(seed, s, options)


def _rich(made: SynthItem, options: SynthOptions) -> SynthItem:
    """The item with rich blocks when its seed is in the ``rich`` share (independently of
    its kind); hostile items get hostile values in them."""
    if not is_rich(made.seed, options.rich):
        return made
    doc = enrich(made.document, made.seed, hostile=bool(made.hostile))
    return dataclasses.replace(made, document=doc, plain=False)


def item(start: int, seed: int, options: SynthOptions) -> SynthItem:
    """Document ``seed`` of a run that began at ``start`` (near-duplicates look back to it)."""
    kind = kind_of(seed, options)
    if kind == "normal":
        return SynthItem(seed, synthesize(seed, options.size), plain=True)
    u = random.Random(seed).random
    if kind == "hostile":
        doc, corruptions = hostile(compose(u, seed, options.size), u)
        return SynthItem(seed, doc, corruptions)
    originals = [
        s for s in range(max(start, seed - NEAR_WINDOW), seed) if kind_of(s, options) == "normal"
    ]
    if not originals:  # nothing to copy yet (the first documents of a run)
        return SynthItem(seed, synthesize(seed, options.size), plain=True)
    original = synthesize(pick(u, originals), options.size)
    return SynthItem(seed, near_duplicate(original, u, seed))
