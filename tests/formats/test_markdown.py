"""Markdown: the writer and the reader are inverses; front matter of Hugo and Jekyll read."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alphanode.content.document import (
    Block,
    BlockQuote,
    Break,
    Code,
    Document,
    Embed,
    Heading,
    Image,
    Inline,
    InlineCode,
    Link,
    ListBlock,
    ListItem,
    Paragraph,
    Table,
    Text,
    paragraph,
)
from alphanode.content.meta import REFERENCE_RE
from alphanode.formats.markdown import parse
from alphanode.formats.markdown_writer import render
from tests.formats.rich_strategies import rich_blocks

SLOW = settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])

_WORD = st.one_of(
    st.from_regex(r"[A-Za-z0-9éß]{1,6}", fullmatch=True),
    st.sampled_from(["*", "_", "#", "[x]", "<b>", "&amp;", "\\", "`", "1.", "-", "|", "~~", "+"]),
)
_TEXT = st.lists(_WORD, min_size=1, max_size=4).map(" ".join)
# References have a documented character set (content.meta.REFERENCE_RE).
_REFERENCE = st.from_regex(REFERENCE_RE, fullmatch=True).filter(lambda r: len(r) <= 200)
_CODE = st.from_regex(r"[a-z0-9=()]{1,3}( [a-z0-9]{1,3}){0,2}", fullmatch=True)
_CODE_BLOCK = st.lists(st.from_regex(r"[ a-z0-9=():`]{0,12}", fullmatch=True), max_size=3).map(
    "\n".join
)


def _spaced(nodes: tuple[Inline, ...], outer: bool) -> bool:  # noqa: C901 - one rule a line
    """Markdown can carry these inline nodes: markup is set apart by spaces from its
    neighbours, starts and ends with a word, and no line starts or ends with white space."""
    for i, n in enumerate(nodes):
        prev = nodes[i - 1] if i else None
        nxt = nodes[i + 1] if i + 1 < len(nodes) else None
        if isinstance(n, Text):
            if (outer and i == 0 or isinstance(prev, Break)) and n.value[:1].isspace():
                return False
            if (outer and nxt is None or isinstance(nxt, Break)) and n.value[-1:].isspace():
                return False
            continue
        if isinstance(n, Break):
            if not (isinstance(prev, Text) and isinstance(nxt, Text)):
                return False
            continue
        for side in (prev, nxt):
            if side is not None and not (isinstance(side, Text) and side.value.strip() != ""):
                return False
        if prev is not None and not prev.value.endswith(" "):  # type: ignore[union-attr]
            return False
        if nxt is not None and not nxt.value.startswith(" "):  # type: ignore[union-attr]
            return False
        if isinstance(n, InlineCode):
            continue
        kids = n.children
        if not (kids and isinstance(kids[0], Text) and isinstance(kids[-1], Text)):
            return False
        if not (kids[0].value[:1].isalnum() and kids[-1].value[-1:].isalnum()):
            return False
        if not _spaced(kids, False) or (isinstance(n, Link) and _has_link(kids)):
            return False
    return True


def _has_link(nodes: tuple[Inline, ...]) -> bool:
    return any(
        isinstance(n, Link)
        or (not isinstance(n, Text | InlineCode | Break) and _has_link(n.children))
        for n in nodes
    )


def _ok(b: Block) -> bool:
    if isinstance(b, Paragraph | Heading):
        nodes = b.children or (Text(b.text),)
        return bool(b.text.strip()) and _spaced(nodes, True) and "\n" not in b.text
    if isinstance(b, ListBlock):
        return all(_item_ok(i) for i in b.items)
    if isinstance(b, BlockQuote):
        return all(_ok(c) for c in b.children)
    if isinstance(b, Table):
        return all(
            _spaced(c, True) and not any(isinstance(n, Break) for n in c) for r in b.rows for c in r
        )
    return True


def _item_ok(item: str | ListItem) -> bool:
    if isinstance(item, str):
        return _ok(Paragraph(item)) or item == ""
    if item.checked is not None and not (item.children and isinstance(item.children[0], Paragraph)):
        return False
    return all(_ok(c) for c in item.children)


_blocks = st.one_of(
    rich_blocks(_TEXT, _CODE, _CODE_BLOCK),
    st.builds(Image, _TEXT, _TEXT, st.just(""), st.just("https://x.test/a.png")),
    st.builds(Embed, st.sampled_from(["wp:shortcode/gallery", "html"]), _CODE_BLOCK),
).filter(_ok)


@st.composite
def markdown_documents(draw: st.DrawFn) -> Document:
    title = draw(_TEXT)
    body = tuple(draw(st.lists(_blocks, max_size=6)))
    meta = {"reference": draw(_REFERENCE), "topic": draw(_TEXT)}
    return Document(title, body, meta)


@SLOW
@given(markdown_documents())
def test_parse_render_is_the_identity_for_markdown(doc: Document) -> None:
    text = render(doc, slug="a-post", date="2024-01-02")
    parsed = parse(text, "posts/a-post.md")
    assert parsed.document == doc
    assert parsed.slug == "a-post"


def test_rich_article_is_read_as_the_blocks_it_holds() -> None:
    text = (
        "---\ntitle: Deploying\ndate: 2012-07-08\ntags: [ops, python]\ndraft: true\n---\n\n"
        "Run `make test`, then read [the guide](https://x.test/g).\n\n"
        "```python title=\"app.py\"\nprint('hi')\n```\n\n"
        "| name | size |\n|:-----|-----:|\n| a | 1 |\n\n"
        "1. first\n2. second\n\n- [x] done\n- [ ] to do\n"
    )
    doc = parse(text, "content/post/deploying.md").document
    para, code, table, steps, tasks = doc.body
    assert isinstance(para, Paragraph) and InlineCode("make test") in para.children
    link = para.children[-2]
    assert isinstance(link, Link) and link.url == "https://x.test/g"
    assert code == Code("print('hi')", "python", "app.py")
    assert isinstance(table, Table) and table.align == ("left", "right")
    assert table.rows[1] == ((Text("a"),), (Text("1"),))
    assert isinstance(steps, ListBlock) and steps.ordered and steps.items == ("first", "second")
    assert isinstance(tasks, ListBlock)
    assert [i.checked for i in tasks.items if isinstance(i, ListItem)] == [True, False]
    assert doc.meta["source"]["status"] == "draft"
    assert doc.meta["source"]["tags"] == ["ops", "python"]
    assert doc.meta["source"]["published"] == "2012-07-08"
    assert doc.meta["extra"]["section"] == "post"


def test_jekyll_file_name_gives_date_and_slug() -> None:
    parsed = parse("---\ntitle: Alt date\n---\nbody\n", "_posts/2012-7-8-alt-date-format.md")
    assert parsed.slug == "alt-date-format"
    assert parsed.document.meta["source"]["published"] == "2012-07-08"
    assert parsed.document.meta["reference"] == "md:_posts/2012-7-8-alt-date-format.md"


def test_toml_front_matter_and_unquoted_yaml_dates() -> None:
    toml = parse('+++\ntitle = "T"\ndate = 2019-03-11\ntags = ["a"]\n+++\nx\n', "a.md").document
    assert toml.title == "T" and toml.meta["source"]["published"] == "2019-03-11"
    yml = parse("---\ntitle: U\ndate: 2021-08-23 10:00:00\n---\nx\n", "b.md").document
    assert yml.meta["source"]["published"] == "2021-08-23T10:00:00"


def test_yaml_front_matter_cannot_build_python_objects() -> None:
    text = "---\ntitle: !!python/object/apply:os.system ['true']\n---\nx\n"
    from alphanode.errors import DocumentRejected

    try:
        parse(text, "evil.md")
    except DocumentRejected as exc:
        assert exc.problems[0].field == "front matter"
    else:
        raise AssertionError("an unsafe YAML tag was accepted")


_URLS = st.one_of(
    st.sampled_from(
        [
            "https://docs.example.org/go test/",
            "javascript:alert(document.domain)",
            "JaVaScRiPt:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "https://x.test/a(b)c",
            "https://x.test/?a=1&amp;b=2",
            "https://x.test/back\\slash\\*",
            "https://x.test/é?q=ü",
            "relative/path.png",
            "",
        ]
    ),
    st.from_regex(r"[A-Za-z0-9:/?&;#%()<> \\*_.-]{0,20}", fullmatch=True),
)


@SLOW
@given(_URLS)
def test_link_and_image_urls_read_back_exactly_as_written(url: str) -> None:
    """Hrefs are kept as the source gave them (the web layer decides what may link)."""
    link = paragraph((Text("see "), Link(url, (Text("here"),)), Text(" now")))
    doc = Document("Links", (link, Image("a diagram", "", "", url)), {"reference": "u-1"})
    assert parse(render(doc), "u.md").document == doc
