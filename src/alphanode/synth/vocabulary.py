"""The synthesizer's vocabulary: problems, stacks with their tools, scenarios and meta pools.

Every string here is lower-case plain text (letters, digits, spaces, ``.``, ``-``, ``_``,
``,``): it goes into titles, headings, captions and placeholder URLs unescaped, and JSON
needs no escapes for it. ``tests/synth/test_vocabulary.py`` holds that rule.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Stack:
    """A technology stack: its name, area, language tag, code language and usual tools."""

    name: str
    area: str
    language: str
    code_language: str
    tools: tuple[str, ...]


PROBLEMS: tuple[str, ...] = (
    "documenting production defaults",
    "tuning connection pools",
    "rotating secrets safely",
    "setting cache headers",
    "writing database migrations",
    "reducing cold start time",
    "handling retries and timeouts",
    "structuring log output",
    "adding health checks",
    "pinning dependency versions",
    "planning zero downtime deploys",
    "testing backup restores",
    "measuring page load time",
    "limiting request rates",
    "profiling slow endpoints",
    "indexing search queries",
    "paginating large tables",
    "validating user input",
    "handling file uploads",
    "scheduling background jobs",
    "managing feature flags",
    "versioning public apis",
    "monitoring error rates",
    "tracing slow requests",
    "sizing worker processes",
    "cleaning up stale data",
    "reviewing access permissions",
    "hardening default configs",
    "automating release notes",
    "speeding up test suites",
    "splitting large modules",
    "caching expensive queries",
    "compressing static assets",
    "configuring content security policy",
    "handling time zones",
    "storing uploaded images",
    "running database maintenance",
    "tuning garbage collection",
    "limiting memory usage",
    "debugging flaky tests",
    "writing runbooks",
    "setting alert thresholds",
    "managing environment variables",
    "migrating legacy endpoints",
    "deduplicating imported records",
    "sanitizing html input",
    "building search indexes",
    "keeping docs in sync",
    "reducing container image size",
    "warming caches after deploys",
    "handling graceful shutdown",
    "capping queue backlogs",
    "auditing third party scripts",
    "choosing sensible timeouts",
    "batching database writes",
    "recovering from partial failures",
    "tracking slow queries",
    "securing admin routes",
    "renewing tls certificates",
    "measuring cache hit rates",
    "controlling log volume",
    "planning schema changes",
    "watching disk usage",
    "shipping configuration changes",
)

STACKS: tuple[Stack, ...] = (
    Stack(
        "python services",
        "backend",
        "python",
        "python",
        ("fastapi", "pytest", "uvicorn", "ruff", "mypy", "gunicorn"),
    ),
    Stack(
        "django applications",
        "backend",
        "python",
        "python",
        ("django", "celery", "pytest", "gunicorn", "whitenoise"),
    ),
    Stack(
        "node.js apis",
        "backend",
        "javascript",
        "javascript",
        ("express", "jest", "npm", "eslint", "pm2"),
    ),
    Stack(
        "typescript frontends",
        "frontend",
        "typescript",
        "typescript",
        ("vite", "vitest", "tsc", "eslint", "playwright"),
    ),
    Stack(
        "react single page apps",
        "frontend",
        "javascript",
        "jsx",
        ("react", "vite", "jest", "eslint", "storybook"),
    ),
    Stack(
        "vue dashboards",
        "frontend",
        "javascript",
        "javascript",
        ("vue", "pinia", "vite", "vitest", "eslint"),
    ),
    Stack(
        "go microservices",
        "backend",
        "go",
        "go",
        ("go test", "gofmt", "golangci-lint", "pprof", "delve"),
    ),
    Stack(
        "rust cli tools",
        "tooling",
        "rust",
        "rust",
        ("cargo", "clap", "clippy", "rustfmt", "criterion"),
    ),
    Stack(
        "java spring services",
        "backend",
        "java",
        "java",
        ("spring boot", "maven", "junit", "gradle", "jfr"),
    ),
    Stack(
        "kotlin android apps",
        "mobile",
        "kotlin",
        "kotlin",
        ("gradle", "android studio", "ktlint", "espresso", "adb"),
    ),
    Stack(
        "swift ios apps",
        "mobile",
        "swift",
        "swift",
        ("xcode", "swiftlint", "xctest", "instruments", "fastlane"),
    ),
    Stack(
        "php laravel sites",
        "backend",
        "php",
        "php",
        ("laravel", "composer", "phpunit", "artisan", "php-fpm"),
    ),
    Stack(
        "ruby on rails apps",
        "backend",
        "ruby",
        "ruby",
        ("rails", "bundler", "rspec", "sidekiq", "puma"),
    ),
    Stack(
        "dotnet web apis",
        "backend",
        "csharp",
        "csharp",
        ("asp.net core", "dotnet cli", "xunit", "nuget", "serilog"),
    ),
    Stack(
        "elixir phoenix apps",
        "backend",
        "elixir",
        "elixir",
        ("phoenix", "mix", "exunit", "ecto", "observer"),
    ),
    Stack(
        "postgresql databases",
        "database",
        "sql",
        "sql",
        ("psql", "pg_dump", "pgbouncer", "explain analyze", "pg_stat_statements"),
    ),
    Stack(
        "mysql databases",
        "database",
        "sql",
        "sql",
        ("mysql client", "mysqldump", "percona toolkit", "slow query log", "explain"),
    ),
    Stack(
        "sqlite embedded stores",
        "database",
        "sql",
        "sql",
        ("sqlite3 shell", "fts5", "wal mode", "litestream", "vacuum"),
    ),
    Stack(
        "redis caches",
        "database",
        "redis",
        "redis",
        ("redis-cli", "redis insight", "memtier", "sentinel", "keyspace events"),
    ),
    Stack(
        "kafka pipelines",
        "data",
        "java",
        "java",
        ("kafka connect", "schema registry", "kcat", "cruise control", "ksqldb"),
    ),
    Stack(
        "kubernetes clusters",
        "infrastructure",
        "yaml",
        "yaml",
        ("kubectl", "helm", "kustomize", "k9s", "prometheus"),
    ),
    Stack(
        "docker deployments",
        "infrastructure",
        "dockerfile",
        "dockerfile",
        ("docker", "compose", "buildx", "hadolint", "trivy"),
    ),
    Stack(
        "terraform infrastructure",
        "infrastructure",
        "hcl",
        "hcl",
        ("terraform", "tflint", "terragrunt", "checkov", "infracost"),
    ),
    Stack(
        "nginx reverse proxies",
        "infrastructure",
        "nginx",
        "nginx",
        ("nginx", "certbot", "goaccess", "curl", "openssl"),
    ),
    Stack(
        "aws lambda functions",
        "serverless",
        "python",
        "python",
        ("aws cli", "sam", "cloudwatch", "x-ray", "boto3"),
    ),
    Stack(
        "bash automation scripts",
        "tooling",
        "bash",
        "bash",
        ("shellcheck", "bats", "cron", "systemd", "make"),
    ),
)

SCENARIOS: tuple[str, ...] = (
    "for long term maintenance",
    "for a small team",
    "before a major release",
    "during an incident review",
    "for new team members",
    "after a traffic spike",
    "for a compliance audit",
    "during a cloud migration",
    "for a side project going live",
    "before a holiday code freeze",
    "after a failed deployment",
    "for a multi region rollout",
    "while paying down technical debt",
    "for a tight budget",
)

# Tools every stack shares; one or two follow the stack's own tools, as in the seed page.
COMMON_TOOLS: tuple[str, ...] = ("git", "logs", "metrics", "dashboards", "ci", "tracing")

FOCUSES: tuple[str, ...] = (
    "production",
    "day to day",
    "operational",
    "release",
    "maintenance",
    "real",
)
DIFFICULTIES: tuple[str, ...] = ("beginner", "intermediate", "intermediate", "advanced")
STATUSES: tuple[str, ...] = ("draft", "expanded", "reviewed", "rewritten", "published", "updated")
# Statuses a person has signed off; any other sets the "needs human review" flag.
REVIEWED_STATUSES: tuple[str, ...] = ("reviewed", "published")

EMPHASES: tuple[str, ...] = (
    "measurement",
    "safe defaults",
    "rollback planning",
    "maintainable documentation",
    "clear ownership",
    "small releases",
    "observable behavior",
    "repeatable commands",
    "honest error messages",
    "staging rehearsals",
)

RECOMMENDED_ACTIONS: tuple[str, ...] = (
    "measure first, change carefully, document the result",
    "write the default down, test it, then ship it",
    "rehearse in staging, release in small steps",
    "add a check before adding a fix",
    "automate the manual steps, then review them",
    "keep the old path until the new one is proven",
    "agree on an owner and a rollback before the change",
    "start with the slowest step and measure again",
    "prefer boring defaults and explain the exceptions",
    "capture the current behavior before changing it",
)

NOTES: tuple[str, ...] = (
    "sanitized array meta is expected to render as a list in the frontend box",
    "view count is synthetic and only used for testing meta volume",
    "scores are synthetic and do not reflect a real review",
    "image urls point to placeholder images",
)
# Always the last note: it is what makes a synthetic page recognisable to a reader.
LAST_NOTE = "content is generated for import/load testing and should be reviewed before indexing"

IMAGE_SOURCE = "placehold.co"
IMAGE_SIZES: tuple[str, ...] = ("1200x630", "1200x630", "1600x900", "800x450")
# The seed page's url keeps the first 42 characters of the caption, spaces as "+".
IMAGE_TEXT_CHARS = 42

# Light edits for near-duplicates: one word for another with the same sense.
SYNONYMS: tuple[tuple[str, str], ...] = (
    ("small", "little"),
    ("clear", "plain"),
    ("careful", "cautious"),
    ("important", "key"),
    ("usually", "often"),
    ("future", "later"),
    ("safely", "securely"),
    ("change", "edit"),
    ("check", "test"),
    ("simple", "plain"),
    ("quickly", "fast"),
    ("problem", "issue"),
    ("team", "group"),
    ("release", "rollout"),
    ("before", "ahead of"),
    ("document", "record"),
)
