"""Word-level block differences, moved blocks, meta changes and shared passages."""

from __future__ import annotations

from alphanode.content import diff
from alphanode.content.diff import Part


def test_one_changed_word_is_a_deletion_and_an_insertion() -> None:
    parts = diff.words("the quick brown fox", "the quick red fox")
    assert parts == (
        Part("eq", "the quick"),
        Part("del", "brown"),
        Part("ins", "red"),
        Part("eq", "fox"),
    )


def test_blocks_marks_changed_added_removed_and_moved() -> None:
    old = ["intro text", "moving block", "middle", "gone"]
    new = ["intro text changed", "middle", "moving block", "new one"]
    kinds = [c.kind for c in diff.blocks(old, new)]
    assert kinds.count("moved_from") == 1 and kinds.count("moved_to") == 1
    assert kinds.count("changed") == 2 and kinds.count("same") == 1
    grown = [c.kind for c in diff.blocks(["a"], ["a", "b"])]
    shrunk = [c.kind for c in diff.blocks(["a", "b"], ["a"])]
    assert grown == ["same", "added"] and shrunk == ["same", "removed"]


def test_identical_bodies_have_only_same_blocks() -> None:
    assert {c.kind for c in diff.blocks(["a b", "c"], ["a b", "c"])} == {"same"}


def test_meta_changes_old_to_new() -> None:
    changes = diff.meta({"difficulty": "easy", "x": 1}, {"difficulty": "hard", "y": [1]})
    assert [(c.key, c.old, c.new) for c in changes] == [
        ("difficulty", '"easy"', '"hard"'),
        ("x", "1", ""),
        ("y", "", "[1]"),
    ]


def test_shared_passages_are_marked() -> None:
    original = "one two three four five six seven eight nine ten and more"
    copy = "fresh start one two three four five six seven eight nine ten end"
    parts = diff.shared(original, copy)
    assert Part("eq", "one two three four five six seven eight nine ten") in parts
    assert parts[0] == Part("ins", "fresh start")
    assert diff.shared(original, "nothing alike at all") == (Part("ins", "nothing alike at all"),)
