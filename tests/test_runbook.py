"""docs/runbook.md: every command in it exists, and its first three steps work as written.

The runbook's ```sh blocks are read with a very small shell: ``NAME=value`` assignments
(``export`` too), ``NAME=value alphanode ...`` environment prefixes, ``> FILE`` for stdout
and ``cat > FILE <<'EOF'`` here-documents. Only ``alphanode`` commands are run (in process,
with the ``Cli`` helper); ``curl``, ``grep``, ``cmp`` and the like are left to the reader and
their effect is asserted here instead. A trailing ``# ... exit N ...`` comment is the exit
code a command must give; without one it must give 0.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.core import TyperGroup, TyperOption

from alphanode.cli.main import build_app
from alphanode.settings import SETTINGS
from alphanode.store.migrate import head
from tests.conftest import REPO, Cli
from tests.helpers import SEED_REF

RUNBOOK = REPO / "docs" / "runbook.md"
# The steps a test can run without a server: capture, backup and verify, rehearse a change.
RUNNABLE = ("0. ", "1. ", "2. ", "3. ")
NEVER_RUN = {("serve",)}  # it would not return
DAY = "2026-03-16"

ASSIGN = re.compile(r"(?:export\s+)?([A-Z][A-Z0-9_]*)=(\$\([^)]*\)|\S+)(?:\s+#.*)?")
ENV_WORD = re.compile(r"[A-Z][A-Z0-9_]*=.*")
HEREDOC = re.compile(r"cat > (\S+) <<'?(\w+)'?")
COMMENT = re.compile(r"\s#\s(.*)$")
EXIT = re.compile(r"\bexit (\d)\b")
VARIABLE = re.compile(r"\$([A-Z][A-Z0-9_]*)")
SEPARATORS = {"|", "||", "&&", ";", "&"}
REDIRECTS = {">", ">>"}


@dataclass(frozen=True)
class Command:
    section: str
    argv: tuple[str, ...]  # after ``alphanode``
    env: tuple[tuple[str, str], ...] = ()
    stdout: str | None = None
    exit_code: int = 0
    line: str = ""


@dataclass(frozen=True)
class Assign:
    section: str
    name: str
    value: str


@dataclass(frozen=True)
class WriteFile:
    section: str
    path: str
    text: str


Step = Command | Assign | WriteFile


# -- reading the runbook ---------------------------------------------------------------------


def sections(text: str) -> Iterator[tuple[str, str, list[str]]]:
    """(section heading, fence language or "" for prose, lines) in order."""
    heading, lang = "", ""
    lines: list[str] = []
    fenced = False
    for raw in text.splitlines():
        if raw.startswith("```"):
            yield heading, lang, lines
            fenced = not fenced
            lang, lines = (raw[3:].strip() or "text") if fenced else "", []
        elif not fenced and raw.startswith("## "):
            yield heading, lang, lines
            heading, lines = raw[3:].strip(), []
        else:
            lines.append(raw)
    yield heading, lang, lines


def logical_lines(lines: list[str]) -> Iterator[str]:
    """Join backslash continuations."""
    pending = ""
    for line in lines:
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        yield pending + line
        pending = ""


def tokens(code: str) -> list[str]:
    lexer = shlex.shlex(code, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    return list(lexer)


def commands_in(section: str, line: str) -> Iterator[Command]:
    """Every ``alphanode`` command on one shell line (pipes and ``&&`` split it)."""
    comment = COMMENT.search(line)
    note = comment.group(1) if comment else ""
    code = line[: comment.start()] if comment else line
    expected = EXIT.search(note)
    segment: list[str] = []
    for token in [*tokens(code), ";"]:
        if token not in SEPARATORS:
            segment.append(token)
            continue
        env: list[tuple[str, str]] = []
        while segment and ENV_WORD.fullmatch(segment[0]):
            name, _, value = segment.pop(0).partition("=")
            env.append((name, value))
        if segment and Path(segment[0]).name == "alphanode":
            argv, stdout = redirections(segment[1:], code)
            yield Command(
                section, argv, tuple(env), stdout, int(expected.group(1)) if expected else 0, line
            )
        segment = []


def redirections(words: list[str], code: str) -> tuple[tuple[str, ...], str | None]:
    """The arguments without redirections, and the file stdout goes to (if any)."""
    argv: list[str] = []
    stdout = None
    rest = iter(words)
    for word in rest:
        if word not in REDIRECTS:
            argv.append(word)
            continue
        target = next(rest)
        if argv and argv[-1].isdigit() and f"{argv[-1]}{word}" in code:
            if argv.pop() == "1":
                stdout = target
        else:
            stdout = target
    return tuple(argv), stdout


def sh_steps(section: str, lines: list[str]) -> Iterator[Step]:
    body = iter(logical_lines(lines))
    for line in body:
        heredoc = HEREDOC.fullmatch(line.strip())
        if heredoc:
            text = []
            for more in body:
                if more.strip() == heredoc.group(2):
                    break
                text.append(more + "\n")
            yield WriteFile(section, shlex.split(heredoc.group(1))[0], "".join(text))
            continue
        assign = ASSIGN.fullmatch(line.strip())
        if assign:
            yield Assign(section, assign.group(1), assign.group(2))
            continue
        yield from commands_in(section, line)


def runbook_steps(text: str) -> list[Step]:
    return [
        step
        for heading, lang, lines in sections(text)
        if lang == "sh"
        for step in sh_steps(heading, lines)
    ]


def inline_commands(text: str) -> list[Command]:
    """``alphanode ...`` in `code spans` of the prose (mentioned, not run)."""
    found: list[Command] = []
    for heading, lang, lines in sections(text):
        if lang:
            continue
        for span in re.findall(r"`([^`\n]+)`", "\n".join(lines)):
            if Path(span.split(" ", 1)[0]).name == "alphanode":
                found += commands_in(heading, span)
    return found


# -- checking commands against the CLI -------------------------------------------------------


def root_command() -> Any:
    return typer.main.get_command(build_app())


def takes_value(command: Any, option: str) -> bool:
    for param in command.params:
        if isinstance(param, TyperOption) and option in param.opts:
            return not param.is_flag
    return False


def command_options(
    argv: tuple[str, ...],
) -> tuple[tuple[str, ...], list[tuple[tuple[str, ...], str]]]:
    """The command path, and each ``--option`` with the path of the command it belongs to."""
    path: list[str] = []
    command = root_command()
    options: list[tuple[tuple[str, ...], str]] = []
    words = iter(argv)
    for word in words:
        if word.startswith("--"):
            name = word.split("=", 1)[0]
            options.append((tuple(path), name))
            if "=" not in word and takes_value(command, name):
                next(words, None)
        elif isinstance(command, TyperGroup):
            path.append(word)
            command = command.commands.get(word)
            if command is None:
                break
    return tuple(path), options


def problems(command: Command) -> list[str]:
    """What is wrong with one runbook command, as the CLI sees it (nothing: [])."""
    path, options = command_options(command.argv)
    cli = Cli("sqlite://")
    helps: dict[tuple[str, ...], str] = {}
    found = []
    for where in {path, *(p for p, _ in options)}:
        result = cli(*where, "--help")
        if result.exit_code != 0 or f"alphanode {' '.join(where)}".strip() not in result.output:
            found.append(f"no command `alphanode {' '.join(where)}`")
        helps[where] = result.output
    if isinstance(root_command_at(path), TyperGroup) and path != ():
        found.append(f"`alphanode {' '.join(path)}` is a group, not a command")
    for where, option in options:
        if not re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", helps[where]):
            found.append(f"`alphanode {' '.join(where)}` has no option {option}")
    return found


def root_command_at(path: tuple[str, ...]) -> Any:
    command = root_command()
    for name in path:
        command = command.commands.get(name) if isinstance(command, TyperGroup) else None
    return command


def all_commands() -> list[Command]:
    text = RUNBOOK.read_text("utf-8")
    return [s for s in runbook_steps(text) if isinstance(s, Command)] + inline_commands(text)


def test_runbook_uses_the_commands_of_its_checklist() -> None:
    paths = {command_options(c.argv)[0] for c in all_commands()}
    for needed in [
        ("defaults",),
        ("check",),
        ("backup",),
        ("restore",),
        ("db", "copy"),
        ("serve",),
        ("review", "list"),
        ("reindex",),
        ("export",),
    ]:
        assert needed in paths, f"docs/runbook.md no longer shows `alphanode {' '.join(needed)}`"
    headings = [h for h, lang, _ in sections(RUNBOOK.read_text("utf-8")) if not lang]
    for step in ["Capture the current", "safe backup", "smallest change", "watch the logs"]:
        assert any(step in h for h in headings), f"no section for {step!r}"
    assert any("final note" in h for h in headings)


def command_id(command: Command) -> str:
    return " ".join(command.argv)[:60] or "alphanode"


@pytest.mark.parametrize("command", all_commands(), ids=command_id)
def test_every_runbook_command_exists_with_its_options(command: Command) -> None:
    assert problems(command) == [], f"docs/runbook.md ({command.section}): {command.line}"


@pytest.mark.parametrize(
    ("line", "wrong"),
    [
        ("alphanode backup x.backup --no-such-option", "has no option --no-such-option"),
        ("alphanode --database x check", "has no option --database"),
        ("alphanode snapshot x.backup", "no command `alphanode snapshot`"),
        ("alphanode db clone --from a --to b", "no command `alphanode db clone`"),
        ("alphanode review", "is a group, not a command"),
        ("ALPHANODE_X=1 alphanode serve --log-level json 2>> log", "has no option --log-level"),
    ],
)
def test_a_renamed_command_or_option_is_caught(line: str, wrong: str) -> None:
    [command] = commands_in("test", line)
    assert any(wrong in p for p in problems(command))


def test_the_shell_reader() -> None:
    line = 'A=1 B="x y" alphanode --db "$S" check --json > "c-$DAY.json"  # exit 2: refused'
    [c] = commands_in("s", line)
    env = (("A", "1"), ("B", "x y"))
    assert c == Command("s", ("--db", "$S", "check", "--json"), env, "c-$DAY.json", 2, line)
    [c] = commands_in("s", "alphanode serve --workers 2 2>> serve.log")
    assert (c.argv, c.stdout) == (("serve", "--workers", "2"), None)
    piped = commands_in("s", "alphanode export | head -n 1 && alphanode check")
    assert [c.argv for c in piped] == [("export",), ("check",)]
    steps = list(sh_steps("s", ["X=sqlite:///a-$DAY.db", "cat > f.toml <<'EOF'", "a = 1", "EOF"]))
    assert steps == [Assign("s", "X", "sqlite:///a-$DAY.db"), WriteFile("s", "f.toml", "a = 1\n")]


# -- running steps 1 to 3 --------------------------------------------------------------------


@dataclass
class Shell:
    """Runs the runbook's alphanode commands in one directory, against one live database."""

    cli: Cli
    monkeypatch: pytest.MonkeyPatch
    variables: dict[str, str]
    preset: frozenset[str]
    runs: list[tuple[Command, Any]] = field(default_factory=list)

    def expand(self, word: str) -> str:
        def value(match: re.Match[str]) -> str:
            name = match.group(1)
            assert name in self.variables, f"docs/runbook.md uses ${name} before setting it"
            return self.variables[name]

        assert "$(" not in word, f"cannot evaluate {word!r}"
        return VARIABLE.sub(value, word)

    def do(self, step: Step) -> None:
        if isinstance(step, Assign):
            if step.name not in self.preset:
                self.variables[step.name] = self.expand(shlex.split(step.value)[0])
        elif isinstance(step, WriteFile):
            Path(self.expand(step.path)).write_text(step.text, "utf-8")
        elif command_options(step.argv)[0] not in NEVER_RUN:
            self.run(step)

    def run(self, command: Command) -> None:
        argv = [self.expand(word) for word in command.argv]
        with self.monkeypatch.context() as env:
            for name, value in command.env:
                env.setenv(name, self.expand(value))
            result = self.cli(*argv)
        assert result.exit_code == command.exit_code, (
            f"docs/runbook.md ({command.section}): {command.line}\n{result.output}{result.stderr}"
        )
        if command.stdout is not None:
            Path(self.expand(command.stdout)).write_text(result.stdout, "utf-8")
        self.runs.append((command, result))

    def result(self, *words: str) -> Any:
        """The one run whose arguments hold all these words."""
        found = [result for command, result in self.runs if all(w in command.argv for w in words)]
        assert len(found) == 1, f"expected one run of {words} in docs/runbook.md, got {len(found)}"
        return found[0]


