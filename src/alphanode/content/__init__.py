"""The pure document model: posts, body blocks, typed meta, slugs. No I/O, no framework."""

from alphanode.content.document import (
    Block,
    Document,
    Heading,
    Image,
    ListBlock,
    Paragraph,
    ParsedDocument,
)

__all__ = ["Block", "Document", "Heading", "Image", "ListBlock", "Paragraph", "ParsedDocument"]
