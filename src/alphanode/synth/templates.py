"""Templates for the short parts of a page: titles, intros, headings, lists, captions, meta.

Placeholders (``str.format_map``): ``{problem}``, ``{stack}``, ``{scenario}``, ``{area}``,
``{language}``, ``{tool}``, ``{tool2}``, ``{focus}``, ``{suffix}``; summaries also take
``{e1}`` … ``{e4}`` (emphases). The long paragraphs are in ``synth/paragraphs.py``.
"""

from __future__ import annotations

TITLES: tuple[str, ...] = (
    "production checklist for {problem} in {stack}: {suffix}",
    "{problem} in {stack}: {suffix}",
    "a practical look at {problem} for {stack}: {suffix}",
    "how we approach {problem} in {stack}: {suffix}",
    "{problem} with {stack} {scenario}",
    "notes on {problem} in {stack}: {suffix}",
    "field guide to {problem} for {stack} teams",
    "getting {problem} right in {stack}: {suffix}",
    "{stack} in production: {problem} {scenario}",
    "a calm guide to {problem} in {stack}",
)

TITLE_SUFFIXES: tuple[str, ...] = (
    "maintenance guide",
    "field notes",
    "a working checklist",
    "lessons from production",
    "step by step",
    "a short guide",
    "what to check first",
    "a calm approach",
    "the boring way",
    "a team playbook",
)

INTROS: tuple[str, ...] = (
    "a reliable {stack} setup is less about clever code and more about repeatable habits. "
    "in this guide, we look at {problem} {scenario} and keep the steps focused on {focus} work.",
    "{problem} sounds simple until it fails at the worst moment. this article walks through "
    "how to handle it in {stack} {scenario}, with checks you can run before and after each "
    "change.",
    "most teams meet {problem} long after the first release, when the {stack} code base "
    "already has habits of its own. here is a way to approach it {scenario} without a big "
    "rewrite.",
    "this is a practical note on {problem} for {stack}. it is written {scenario}, so it "
    "favors small, verified steps over broad changes and keeps {focus} concerns in front.",
    "when {problem} goes wrong in {stack}, the symptoms usually show up somewhere else first. "
    "this guide traces the problem back to its cause and shows a fix that holds up {scenario}.",
    "good {area} work is mostly about removing surprises. below we take {problem} in {stack} "
    "and turn it into a short, repeatable routine {scenario}.",
    "there is no single command that solves {problem}. what helps in {stack} is a clear "
    "default, a way to measure it, and a note that explains both. this guide covers all three "
    "{scenario}.",
    "{scenario}, {problem} deserves more attention than it usually gets. this article shows "
    "how we handle it in {stack} with {tool} and a few plain checks.",
)

PROSE_HEADINGS: tuple[str, ...] = (
    "the practical approach",
    "production checks",
    "why this matters",
    "what to measure first",
    "common mistakes",
    "a safer rollout",
    "how to roll back",
    "setting the default",
    "testing the change",
    "keeping it observable",
    "what changes for the team",
    "the first small step",
    "edge cases worth knowing",
    "working with {tool}",
    "{problem} in practice",
    "where {stack} gets tricky",
    "reading the numbers",
    "when to stop tuning",
)

CHECK_HEADINGS: tuple[str, ...] = (
    "implementation checklist",
    "rollout checklist",
    "before you ship",
    "a short checklist",
    "steps in order",
    "what to do next",
)

FINAL_HEADINGS: tuple[str, ...] = (
    "final notes",
    "wrapping up",
    "closing notes",
    "what to keep",
    "summary",
    "next steps",
)

CHECKLIST_ITEMS: tuple[str, ...] = (
    "capture the current behavior",
    "create a safe backup",
    "test the smallest change",
    "watch logs after release",
    "write the final note",
    "agree on an owner",
    "write down the rollback command",
    "measure before and after",
    "run the change in staging first",
    "check the error rate for an hour",
    "review the diff with a colleague",
    "update the runbook",
    "pin the versions you tested",
    "remove the temporary flag",
    "tell support what changed",
    "keep the old path for one release",
    "add an alert for the new limit",
    "record the numbers in the ticket",
    "delete the unused settings",
    "confirm the backup can be restored",
    "schedule a follow up review",
    "note the assumptions you made",
    "compare staging and production settings",
    "check the dashboards after deploy",
)

CAPTIONS: tuple[str, ...] = (
    "{problem} with {stack} visual reference {n}",
    "{stack} dashboard for {problem} figure {n}",
    "{problem} rollout diagram {n}",
    "{stack} {problem} screenshot {n}",
    "before and after {problem} chart {n}",
)

SUMMARIES: tuple[str, ...] = (
    "this ai-style technical summary explains {problem} in {stack}, with emphasis on {e1}, "
    "{e2}, {e3}, and {e4}.",
    "a short technical summary of {problem} for {stack}: it covers {e1}, {e2}, {e3}, and {e4}.",
    "this summary walks through {problem} in {stack} {scenario}, focusing on {e1}, {e2}, and {e3}.",
    "an engineering note on {problem} in {stack} that puts {e1} and {e2} ahead of {e3}.",
    "practical guidance for {problem} in {stack}: {e1}, {e2}, {e3}, and {e4}, in that order.",
    "this ai-style overview covers {problem} for {stack} teams, with attention to {e1}, {e2}, "
    "and {e4}.",
)

BRIEFS: tuple[str, ...] = (
    "the article is written like a careful ai generated engineering draft: it explains the "
    "reason for the change, lists operational checks, and avoids pretending that one command "
    "fixes every production case.",
    "the article reads like a structured ai generated draft: a short context, a few concrete "
    "steps, and a checklist that a reviewer can verify before publishing.",
    "written in the style of an ai assisted runbook, the article keeps each step small, names "
    "what to measure, and leaves the final decision to the team that owns the service.",
    "the draft follows a plain engineering template: why the change matters, how to make it "
    "safely, and how to tell that it worked.",
    "this ai generated style draft favors checks over claims: every recommendation comes with "
    "a way to verify it and a way to undo it.",
    "the article is a generated engineering note meant for review: it is specific about "
    "commands and limits, and cautious about promises.",
)
