"""Hypothesis strategies for the rich body (inline markup, code, tables, quotes, embeds).

Built on a text strategy, so that JSON draws any text and Markdown only the text it can
carry. Every block is built by the model's own canonical constructors.
"""

from __future__ import annotations

from hypothesis import strategies as st

from alphanode.content.document import (
    Block,
    BlockQuote,
    Break,
    Code,
    Delete,
    Embed,
    Emphasis,
    Image,
    Inline,
    InlineCode,
    Link,
    ListBlock,
    Strong,
    Table,
    Text,
    ThematicBreak,
    heading,
    list_item,
    normal_inlines,
    paragraph,
)

URLS = st.sampled_from(
    ["https://x.test/a", "http://x.test/b?q=1&r=2", "/docs/intro", "mailto:a@x.test", "#top"]
)


def inlines(
    text: st.SearchStrategy[str], code: st.SearchStrategy[str]
) -> st.SearchStrategy[tuple[Inline, ...]]:
    leaf: st.SearchStrategy[Inline] = st.one_of(text.map(Text), code.map(InlineCode))
    one: st.SearchStrategy[Inline] = st.recursive(
        leaf,
        lambda inner: st.one_of(
            st.lists(inner, min_size=1, max_size=3).map(lambda c: Emphasis(normal_inlines(c))),
            st.lists(inner, min_size=1, max_size=3).map(lambda c: Strong(normal_inlines(c))),
            st.lists(inner, min_size=1, max_size=3).map(lambda c: Delete(normal_inlines(c))),
            st.builds(
                lambda u, c: Link(u, normal_inlines(c)),
                URLS,
                st.lists(inner, min_size=1, max_size=2),
            ),
        ),
        max_leaves=4,
    )
    return st.lists(one, min_size=1, max_size=4).map(normal_inlines)


def rich_blocks(
    text: st.SearchStrategy[str],
    code: st.SearchStrategy[str],
    code_block: st.SearchStrategy[str],
    *,
    breaks: bool = True,
) -> st.SearchStrategy[Block]:
    flow = inlines(text, code)
    if breaks:
        flow = st.builds(lambda a, b: normal_inlines((*a, Break(), *b)), flow, flow) | flow
    para = flow.map(paragraph)
    head = st.builds(heading, inlines(text, code), st.integers(2, 6))
    cell = inlines(text, code) | st.just(())
    width = st.integers(1, 3)

    @st.composite
    def table(draw: st.DrawFn) -> Table:
        n = draw(width)
        align = tuple(
            draw(
                st.lists(st.sampled_from([None, "left", "center", "right"]), min_size=n, max_size=n)
            )
        )
        rows = draw(
            st.lists(st.lists(cell, min_size=n, max_size=n).map(tuple), min_size=1, max_size=3)
        )
        return Table(align, tuple(rows))

    simple = st.one_of(
        para,
        head,
        st.builds(Code, code_block, st.sampled_from(["", "python", "sh", "toml"])),
        table(),
        st.just(ThematicBreak()),
    )

    def lists(inner: st.SearchStrategy[Block]) -> st.SearchStrategy[Block]:
        item = st.builds(
            list_item,
            st.lists(st.one_of(para, inner), min_size=1, max_size=2),
            st.sampled_from([None, None, True, False]),
        )
        return st.builds(
            lambda items, ordered, start: ListBlock(
                tuple(items), ordered=ordered, start=start if ordered else 1
            ),
            st.lists(item, min_size=1, max_size=3),
            st.booleans(),
            st.integers(0, 20),
        )

    return st.recursive(
        simple,
        lambda inner: st.one_of(
            lists(inner),
            st.lists(inner, min_size=1, max_size=2).map(lambda c: BlockQuote(tuple(c))),
        ),
        max_leaves=4,
    )


def json_only_blocks(text: st.SearchStrategy[str]) -> st.SearchStrategy[Block]:
    """Blocks only JSON carries exactly: embeds, figures with links and credits."""
    return st.one_of(
        st.builds(Embed, text.filter(bool), text),
        st.builds(
            lambda a, c, s, u, link: Image(a, c, s, u, link=link), text, text, text, text, URLS
        ),
    )
