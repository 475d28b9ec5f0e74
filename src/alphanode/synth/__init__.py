"""The anp content synthesizer: deterministic documents for import and load tests (pure).

``generate(count, seed, options)`` streams ``SynthItem``s; item k is made from seed
``seed + k`` alone (and, for a near-duplicate, an earlier seed of the run), so the same
arguments give the same bytes on any machine and Python version. See docs/synth.md.
"""

from alphanode.synth.generator import GENERATOR, SIZES, Size, synthesize
from alphanode.synth.item import Corruption, SynthItem
from alphanode.synth.run import SynthOptions, generate, item, kind_of

__all__ = [
    "GENERATOR",
    "SIZES",
    "Corruption",
    "Size",
    "SynthItem",
    "SynthOptions",
    "generate",
    "item",
    "kind_of",
    "synthesize",
]
