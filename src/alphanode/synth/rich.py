"""Rich blocks for a share of synthesized articles: inline code, links, a code block in the
stack's language, a table and a numbered procedure (``--rich``); hostile values in them for
hostile documents. Drawn from a generator of their own, so documents without them are
byte-identical to before."""

from __future__ import annotations

import random
from typing import Any

from alphanode.content.document import (
    Block,
    Code,
    Document,
    Heading,
    Inline,
    InlineCode,
    Link,
    ListBlock,
    Table,
    Text,
    paragraph,
)
from alphanode.synth.draw import Uniform, between, pick, sample

_SALT = 0x5EED_C0DE  # the rich blocks' own stream: the document's draws are untouched

# One short sample per code language; {tool} and {name} are filled per document.
SNIPPETS: dict[str, str] = {
    "python": (
        "import {tool}\n"
        "\n"
        "\n"
        "def {name}(limit: int = 10) -> None:\n"
        '    """Keep it boring."""\n'
        "    for attempt in range(limit):\n"
        "        {tool}.check(attempt)\n"
    ),
    "javascript": (
        "import {{ check }} from '{tool}';\n"
        "\n"
        "export function {name}(limit = 10) {{\n"
        "  for (let i = 0; i < limit; i++) check(i);\n"
        "}}\n"
    ),
    "typescript": (
        "import {{ check }} from '{tool}';\n"
        "\n"
        "export function {name}(limit: number = 10): void {{\n"
        "  for (let i = 0; i < limit; i++) check(i);\n"
        "}}\n"
    ),
    "jsx": (
        "export function {name}({{ items }}) {{\n"
        "  return <ul>{{items.map((i) => <li key={{i}}>{{i}}</li>)}}</ul>;\n"
        "}}\n"
    ),
    "go": (
        "package main\n"
        "\n"
        'import "fmt"\n'
        "\n"
        "func {name}(limit int) {{\n"
        "\tfor i := 0; i < limit; i++ {{\n"
        '\t\tfmt.Println("{tool}", i)\n'
        "\t}}\n"
        "}}\n"
    ),
    "rust": (
        "fn {name}(limit: u32) {{\n"
        "    for i in 0..limit {{\n"
        '        println!("{tool} {{}}", i);\n'
        "    }}\n"
        "}}\n"
    ),
    "java": (
        "public final class Check {{\n"
        "    static void {name}(int limit) {{\n"
        '        for (int i = 0; i < limit; i++) System.out.println("{tool} " + i);\n'
        "    }}\n"
        "}}\n"
    ),
    "kotlin": (
        'fun {name}(limit: Int = 10) {{\n    repeat(limit) {{ println("{tool} $it") }}\n}}\n'
    ),
    "csharp": (
        "static void {name}(int limit = 10)\n"
        "{{\n"
        '    for (var i = 0; i < limit; i++) Console.WriteLine($"{tool} {{i}}");\n'
        "}}\n"
    ),
    "swift": (
        'func {name}(limit: Int = 10) {{\n    for i in 0..<limit {{ print("{tool} \\(i)") }}\n}}\n'
    ),
    "ruby": ('def {name}(limit = 10)\n  limit.times {{ |i| puts "{tool} #{{i}}" }}\nend\n'),
    "php": (
        "<?php\n"
        "function {name}(int $limit = 10): void {{\n"
        '    for ($i = 0; $i < $limit; $i++) echo "{tool} $i\\n";\n'
        "}}\n"
    ),
    "elixir": (
        "defmodule Check do\n"
        '  def {name}(limit \\\\ 10), do: Enum.each(1..limit, &IO.puts("{tool} #{{&1}}"))\n'
        "end\n"
    ),
    "bash": (
        "#!/usr/bin/env bash\n"
        "set -euo pipefail\n"
        "for i in $(seq 1 10); do\n"
        '  {tool} --check "$i"\n'
        "done\n"
    ),
    "sql": (
        "SELECT id, status, updated_at\n"
        "FROM {name}\n"
        "WHERE status <> 'done'\n"
        "ORDER BY updated_at DESC\n"
        "LIMIT 10;\n"
    ),
    "yaml": ("{name}:\n  tool: {tool}\n  retries: 3\n  timeout_seconds: 30\n"),
    "dockerfile": (
        "FROM debian:bookworm-slim\n"
        "RUN apt-get update && apt-get install -y {tool}\n"
        'CMD ["{tool}", "--check"]\n'
    ),
    "hcl": ('resource "{tool}" "{name}" {{\n  count   = 2\n  enabled = true\n}}\n'),
    "nginx": (
        "location /{name}/ {{\n"
        "    proxy_pass http://127.0.0.1:8080;\n"
        "    proxy_read_timeout 30s;\n"
        "}}\n"
    ),
    "redis": ("SET {name}:limit 10 EX 60\nINCR {name}:count\nGET {name}:count\n"),
}
FILE_SUFFIX = {
    "csharp": "cs",
    "javascript": "js",
    "typescript": "ts",
    "python": "py",
    "kotlin": "kt",
    "rust": "rs",
    "ruby": "rb",
    "elixir": "ex",
    "bash": "sh",
}
NAMES = ("check_limits", "warm_cache", "drain_queue", "rotate_keys", "probe_health")
LINKS = (
    ("the official documentation", "https://docs.example.org/{tool}/"),
    ("the release notes", "https://example.org/{tool}/releases"),
    ("our earlier post", "/posts/"),
    ("the maintainers", "mailto:maintainers@example.org"),
)
STEPS = (
    "Measure the current behaviour under a realistic load.",
    "Write down the value you expect and why.",
    "Change one setting at a time with {tool}.",
    "Run the checks again and compare with the baseline.",
    "Roll back if the numbers do not move.",
    "Record the decision next to the setting.",
)
HOSTILE_CODE = '</code></pre><script>alert("code")</script><img src=x onerror="alert(1)">'
HOSTILE_INLINE = "<script>alert('inline')</script>"
HOSTILE_URLS = (
    "javascript:alert(document.cookie)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "java\tscript:alert(1)",
)
HOSTILE_CELL = "<img src=x onerror=\"alert('cell')\">"


