"""Near-duplicate fingerprints: deterministic, similar for light edits, apart for other posts."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from alphanode.content.document import Document, Heading, ListBlock, Paragraph
from alphanode.content.fingerprint import (
    BANDS,
    EMPTY,
    SLOTS,
    Fingerprint,
    best_match,
    fingerprint,
    fingerprint_words,
    jaccard,
    shingle_hashes,
    words_of,
)
from alphanode.formats import scraped
from alphanode.synth import SynthOptions, generate
from tests.helpers import seed_text

ALPHA = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho"


def seed_document() -> Document:
    return scraped.parse(seed_text()).document


def test_the_seed_has_a_stable_fingerprint() -> None:
    fp = fingerprint(seed_document())
    assert fp is not None and len(fp.slots) == SLOTS
    # Pinned: stored signatures must compare equal across processes, machines and releases.
    digest = hashlib.sha256(fp.to_bytes()).hexdigest()
    code = (
        "import hashlib;from alphanode.content.fingerprint import fingerprint;"
        "from alphanode.formats import scraped;from tests.helpers import seed_text;"
        "print(hashlib.sha256(fingerprint(scraped.parse(seed_text()).document).to_bytes())"
        ".hexdigest())"
    )
    other = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONHASHSEED": "12345", "PATH": ""},
    )
    assert other.stdout.strip() == digest


def test_bytes_round_trip_and_bad_length() -> None:
    fp = fingerprint(seed_document())
    assert fp is not None
    assert Fingerprint.from_bytes(fp.to_bytes()) == fp
    with pytest.raises(ValueError, match="256 bytes"):
        Fingerprint.from_bytes(b"\x00" * 10)


def test_short_bodies_have_no_fingerprint() -> None:
    doc = Document("t", (Paragraph("only a few words here"),), {})
    assert fingerprint(doc) is None
    assert fingerprint_words(words_of(ALPHA)) is None  # 17 words: 14 shingles
    assert fingerprint_words(words_of(ALPHA + " sigma tau")) is not None  # 16 shingles


def test_reads_paragraphs_headings_lists_and_captions_not_markup_case_or_punctuation() -> None:
    a = Document("x", (Heading(ALPHA), Paragraph("One. Two, three!"), ListBlock(("a b",))), {})
    b = Document(
        "y", (Heading(ALPHA.upper()), Paragraph("one two three"), ListBlock(("a, b",))), {}
    )
    fa, fb = fingerprint(a), fingerprint(b)
    assert fa is not None and fb is not None and fa.similarity(fb) == 1.0


def test_synthesized_near_duplicates_are_found_and_other_posts_are_not() -> None:
    items = list(generate(600, 5, SynthOptions(near_duplicates=0.1)))
    prints = {str(i.document.reference): fingerprint(i.document) for i in items}
    near = [i for i in items if i.near_duplicate_of]
    assert len(near) > 30
    for item in near:
        mine = prints[str(item.document.reference)]
        original = prints[str(item.near_duplicate_of)]
        assert mine is not None and original is not None
        assert mine.similarity(original) >= 0.7
        assert set(mine.bands()) & set(original.bands())  # found as a candidate
    normal = [i for i in items if not i.near_duplicate_of][:150]
    worst = max(
        (prints[str(a.document.reference)] or Fingerprint((EMPTY,) * SLOTS)).similarity(
            prints[str(b.document.reference)] or Fingerprint((EMPTY,) * SLOTS)
        )
        for n, a in enumerate(normal)
        for b in normal[n + 1 :]
    )
    assert worst < 0.6


def test_best_match_takes_the_most_similar_at_or_above_the_threshold() -> None:
    base = fingerprint_words(words_of(ALPHA * 3))
    edited = fingerprint_words(words_of(ALPHA * 3 + " omega"))
    other = fingerprint_words(words_of(" ".join(reversed(ALPHA.split())) * 3))
    assert base is not None and edited is not None and other is not None
    assert best_match(base, [(7, other), (9, edited), (8, edited)], 0.5) == (
        8,
        base.similarity(edited),
    )
    assert best_match(base, [(7, other)], 0.5) is None
    assert best_match(base, [], 0.5) is None


@given(st.lists(st.sampled_from(ALPHA.split()), min_size=0, max_size=80))
def test_any_words_give_a_fingerprint_or_none_and_bands_fit_a_signed_bigint(
    words: list[str],
) -> None:
    fp = fingerprint_words(words)
    if fp is None:
        assert len(words) < 19
        return
    assert fp.similarity(fp) == 1.0
    keys = fp.bands()
    assert 1 <= len(keys) <= BANDS
    assert all(0 <= k < 2**63 for k in keys)


def test_borderline_estimates_are_checked_on_the_exact_shingles() -> None:
    base = fingerprint_words(words_of(ALPHA * 3))
    other = fingerprint_words(words_of(" ".join(reversed(ALPHA.split())) * 3))
    assert base is not None and other is not None
    estimate = base.similarity(other)
    near = estimate + 0.05  # a threshold just above the estimate: borderline
    assert best_match(base, [(4, other)], near) is None
    assert best_match(base, [(4, other)], near, exact=lambda _: near + 0.01) == (4, near + 0.01)
    assert best_match(base, [(4, other)], near, exact=lambda _: None) is None  # unknown: keep
    # Far from the threshold the estimate stands and nothing is loaded.
    calls: list[int] = []

    def exact(other_id: int) -> float:
        calls.append(other_id)
        return 1.0

    assert best_match(base, [(4, other)], 0.99, exact=exact) is None
    assert calls == []


def test_exact_jaccard_matches_the_shingle_sets() -> None:
    words = words_of(ALPHA)
    assert jaccard(words, words) == 1.0
    assert jaccard(words, []) == 0.0
    half = words[:10] + ["x", "y", "z"]
    expected = len(set(shingle_hashes(words)) & set(shingle_hashes(half))) / len(
        set(shingle_hashes(words)) | set(shingle_hashes(half))
    )
    assert jaccard(words, half) == expected and 0 < expected < 1
