"""The pure document model: posts, body blocks, typed meta, slugs. No I/O, no framework."""

from alphanode.content.document import (
    Block,
    BlockQuote,
    Code,
    Document,
    Embed,
    Heading,
    Image,
    ListBlock,
    ListItem,
    Paragraph,
    ParsedDocument,
    Table,
    ThematicBreak,
)

__all__ = [
    "Block",
    "BlockQuote",
    "Code",
    "Document",
    "Embed",
    "Heading",
    "Image",
    "ListBlock",
    "ListItem",
    "Paragraph",
    "ParsedDocument",
    "Table",
    "ThematicBreak",
]
