r"""One full ``reindex`` of a ``bench/scale.py --work`` site, stage by stage, beside a bare
tantivy build of the same documents.

    nice .venv/bin/python bench/scale.py --count 20000 --work /tmp/ri20k \
        --phases synth,import,approve
    nice .venv/bin/python bench/reindex_stages.py /tmp/ri20k [--profile out.prof]

Each stage's seconds are the time spent in the functions named (wrapped for the run; a stage
run in pieces is summed), so the stages say where the time goes; peak RSS is the process's
``getrusage``, also as it stood when each stage last ended. Runs on whatever ``src/`` is
importable: for a "before", put an older tree's ``src`` first on ``PYTHONPATH`` (stages whose
functions it lacks are left out). The site is changed (reindexed): copy the directory first to
keep it as it was.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import importlib
import json
import os
import resource
import time
from pathlib import Path
from typing import Any

from alphanode.services import indexing
from alphanode.services.runtime import Site
from alphanode.settings import Settings
from alphanode.store import outbox
from alphanode.store.engine import reading
from alphanode.store.migrate import open_database

STAGES = (  # (module, attribute, stage): old and new names, whichever exist
    ("alphanode.store.similar", "clear", "clear the Similar Posts tables"),
    ("alphanode.services.indexing", "index_doc", "parse documents (index_doc)"),
    ("alphanode.services.similar_features", "Counts.add", "tokenise (term counts)"),
    ("alphanode.services.similar", "vectors", "features, per batch (old)"),
    ("alphanode.services.similar", "reweigh", "reweigh, per batch (old)"),
    ("alphanode.services.similar_features", "weigh", "weigh every post (arrays)"),
    ("alphanode.services.similar_build", "fit", "latent fit"),
    ("alphanode.services.similar_build", "fit_latent", "latent fit + features rewritten (old)"),
    ("alphanode.store.similar", "put_features_many", "write features"),
    ("alphanode.services.similar_features", "_terms", "write probe terms"),
    ("alphanode.services.similar_features", "prepare", "features stage, all of it"),
    ("alphanode.services.similar_build", "matrices", "read features into matrices"),
    ("alphanode.services.similar_build", "candidates", "candidates (sparse product)"),
    ("alphanode.services.similar_exact", "scores", "exact scores (arrays)"),
    ("alphanode.services.similar_build", "block_lists", "lists, all of it"),
    ("alphanode.store.similar", "set_lists", "write lists"),
)


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def wrap(stages: dict[str, float], peaks: dict[str, float]) -> None:
    """Time each stage; ``peaks``: the process's peak RSS when the stage last ended (the
    first stage whose peak is the run's raised it)."""
    for module_name, attr, label in STAGES:
        try:
            owner: Any = importlib.import_module(module_name)
        except ImportError:
            continue
        *path, name = attr.split(".")
        for part in path:
            owner = getattr(owner, part, None)
        real = getattr(owner, name, None) if owner is not None else None
        if real is None:
            continue

        def timed(*a: object, _real: Any = real, _label: str = label, **k: object) -> object:
            t0 = time.perf_counter()
            try:
                return _real(*a, **k)
            finally:
                stages[_label] = stages.get(_label, 0.0) + time.perf_counter() - t0
                peaks[_label] = peak_mib()

        setattr(owner, name, functools.wraps(real)(timed))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("work", type=Path, help="a bench/scale.py --work directory")
    ap.add_argument("--profile", type=Path, help="also write a cProfile of the reindex here")
    args = ap.parse_args()
    settings = Settings.load(
        env={},
        database_url=f"sqlite:///{args.work / 'site.db'}",
        search_sync_seconds=0,
        search_index_path=str(args.work / "index"),
    )
    engine = open_database(settings)
    site = Site(settings, engine=engine)
    stages: dict[str, float] = {}
    peaks: dict[str, float] = {}
    wrap(stages, peaks)
    load_before = os.getloadavg()
    profile = cProfile.Profile() if args.profile else None
    t0 = time.perf_counter()
    if profile:
        profile.enable()
    report = indexing.reindex(site)
    if profile:
        profile.disable()
        profile.dump_stats(str(args.profile))
    seconds = time.perf_counter() - t0
    rss = peak_mib()
    scale = importlib.import_module("scale")
    with reading(engine) as conn:
        ids = outbox.live_ids(conn)
        texts = outbox.live_documents(conn, ids)
    docs = [indexing.index_doc(pid, texts[pid])[0] for pid in ids]
    del texts
    bare = args.work / "bare-index"
    if bare.exists():
        for f in bare.iterdir():
            f.unlink()
        bare.rmdir()
    base = scale.bare_tantivy(args.work, docs)
    print(
        json.dumps(
            {
                "posts": report.indexed,
                "lists": report.lists,
                "s": round(seconds, 1),
                "posts_s": round(report.indexed / seconds),
                "baseline_bare_tantivy_s": round(base, 1),
                "ratio": round(base / seconds, 4),
                "peak_rss_mib": round(rss),
                "stages_s": {k: round(v, 1) for k, v in stages.items()},
                "peak_rss_mib_after": {k: round(v) for k, v in peaks.items()},
                "load": {"before": load_before, "after": os.getloadavg()},
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    main()
