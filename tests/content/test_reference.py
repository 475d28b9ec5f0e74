"""References made from any source id: always valid, stable, and distinct for distinct ids."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from alphanode.content.meta import is_reference
from alphanode.content.reference import reference_for

PREFIXES = st.sampled_from(["wp:", "feed:", "md:", ""])


@given(PREFIXES, st.text(min_size=1, max_size=400))
def test_any_id_gives_a_valid_stable_reference(prefix: str, raw: str) -> None:
    ref = reference_for(prefix, raw)
    assert is_reference(ref)
    assert ref.startswith(prefix.rstrip("/"))
    assert reference_for(prefix, raw) == ref


@given(PREFIXES, st.text(min_size=1, max_size=100), st.text(min_size=1, max_size=100))
def test_distinct_ids_give_distinct_references(prefix: str, a: str, b: str) -> None:
    if a != b:
        assert reference_for(prefix, a) != reference_for(prefix, b)


def test_valid_ids_stay_as_they_are_and_others_stay_readable() -> None:
    assert reference_for("wp:", "example.com/blog/42") == "wp:example.com/blog/42"
    made = reference_for("feed:", "http://www.example.org/1")
    assert made.startswith("feed:http/www.example.org/1~")
    assert reference_for("md:", "_posts/2009-03-12-hash-#1.markdown").startswith(
        "md:_posts/2009-03-12-hash--1.markdown~"
    )
