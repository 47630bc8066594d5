"""The roster at a glance, per province: what a coordinator checks first after data arrive."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine, text

from tasks.reference.provinces import PROVINCE_BY_CODE

HEADERS_ZH = {
    "province_code": "省代码", "province": "省份", "households": "农户数", "persons": "人数",
    "monitored": "监测户数", "at_risk": "风险未消除户数", "eliminated": "风险已消除户数",
    "leads": "问题线索数", "leads_pending": "待核实线索数",
}

QUERY = """
WITH h AS (
  SELECT province_code, COUNT(*) AS households,
         SUM(CASE WHEN monitoring_type IS NOT NULL THEN 1 ELSE 0 END) AS monitored,
         SUM(CASE WHEN risk_status = 'at_risk' THEN 1 ELSE 0 END) AS at_risk,
         SUM(CASE WHEN risk_status = 'eliminated' THEN 1 ELSE 0 END) AS eliminated
  FROM households GROUP BY province_code),
p AS (SELECT province_code, COUNT(*) AS persons FROM persons GROUP BY province_code),
l AS (SELECT province_code, COUNT(*) AS leads,
             SUM(CASE WHEN status = 'pending' THEN 1 ELSE 0 END) AS leads_pending
      FROM leads GROUP BY province_code)
SELECT h.province_code, h.households, COALESCE(p.persons, 0) AS persons, h.monitored, h.at_risk,
       h.eliminated, COALESCE(l.leads, 0) AS leads, COALESCE(l.leads_pending, 0) AS leads_pending
FROM h LEFT JOIN p ON p.province_code = h.province_code LEFT JOIN l ON l.province_code = h.province_code
ORDER BY h.province_code
"""


def roster_overview(engine: Engine) -> pd.DataFrame:
    """One row per province plus a national total row (省代码 '00')."""
    with engine.connect() as conn:
        frame = pd.read_sql(text(QUERY), conn)
    counts = [c for c in frame.columns if c != "province_code"]
    frame[counts] = frame[counts].fillna(0).astype("int64")
    frame.insert(1, "province", frame["province_code"].map(
        lambda c: PROVINCE_BY_CODE[c].name if c in PROVINCE_BY_CODE else f"未知({c})"))
    total = {"province_code": "00", "province": "全国", **frame[counts].sum().to_dict()}
    return pd.concat([frame, pd.DataFrame([total])], ignore_index=True)


def to_markdown_table(frame: pd.DataFrame, headers: dict[str, str]) -> str:
    cols = list(frame.columns)
    lines = ["| " + " | ".join(headers.get(c, c) for c in cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)
