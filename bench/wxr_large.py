"""A large WordPress export imported through the real CLI: peak memory must stay flat.

    nice .venv/bin/python bench/wxr_large.py [--sizes 100,1000] [--item-kb 8] [--keep DIR] [--json]

Builds WXR files of the given sizes (MB) from the items of the WordPress importer's own test
exports (``../shared/peers/wordpress-importer/``; without it, from a small built-in export),
repeating every item with fresh post ids, slugs and titles (attachments keep pointing at their
copied parent) and padding each post's content to about ``--item-kb`` KB. Each file is then
imported by ``alphanode import FILE --json`` into a new SQLite database, as a child process
whose resident memory is sampled from /proc while it runs; the peak (``VmHWM``/``wait4``) is
printed per size with docs/s, so a 10x larger file with the same peak shows memory is flat.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from lxml import etree

REPO = Path(__file__).resolve().parents[1]
PEERS = REPO.parent / "shared" / "peers" / "wordpress-importer"
WP = "http://wordpress.org/export/1.2/"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
SAMPLE_EVERY = 0.25  # seconds between RSS samples of the importing process

BUILT_IN = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
  xmlns:content="{CONTENT}" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="{WP}">
<channel><title>bench</title><link>https://bench.example/</link>
<wp:wxr_version>1.2</wp:wxr_version>
<wp:author><wp:author_login>ada</wp:author_login>
<wp:author_display_name>Ada Lovelace</wp:author_display_name></wp:author>
<item><title>Backups that restore</title><link>https://bench.example/?p=1</link>
<dc:creator>ada</dc:creator><content:encoded><![CDATA[<p>Run <code>pg_dump</code> nightly.</p>
<pre class="wp-block-code"><code class="language-bash">pg_dump -Fc app &gt; app.dump</code></pre>
<table><tr><th>tool</th><th>time</th></tr><tr><td>pg_dump</td><td>4 min</td></tr></table>
<p>See <a href="https://www.postgresql.org/docs/">the docs</a>.</p>]]></content:encoded>
<excerpt:encoded><![CDATA[Nightly dumps]]></excerpt:encoded>
<wp:post_id>1</wp:post_id><wp:post_date_gmt>2024-01-02 03:04:05</wp:post_date_gmt>
<wp:post_name>backups-that-restore</wp:post_name><wp:status>publish</wp:status>
<wp:post_type>post</wp:post_type><wp:post_parent>0</wp:post_parent>
<category domain="post_tag" nicename="ops"><![CDATA[ops]]></category>
<wp:postmeta><wp:meta_key>_edit_last</wp:meta_key><wp:meta_value>1</wp:meta_value></wp:postmeta>
</item>
<item><title>diagram</title><wp:post_id>2</wp:post_id><wp:post_type>attachment</wp:post_type>
<wp:post_parent>1</wp:post_parent>
<wp:attachment_url>https://bench.example/diagram.png</wp:attachment_url></item>
</channel></rss>
"""


def _parser() -> Any:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def _local(el: Any) -> str:
    return str(el.tag).rpartition("}")[2] if isinstance(el.tag, str) else ""


def template() -> tuple[bytes, list[tuple[int, Any]], str]:
    """(the channel's head up to its first item, (file number, item) to repeat, their origin)."""
    sources = sorted(PEERS.rglob("*.xml")) if PEERS.is_dir() else []
    items: list[tuple[int, Any]] = []
    head: bytes | None = None
    used: list[str] = []
    for path in sources:
        try:
            root = etree.fromstring(path.read_bytes(), _parser())  # noqa: S320 - safe parser
        except etree.XMLSyntaxError:
            continue  # the malformed ones are the point of other tests
        channel = root.find("channel")
        version = channel.findtext("{*}wxr_version") if channel is not None else None
        found = channel.findall("item") if channel is not None else []
        if not found or version not in ("1.0", "1.1", "1.2"):
            continue
        items.extend((len(used), item) for item in found)
        used.append(str(path.relative_to(PEERS)))
        if head is None or path.name == "small-export.xml":
            head = _head(root)
    if not items:
        root = etree.fromstring(BUILT_IN.encode(), _parser())  # noqa: S320 - safe parser
        return _head(root), [(0, i) for i in root.find("channel").findall("item")], "built-in"
    assert head is not None  # noqa: S101 - set with the first items
    return head, items, f"{len(used)} peers files: " + ", ".join(used)


