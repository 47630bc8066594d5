"""Complementary suppression proved by an attacker (tests/support/disclosure_attack.py) who reads only the published
tables of the year's releases: on the roster of issue 23 (3,000 households in 11, 52 and 53), where small-cell
suppression alone left 北京市's figures equal to the national total minus the two other provinces."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from support.disclosure_attack import attack
from support.release_helpers import auto_approved

from tasks.reference.provinces import PROVINCE_BY_CODE


@pytest.fixture
def three_provinces(seed_templates):
    provinces = tuple(PROVINCE_BY_CODE[c] for c in ("11", "52", "53"))
    return seed_templates.database(3000, provinces=provinces, year=2023, seed=5)[0]


def _published(engine) -> tuple[dict, dict]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT period, version, path, figures, withheld FROM releases "
                                    "WHERE status = 'published' ORDER BY id")).all()
    tables, truth = {}, {}
    for period, version, path, figures, withheld in rows:
        name = f"{period} v{version}"
        tables[name] = (int(period[-1]), pd.read_csv(Path(path) / "tables.csv", dtype=str, encoding="utf-8-sig"))
        truth[name] = figures if isinstance(figures, dict) else json.loads(figures)
        assert withheld, "a published release records the cells it withheld"
    return tables, truth


def test_no_withheld_cell_can_be_worked_out_from_the_years_releases(prefect_harness, three_provinces):
    auto_approved("2023Q1")
    q2_result = auto_approved("2023Q2")
    tables, truth = _published(three_provinces)
    q2 = tables["2023Q2 v1"][1].set_index("省代码")
    # The case: 北京市 is small; its figure must not be 全国 minus 贵州省 and 云南省.
    assert q2.loc["11", "纳入监测对象户数(户)"] == "—"
    assert (q2.loc[["52", "53"], "纳入监测对象户数(户)"] == "—").any()
    assert q2.loc["00", "纳入监测对象户数(户)"] != "—"  # the headline stays published

    findings = attack(tables, truth)
    assert len(findings) >= 20 and {f.release for f in findings} == {"2023Q1 v1", "2023Q2 v1"}
    exposed = [f for f in findings if not f.protected]
    assert not exposed, exposed
    # The release says why more than the small cells are withheld.
    assert "一并不予公布" in (Path(q2_result["path"]) / "release.md").read_text("utf-8")


def test_the_disclosure_checkpoint_stops_a_release_with_an_exposed_cell(three_provinces, tmp_path):
    """The checkpoint is not a formality: the audit with no complementary cell chosen (what the releases
    published before issue 23) fails it, naming the rule; the chosen cells pass it."""
    from datetime import date

    from tasks.release.attacker import tabulation
    from tasks.release.disclosure import protect
    from tasks.release.stages import DISCLOSURE_CHECK, disclosure_frame
    from tasks.runs.check import StageFailed
    from tasks.runs.checkpoint import checkpoint
    from tasks.runs.context import CampaignContext

    figures = {"00:monitored_households": 30.0, "11:monitored_households": 3.0, "52:monitored_households": 12.0,
               "53:monitored_households": 15.0}
    table = tabulation("2023Q2", 2, figures, ["11:monitored_households"], current=True)
    ctx = CampaignContext(run_id="t", campaign="release", label="t", engine=three_provinces, notifier=None,
                          output_dir=tmp_path, as_of=date(2024, 1, 15), dry_run=True)
    with pytest.raises(StageFailed, match=r"disclosure\.withheld_cells_protected"):
        checkpoint(ctx, DISCLOSURE_CHECK, disclosure_frame(protect([table], max_rounds=0)))
    audit = protect([table])
    assert audit.complementary == [("52", "monitored_households")]  # 3 + 12 = 15: each hides the other
    checkpoint(ctx, DISCLOSURE_CHECK, disclosure_frame(audit))
