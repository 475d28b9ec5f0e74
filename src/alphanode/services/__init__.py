"""Use cases: import, documents and revisions, and (later) review, search and similar posts."""
