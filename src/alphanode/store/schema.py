"""The database schema as SQLAlchemy Core tables (migrations must produce exactly this)."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

import sqlalchemy as sa

from alphanode.content.states import (
    ImportOutcome,
    PostStatus,
    RevisionState,
    SearchAction,
)

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)


def _one_of(column: str, values: Iterable[StrEnum]) -> str:
    """The CHECK text ``column IN ('a', 'b')`` (the values are enum members, never input)."""
    return f"{column} IN (" + ", ".join(f"'{v.value}'" for v in values) + ")"


posts = sa.Table(
    "posts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("ref", sa.String(200), nullable=False, unique=True),
    sa.Column("slug", sa.String(200), nullable=False, unique=True),
    sa.Column(
        "status", sa.String(20), nullable=False, server_default=PostStatus.PENDING_REVIEW.value
    ),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("current_revision", sa.Integer, nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    # The approved revision readers see (None: nothing public), when it was first published,
    # and a small JSON card (title, summary, stack, reading time) for listings.
    sa.Column("live_revision", sa.Integer, nullable=True),
    sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("live_card", sa.Text, nullable=True),
    # The review desk: who is working on the post (until when), who it is assigned to, and
    # the scheduled publication (of revision publish_revision) and unpublication.
    sa.Column("claimed_by", sa.String(200), nullable=True),
    sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
    sa.Column("assigned_to", sa.String(200), nullable=True),
    sa.Column("publish_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("publish_revision", sa.Integer, nullable=True),
    sa.Column("unpublish_at", sa.DateTime(timezone=True), nullable=True),
    sa.Index("ix_posts_live", "status", "published_at"),
    sa.Index("ix_posts_publish_at", "publish_at"),
    sa.Index("ix_posts_unpublish_at", "unpublish_at"),
    sa.CheckConstraint(_one_of("status", PostStatus), name="status"),
)

revisions = sa.Table(
    "revisions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("post_id", sa.Integer, sa.ForeignKey("posts.id", ondelete="CASCADE"), nullable=False),
    sa.Column("number", sa.Integer, nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("document", sa.Text, nullable=False),
    sa.Column("warnings", sa.Text, nullable=False, server_default="[]"),
    sa.Column("source", sa.Text, nullable=False, server_default=""),
    sa.Column("run_id", sa.Integer, nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column(
        "review_state", sa.String(20), nullable=False, server_default=RevisionState.PENDING.value
    ),
    # What the review queue shows and sorts by, fixed when the revision is stored
    # (content.card.queue_keys): its title, mean score (-1: none), scores as text, and
    # "format / status" of its source.
    sa.Column("title", sa.Text, nullable=False, server_default=""),
    sa.Column("score", sa.Integer, nullable=False, server_default="-1"),
    sa.Column("scores", sa.Text, nullable=False, server_default=""),
    sa.Column("origin", sa.String(200), nullable=False, server_default=""),
    # What it adds to the public listings once live (content.card.Listing), fixed when it is
    # stored; NULL only for revisions stored before migration 0022 (computed at approval).
    sa.Column("listing_card", sa.Text, nullable=True),
    sa.Column("listing_terms", sa.Text, nullable=True),
    sa.UniqueConstraint("post_id", "number"),
    # The review queue reads one of these indexes in order for each of its sorts (keyset
    # pagination on (key, post_id)).
    sa.Index("ix_revisions_queue", "review_state", "created_at", "post_id"),
    sa.Index("ix_revisions_queue_title", "review_state", "title", "post_id"),
    sa.Index("ix_revisions_queue_score", "review_state", "score", "post_id"),
    sa.Index("ix_revisions_queue_origin", "review_state", "origin", "post_id"),
)

review_log = sa.Table(
    "review_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("post_id", sa.Integer, sa.ForeignKey("posts.id", ondelete="CASCADE"), nullable=False),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("action", sa.String(20), nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("address", sa.String(64), nullable=False, server_default=""),
    sa.Index("ix_review_log_post_id", "post_id"),
    sa.Index("ix_review_log_created_at", "created_at"),
)

# Taxonomy terms of each post's live revision, for the listing pages.
post_terms = sa.Table(
    "post_terms",
    metadata,
    sa.Column("post_id", sa.Integer, sa.ForeignKey("posts.id", ondelete="CASCADE"), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("term", sa.String(200), nullable=False),
    sa.Column("label", sa.Text, nullable=False),
    sa.PrimaryKeyConstraint("post_id", "kind", "term"),
    sa.Index("ix_post_terms_kind_term", "kind", "term"),
)

import_runs = sa.Table(
    "import_runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("sources", sa.Text, nullable=False, server_default=""),
    # One count per import outcome: imported, updated, unchanged, rejected.
    *(sa.Column(o.value, sa.Integer, nullable=False, server_default="0") for o in ImportOutcome),
)

rejects = sa.Table(
    "rejects",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("run_id", sa.Integer, nullable=True),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("line", sa.Integer, nullable=True),
    sa.Column("code", sa.String(32), nullable=False),
    sa.Column("field", sa.Text, nullable=False),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("expected", sa.Text, nullable=False),
    sa.Column("retry_safe", sa.Boolean, nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("problems", sa.Text, nullable=False),
    sa.Column("raw", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

# What the review queue filters on, per revision: flags that are set, generator, topic,
# stack, near_duplicate, source_status. Written at import time so that filters are plain
# indexed look-ups.
revision_facets = sa.Table(
    "revision_facets",
    metadata,
    sa.Column("post_id", sa.Integer, sa.ForeignKey("posts.id", ondelete="CASCADE"), nullable=False),
    sa.Column("number", sa.Integer, nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("value", sa.String(200), nullable=False),
    sa.PrimaryKeyConstraint("post_id", "number", "kind", "value"),
    sa.Index("ix_revision_facets_kind_value", "kind", "value"),
)

ROLES = ("reviewer", "admin")

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(100), nullable=False, unique=True),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(100), nullable=False, unique=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("scopes", sa.Text, nullable=False),
    sa.Column("revoked", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
)

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),  # sha256 of the cookie value
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("csrf", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
)

login_attempts = sa.Table(
    "login_attempts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("key", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_login_attempts_key_created_at", "key", "created_at"),
)

# Small key/value state shared by every process: "content_version" changes whenever public
# content does (approval, retraction), so each worker's page cache knows to drop its pages.
site_state = sa.Table(
    "site_state",
    metadata,
    sa.Column("key", sa.String(50), primary_key=True),
    sa.Column("value", sa.Integer, nullable=False),
)

# Views counted by the site (not the imported ``view_count``), per post and day. Written in
# batches off the request path.
post_views = sa.Table(
    "post_views",
    metadata,
    sa.Column("post_id", sa.Integer, sa.ForeignKey("posts.id", ondelete="CASCADE"), nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("views", sa.Integer, nullable=False),
    sa.PrimaryKeyConstraint("post_id", "day"),
)

# Search and Similar Posts (fed from the outbox, see services/indexing.py).
# Tables that migrations create on PostgreSQL only (its search backend), not declared here.
POSTGRES_ONLY_TABLES = ("search_documents", "search_terms", "search_postings")

# Written in the same transaction as an approval or retraction; drained into the search index
# and the similar-posts lists, then deleted. Rows left by a crash are drained on the next sync.
search_outbox = sa.Table(
    "search_outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("post_id", sa.Integer, nullable=False),
    sa.Column("action", sa.String(10), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint(_one_of("action", SearchAction), name="action"),
)

# The search change log: one row per post whose public state changed, written in the same
# transaction as its outbox row (store/outbox.py). Never drained: each host that keeps its own
# index follows it from its own position (services/follower.py); rows older than
# search_changes_retention_hours are pruned. ``id`` orders it.
search_changes = sa.Table(
    "search_changes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("post_id", sa.Integer, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_search_changes_created_at", "created_at"),
    sqlite_autoincrement=True,  # ids never reused once pruned (a follower's position holds)
)

# Each live post's text vector (its top body terms by tf-idf, normalised) and the taxonomy it
# is compared on (problem, stack, tools, entities), as JSON: read for every similarity score.
post_vectors = sa.Table(
    "post_vectors",
    metadata,
    sa.Column(
        "post_id", sa.Integer, sa.ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("features", sa.Text, nullable=False),
)

# Similar Posts' own inverted index: each live post's top terms (and tags, as ``tag:value``)
# with their weight in its vector, to find the posts sharing its distinctive terms; and how
# many live posts hold each term anywhere in their text (the vectors' document frequency).
similar_terms = sa.Table(
    "similar_terms",
    metadata,
    sa.Column("term", sa.String(120), nullable=False),
    sa.Column("post_id", sa.Integer, sa.ForeignKey("posts.id", ondelete="CASCADE"), nullable=False),
    sa.Column("weight", sa.Float, nullable=False),
    sa.PrimaryKeyConstraint("term", "post_id"),
    sa.Index("ix_similar_terms_post_id", "post_id"),
)
# Each term's postings heaviest first: candidates read only the top of each (impact-bounded).
sa.Index(
    "ix_similar_terms_impact",
    similar_terms.c.term,
    similar_terms.c.weight.desc(),
    similar_terms.c.post_id,
)
similar_df = sa.Table(
    "similar_df",
    metadata,
    sa.Column("term", sa.String(120), primary_key=True),
    sa.Column("df", sa.Integer, nullable=False),
)

# Similar Posts' latent topics (``services.similar_latent``): each term's row of the truncated
# SVD projection fitted at the last full build, as little-endian float32s.
similar_basis = sa.Table(
    "similar_basis",
    metadata,
    sa.Column("term", sa.String(120), primary_key=True),
    sa.Column("vector", sa.LargeBinary, nullable=False),
)

# The precomputed top-k similar posts of each live post, best first (rank 1).
similar_posts = sa.Table(
    "similar_posts",
    metadata,
    sa.Column("post_id", sa.Integer, sa.ForeignKey("posts.id", ondelete="CASCADE"), nullable=False),
    sa.Column("rank", sa.Integer, nullable=False),
    sa.Column(
        "other_id", sa.Integer, sa.ForeignKey("posts.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("why", sa.Text, nullable=False),
    sa.PrimaryKeyConstraint("post_id", "rank"),
    sa.Index("ix_similar_posts_other_id", "other_id"),
)

# Near-duplicate detection at import (content/fingerprint.py): each post's current body
# signature and its LSH band keys. A new or changed body is compared, on its whole signature,
# with the posts that share one of its band keys.
post_fingerprints = sa.Table(
    "post_fingerprints",
    metadata,
    sa.Column(
        "post_id", sa.Integer, sa.ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("signature", sa.LargeBinary, nullable=False),
)

fingerprint_bands = sa.Table(
    "fingerprint_bands",
    metadata,
    sa.Column("band", sa.BigInteger, nullable=False),
    sa.Column("post_id", sa.Integer, sa.ForeignKey("posts.id", ondelete="CASCADE"), nullable=False),
    sa.PrimaryKeyConstraint("band", "post_id"),
    sa.Index("ix_fingerprint_bands_post_id", "post_id"),
    sqlite_with_rowid=False,  # the key is the row: one B-tree less to insert into
)

# A post whose current body is a near-duplicate of an earlier post's: shown to reviewers,
# filtered on in the review queue (facet near_duplicate=yes), never suggested as similar.
near_duplicates = sa.Table(
    "near_duplicates",
    metadata,
    sa.Column(
        "post_id", sa.Integer, sa.ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column(
        "other_id", sa.Integer, sa.ForeignKey("posts.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("similarity", sa.Float, nullable=False),
    sa.Index("ix_near_duplicates_other_id", "other_id"),
)

# Rendered parts of each live post's page (services/pages.py): the <head> tags (OpenGraph,
# JSON-LD), the article before and after its counted views, and its title. ``key`` digests
# everything the parts were drawn from (revision, its hash, slug, dates, base URL, site name,
# render version), so a row whose key differs from the page's is never served: one row per
# post, overwritten when the live revision, its dates or the code change. A cache: copies
# and backups may leave it out, a page renders it again.
page_fragments = sa.Table(
    "page_fragments",
    metadata,
    sa.Column(
        "post_id", sa.Integer, sa.ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("key", sa.String(64), nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("head", sa.Text, nullable=False),
    sa.Column("top", sa.Text, nullable=False),
    sa.Column("rest", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

# Link-preview cards (web/ogimage.py) of posts' slugs, drawn once per drawing version.
og_cards = sa.Table(
    "og_cards",
    metadata,
    sa.Column("slug", sa.String(200), primary_key=True),
    sa.Column("version", sa.String(64), nullable=False),
    sa.Column("png", sa.LargeBinary, nullable=False),
)