def _head(root: Any) -> bytes:
    """The document up to the channel's first item, without any item."""
    shell = copy.deepcopy(root)
    channel = shell.find("channel")
    for item in channel.findall("item"):
        channel.remove(item)
    text = etree.tostring(shell, encoding="UTF-8", xml_declaration=True)
    return text[: text.rindex(b"</channel>")]


def _field(item: Any, name: str) -> Any:
    return next((c for c in item if _local(c) == name and "wordpress.org" in str(c.tag)), None)


def _number(item: Any, name: str) -> str:
    f = _field(item, name)
    return (f.text or "").strip() if f is not None else ""


def write_wxr(path: Path, megabytes: int, item_kb: int) -> dict[str, Any]:
    """Repeat the template's items with fresh ids until the file has ``megabytes`` MB."""
    head, items, origin = template()
    # Item j of copy k gets post id k * len(items) + j + 1; a parent id points at the copy of
    # the parent from the same source file (its attachments stay its figures).
    index = {(f, _number(item, "post_id")): j for j, (f, item) in enumerate(items)}
    parents = [index.get((f, _number(item, "post_parent"))) for f, item in items]
    target = megabytes * 1_000_000
    written = len(head)
    copies = 0
    with path.open("wb") as fh:
        fh.write(head)
        while written < target:
            base = copies * len(items) + 1
            for j, (_, item) in enumerate(items):
                parent = parents[j]
                el = _copy(item, copies, base + j, None if parent is None else base + parent)
                piece = _padded(el, copies, item_kb)
                fh.write(piece)
                written += len(piece)
            copies += 1
        tail = b"</channel>\n</rss>\n"
        fh.write(tail)
    size = path.stat().st_size
    return {"bytes": size, "copies": copies, "template_items": len(items), "from": origin}


def _copy(item: Any, k: int, post_id: int, parent: int | None) -> Any:
    """Item ``item`` as copy ``k``: a fresh id, its parent's copy, its name and title marked."""
    el = copy.deepcopy(item)
    for name, value in (("post_id", post_id), ("post_parent", parent)):
        f = _field(el, name)
        if f is not None and value is not None:
            f.text = str(value)
    slug = _field(el, "post_name")
    if slug is not None:
        slug.text = f"{(slug.text or 'post').strip()}-copy-{k}"
    for c in el:
        if _local(c) == "title" and "}" not in str(c.tag):
            c.text = f"{c.text or 'Untitled'} (copy {k})"
        elif _local(c) == "guid":
            c.text = f"{c.text or ''}#copy-{k}"
    return el


_SYLLABLES = ("ka de ri mo tu sa ne lo pi ga vo fe zu ha ji be wa ny qu ox el ar in um").split()


def _words(seed: int, count: int) -> str:
    """``count`` made-up words drawn for ``seed``: 24³ of them, so copies share few shingles
    and are not near-duplicates of each other (as real posts are not)."""
    draw = random.Random(seed)  # noqa: S311 - test content, not a secret
    return " ".join("".join(draw.choices(_SYLLABLES, k=3)) for _ in range(count))


def _padded(el: Any, k: int, item_kb: int) -> bytes:
    """The item as bytes, its content grown to about ``item_kb`` KB with paragraphs of ~1 KB
    of words drawn for the copy."""
    for c in el:
        if _local(c) == "encoded" and str(c.tag).startswith("{" + CONTENT):
            body = c.text or ""
            n = 0
            while len(body) < item_kb * 1000:
                body += f"\n\n<p>Copy {k}, part {n}: " + _words(k * 1000 + n, 130) + ".</p>"
                n += 1
            c.text = etree.CDATA(body) if "]]>" not in body else body
    return bytes(etree.tostring(el, encoding="UTF-8")) + b"\n"