def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in os.environ if n.startswith("ALPHANODE_")]:
        monkeypatch.delenv(name)


def test_steps_1_to_3_run_as_written(
    tmp_path: Path, seed_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clean_environment(monkeypatch)
    monkeypatch.chdir(tmp_path)
    live = f"sqlite:///{tmp_path / 'live.db'}"
    monkeypatch.setenv("ALPHANODE_DATABASE_URL", live)
    cli = Cli(live)
    assert cli("import", str(seed_path)).exit_code == 0
    assert cli("review", "approve", "--all-pending", "--as", "runbook").exit_code == 0

    preset = {"DAY": DAY, "ALPHANODE_DATABASE_URL": live}
    shell = Shell(cli, monkeypatch, dict(preset), frozenset(preset))
    for step in runbook_steps(RUNBOOK.read_text("utf-8")):
        if step.section.startswith(RUNNABLE):
            shell.do(step)

    # 1. Capture: every setting with owner, expected result and rollback; the site is healthy.
    defaults = json.loads((tmp_path / f"defaults-{DAY}.json").read_text("utf-8"))
    assert [d["name"] for d in defaults] == [s.name for s in SETTINGS]
    assert all(d["owner"] and d["expected"] and d["rollback"] for d in defaults)
    check = json.loads((tmp_path / f"check-{DAY}.json").read_text("utf-8"))
    assert (check["ok"], check["posts"], check["schema"]) == (True, 1, head())
    assert "up to date" in shell.result("db", "current").stdout
    assert json.loads((tmp_path / f"review-{DAY}.json").read_text("utf-8"))["count"] == 0

    # 2. Backup: the reported sha256 is the file's; the restored copy holds every post.
    backup = tmp_path / f"alphanode-{DAY}.backup"
    report = json.loads((tmp_path / f"backup-{DAY}.json").read_text("utf-8"))
    assert report["ok"] and report["posts"] == 1
    assert report["sha256"] == hashlib.sha256(backup.read_bytes()).hexdigest()
    restored = shell.result("restore", "$SCRATCH").stdout
    assert restored.startswith("ok: ") and "1 posts, 1 revisions" in restored
    exported = (tmp_path / f"live-{DAY}.jsonl").read_text("utf-8")
    assert SEED_REF in exported
    assert (tmp_path / f"scratch-{DAY}.jsonl").read_text("utf-8") == exported  # cmp

    # 3. The change, rehearsed on a verified copy; a bad value is refused by name.
    assert "1 posts, 1 revisions" in shell.result("restore", "$STAGING").stdout
    assert "every table's checksum matches" in shell.result("db", "copy").stdout
    assert (tmp_path / f"copy-{DAY}.db").is_file()
    staging_checks = [r for c, r in shell.runs if "check" in c.argv and "$STAGING" in c.argv]
    assert len(staging_checks) == 4
    bad = [r for r in staging_checks if r.exit_code == 2]
    assert len(bad) == 1
    assert "AN-CONFIG-002 setting page_cache_entries" in bad[0].stderr
    [quoted] = re.findall(r"`(error: AN-CONFIG-002[^`]*)`", RUNBOOK.read_text("utf-8"))
    assert " ".join(quoted.split()) in bad[0].stderr  # the message the runbook shows
    assert all(r.stdout.startswith("ok: ") for r in staging_checks if r.exit_code == 0)
    assert shell.result("--config").stdout.startswith("ok: ")
    assert (tmp_path / f"staging-{DAY}.db").is_file()