def is_rich(seed: int, rate: float) -> bool:
    return rate > 0 and random.Random(seed ^ _SALT).random() < rate


def enrich(doc: Document, seed: int, hostile: bool = False) -> Document:
    """``doc`` with the rich blocks after its first section's heading (at the end if none)."""
    u = random.Random((seed ^ _SALT) + 1).random
    meta = doc.meta
    language = meta.get("code_language") if isinstance(meta.get("code_language"), str) else ""
    tools = [t for t in meta.get("tools", []) if isinstance(t, str)] or ["the tool"]
    ctx = {"tool": pick(u, tools), "name": pick(u, NAMES)}
    blocks = _blocks(u, str(language), ctx, hostile)
    body = list(doc.body)
    at = next((i + 1 for i, b in enumerate(body) if isinstance(b, Heading)), len(body))
    body[at:at] = blocks
    return Document(doc.title, tuple(body), _meta(meta))


def _blocks(u: Uniform, language: str, ctx: dict[str, str], hostile: bool) -> list[Block]:
    label, url = pick(u, LINKS)
    url = url.format_map(ctx)
    command = f"{ctx['tool']} --check"
    if hostile:
        url, command = pick(u, HOSTILE_URLS), HOSTILE_INLINE
    intro = paragraph(
        [
            Text("Start with "),
            InlineCode(command),
            Text(" and keep "),
            Link(url, (Text(label),)),
            Text(" open while you work."),
        ]
    )
    code = SNIPPETS.get(language, SNIPPETS["bash"]).format_map(ctx)
    if hostile:
        code = code + HOSTILE_CODE
    suffix = FILE_SUFFIX.get(language, language)
    filename = f"{ctx['name']}.{suffix}" if u() < 0.5 else ""
    steps = [s.format_map(ctx) for s in sample(u, STEPS, between(u, 3, 5))]
    rows: list[tuple[tuple[Inline, ...], ...]] = [
        ((Text("Setting"),), (Text("Before"),), (Text("After"),)),
        *(
            (
                (InlineCode(f"{ctx['name']}.{k}"),),
                (Text(str(between(u, 1, 50))),),
                (Text(HOSTILE_CELL if hostile and n == 0 else str(between(u, 1, 50))),),
            )
            for n, k in enumerate(sample(u, ("limit", "timeout", "retries", "workers"), 3))
        ),
    ]
    return [
        intro,
        Code(code, language, filename),
        Table((None, "right", "right"), tuple(rows)),
        ListBlock(tuple(steps), ordered=True),
    ]


def _meta(meta: dict[str, Any]) -> dict[str, Any]:
    """The derived meta kept true: the payload counts one more paragraph (the reading time
    is the template's, as for every synthesized page)."""
    out = dict(meta)
    payload = out.get("payload")
    if isinstance(payload, dict) and isinstance(payload.get("paragraphs"), int):
        out["payload"] = {**payload, "paragraphs": payload["paragraphs"] + 1}
    return out
