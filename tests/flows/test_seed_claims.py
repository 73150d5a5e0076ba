"""The claims the seed articles share, found by `newslake run` on a copy of ../shared/seeds.

The seeds are the five plain-text articles the project started from; they are read from the
shared folder beside the repository (or $NEWSLAKE_SHARED), copied at test time, never committed.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[2]
SEEDS = Path(os.environ.get("NEWSLAKE_SHARED") or ROOT.parent / "shared") / "seeds"
NEWSLAKE = str(Path(sys.executable).with_name("newslake"))

# What a reader sees recur across the seeds, each as words that every sentence stating it has
# (any one of each group); the first two are found today, each across the two articles saying it.
TRAINING_COST = ("$6 million", "us$5.5 million")
RELEASE_DAY = ("january 20",)
LABELLED = {
    "training cost": TRAINING_COST,
    "release day": RELEASE_DAY,
    "parity with o1": ("o1", "on par", "comparable", "rival"),
    "chip restrictions failed": ("restrictions", "export controls"),
}


@pytest.fixture(scope="module")
def seed_clusters(tmp_path_factory) -> list[list[tuple[str, str]]]:
    """Recurring claims of a run over a copy of the seeds: (source file, sentence) lists."""
    if not SEEDS.is_dir() or not any(SEEDS.glob("*.txt")):
        pytest.skip(f"no seed articles at {SEEDS}")
    home = tmp_path_factory.mktemp("seeds")
    shutil.copytree(SEEDS, home / "seeds")
    env = {**os.environ, "PREFECT_HOME": str(home / ".prefect")}
    env.pop("PREFECT_API_URL", None)
    result = subprocess.run(
        [NEWSLAKE, "run", "--source", "seeds", "--lake", "lake", "--no-progress"],
        capture_output=True,
        text=True,
        cwd=home,
        env=env,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    con = duckdb.connect(str(home / "lake" / "warehouse.duckdb"), read_only=True)
    rows = con.execute(
        "SELECT r.claim_id, a.url, c.text FROM recurring_claims r "
        "JOIN claims c USING (claim_id) JOIN articles a USING (article_id) "
        "ORDER BY r.claim_id, a.url, c.sentence_index"
    ).fetchall()
    clusters: dict[str, list[tuple[str, str]]] = {}
    for claim_id, url, text in rows:
        clusters.setdefault(claim_id, []).append((Path(url).name, text))
    return list(clusters.values())


def cluster_stating(clusters, words: tuple[str, ...]) -> list[tuple[str, str]]:
    found = [c for c in clusters if any(w in text.lower() for w in words for _, text in c)]
    assert len(found) == 1, found
    return found[0]


def test_the_training_cost_is_one_claim_with_both_figures(seed_clusters):
    cluster = cluster_stating(seed_clusters, TRAINING_COST)
    texts = " ".join(text.lower() for _, text in cluster)
    assert all(figure in texts for figure in TRAINING_COST)
    assert len({source for source, _ in cluster}) == 2


def test_the_release_day_is_one_claim_across_the_articles_stating_it(seed_clusters):
    cluster = cluster_stating(seed_clusters, RELEASE_DAY)
    assert all("january 20" in text.lower() for _, text in cluster)
    assert len({source for source, _ in cluster}) == 2


def test_no_recurring_claim_joins_sentences_of_different_claims(seed_clusters):
    for cluster in seed_clusters:
        labels = [
            {label for label, words in LABELLED.items() if any(w in text.lower() for w in words)}
            for _, text in cluster
        ]
        assert set.intersection(*labels), cluster
