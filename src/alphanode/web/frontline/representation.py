"""One answer's body and headers, with its content-coded variants made once each."""

from __future__ import annotations

from dataclasses import dataclass, field

from alphanode.web.frontline import conditional, encoding

Headers = list[tuple[bytes, bytes]]
_REPLACED = frozenset({b"content-length", b"etag", b"vary", b"last-modified"})


@dataclass(slots=True)
class Variant:
    """The bytes sent for one coding and the headers that describe them."""

    body: bytes
    etag: bytes  # b"" when the answer carries none (not a 200)
    headers: Headers
    hit_headers: Headers | None = None  # a page-cache hit's headers, built on its first hit


@dataclass(slots=True)
class Representation:
    status: int
    headers: Headers  # the app's, without the fields each variant sets itself
    body: bytes  # identity
    tagged: bool  # a 200 gets an ETag
    app_etag: bytes  # the app's own ETag (static files), kept
    last_modified: bytes
    vary: bytes
    compress: bool  # the body is HTML/XML/JSON above the minimum and may be compressed
    variants: dict[str, Variant] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        status: int,
        headers: Headers,
        body: bytes,
        *,
        last_modified: bytes = b"",
        may_compress: bool = True,
        now: float | None = None,
    ) -> Representation:
        """``last_modified`` is used when the app did not set one itself; given ``now``, a
        Last-Modified in the current second is left out (``conditional.settled``)."""
        found = dict(headers)
        modified = found.get(b"last-modified") or (last_modified if status == 200 else b"")
        if modified and now is not None and not conditional.settled(modified, now):
            modified = b""
        coded = b"content-encoding" in found
        compress = (
            may_compress
            and not coded
            and encoding.compressible(found.get(b"content-type", b""), len(body))
        )
        vary = found.get(b"vary", b"")
        if compress:
            vary = vary + b", Accept-Encoding" if vary else b"Accept-Encoding"
        return cls(
            status=status,
            headers=[h for h in headers if h[0] not in _REPLACED],
            body=body,
            tagged=status == 200,
            app_etag=found.get(b"etag", b""),
            last_modified=modified,
            vary=vary,
            compress=compress,
        )

    def variant(self, coding: str) -> Variant:
        """The variant for ``coding`` (identity when this body is not compressed)."""
        if not self.compress:
            coding = encoding.IDENTITY
        made = self.variants.get(coding)
        if made is None:
            made = self.variants[coding] = self._make(coding)
        return made

    def _make(self, coding: str) -> Variant:
        body = encoding.compress(self.body, coding)
        headers = list(self.headers)
        if coding != encoding.IDENTITY:
            headers.append((b"content-encoding", coding.encode()))
        headers.append((b"content-length", str(len(body)).encode()))
        if self.vary:
            headers.append((b"vary", self.vary))
        if self.last_modified:
            headers.append((b"last-modified", self.last_modified))
        tag = b""
        if self.app_etag:
            tag = conditional.for_coding(self.app_etag, coding)
        elif self.tagged:
            tag = conditional.etag(self.body, coding)
        if tag:
            headers.append((b"etag", tag))
        return Variant(body, tag, headers)