def import_measured(path: Path, db: str) -> dict[str, Any]:
    """``alphanode import FILE --json`` as a child: its peak RSS, RSS over time, docs/s."""
    started = time.perf_counter()
    proc = subprocess.Popen(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "alphanode", "--db", db, "import", str(path), "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    samples: list[tuple[float, int]] = []
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            rss = _rss_kb(proc.pid)
            if rss:
                samples.append((time.perf_counter() - started, rss))
            done.wait(SAMPLE_EVERY)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    assert proc.stdout is not None  # noqa: S101 - stdout=PIPE
    out = proc.stdout.read()  # the summary comes at the end; reading it never blocks the child
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    done.set()
    sampler.join()
    seconds = time.perf_counter() - started
    if proc.returncode not in (0, 3):
        raise SystemExit(f"import of {path} failed: exit {proc.returncode}")
    report = json.loads(out)
    return {
        "seconds": round(seconds, 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),  # Linux: kilobytes
        "rss_mb_at": _quartiles(samples),
        "documents": report["documents"],
        "imported": report["imported"],
        "rejected": report["rejected"],
        "skipped": report["skipped"],
        "docs_per_second": round(report["documents"] / seconds),
        "mb_per_second": round(path.stat().st_size / 1e6 / seconds, 2),
    }


def _rss_kb(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    line = next((x for x in status.splitlines() if x.startswith("VmRSS:")), "VmRSS: 0 kB")
    return int(line.split()[1])


def _quartiles(samples: list[tuple[float, int]]) -> dict[str, float]:
    """RSS (MB) at 10%, 25%, 50%, 75% and 100% of the run: flat memory is flat here."""
    if not samples:
        return {}
    out: dict[str, float] = {}
    for share in (0.10, 0.25, 0.50, 0.75, 1.0):
        at = min(len(samples) - 1, int(share * (len(samples) - 1)))
        out[f"{int(share * 100)}%"] = round(samples[at][1] / 1024, 1)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="100,1000", help="file sizes in MB, comma separated")
    ap.add_argument("--item-kb", type=int, default=8, help="pad each post's content to this")
    ap.add_argument("--keep", type=Path, help="work in this directory and keep it")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="wxr-large-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        for size in (int(s) for s in args.sizes.split(",")):
            path = work / f"export-{size}mb.xml"
            t0 = time.perf_counter()
            made = write_wxr(path, size, args.item_kb)
            made["build_seconds"] = round(time.perf_counter() - t0, 1)
            measured = import_measured(path, f"sqlite:///{work / f'wxr-{size}.db'}")
            results.append({"megabytes": size, **made, **measured})
            if not args.json:
                r = results[-1]
                print(
                    f"{size} MB ({r['bytes'] / 1e6:.0f} MB, {r['documents']} items from "
                    f"{r['template_items']} x {r['copies']}): peak RSS {r['peak_rss_mb']} MB, "
                    f"RSS over the run {r['rss_mb_at']}, {r['seconds']} s, "
                    f"{r['docs_per_second']} docs/s, {r['mb_per_second']} MB/s; imported "
                    f"{r['imported']}, rejected {r['rejected']}, skipped {r['skipped']}",
                    flush=True,
                )
            path.unlink()
    if args.json:
        print(
            json.dumps({"from": results[0]["from"] if results else "", "runs": results}, indent=2)
        )
    elif len(results) > 1:
        ratio = results[-1]["peak_rss_mb"] / results[0]["peak_rss_mb"]
        print(f"peak RSS, largest file / smallest: {ratio:.2f}")


if __name__ == "__main__":
    main()
