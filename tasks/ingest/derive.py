"""Values a county file may leave out, filled in from what it has or what the roster already holds: the
province (from the county code or the household), member and measure numbers, the measure type."""

from __future__ import annotations

import hashlib

import pandas as pd
from sqlalchemy import Engine, select

from tasks.ingest.frame import SubmittedRows
from tasks.model import Household, PairingAgreement, Person, RelocationSite
from tasks.reference.codes import measure_kind_of
from tasks.reference.counties import successors
from tasks.reference.provinces import PROVINCE_BY_CODE

LOOKUP_CHUNK = 5_000


def fill_derived(engine: Engine, kind: str, rows: SubmittedRows) -> None:
    f = rows.frame
    if "county_code" in f:  # a code retired since (撤县设区 …) is loaded under the code that took its place
        current = f["county_code"].map(successors())
        moved = current.notna().to_numpy(dtype=bool)
        f.loc[moved, "county_code"] = current[moved]
        rows.add_note(moved, "county_code.successor: 已停用的县代码按现行代码入库 / a retired county code was "
                             "loaded as its successor (GB/T 2260)")
    if "county_code" in f and f["county_code"].notna().any():
        from_county = f["county_code"].str[:2].where(f["county_code"].str[:2].isin(list(PROVINCE_BY_CODE)))
        f["province_code"] = f["province_code"].fillna(from_county)
    if kind == "relocation_reports":
        _fill_site_report(engine, f)
    if kind == "pairing_agreements":
        f["agreement_no"] = f["agreement_no"].fillna(_numbered(f, ["pairing_no", "year"], "{0}-{1}"))
    if kind == "pairing_progress":
        _fill_progress(engine, f)
    if kind in ("persons", "measures", "leads") and f["province_code"].isna().any():
        known = households_of(engine, f.loc[f["province_code"].isna(), "household_no"])
        f["province_code"] = f["province_code"].fillna(
            f["household_no"].map(known["province_code"]).astype(f["province_code"].dtype))
    rows.add_reason(f["province_code"].isna().to_numpy(),
                    "province_code.derivable: 无法确定省代码：未填省代码，县代码为空或不在代码表中，也找不到所在户 / "
                    "省代码 missing, and neither a county code nor a known household gives it")
    if kind == "persons" and f["person_no"].isna().any():
        f["person_no"] = f["person_no"].fillna(_person_numbers(engine, f))
    if kind == "measures":
        if f["measure_no"].isna().any():
            key = f["household_no"].fillna("") + "|" + f["category"].fillna("") + "|" + \
                f["start_on"].dt.strftime("%Y%m%d").fillna("")
            made = f["household_no"].fillna("") + "-M" + key.map(_digest)
            f["measure_no"] = f["measure_no"].fillna(made.where(f["household_no"].notna()))
        f["kind"] = f["kind"].fillna(f["category"].map(lambda c: measure_kind_of(c) if isinstance(c, str) else None))


def _fill_site_report(engine: Engine, f: pd.DataFrame) -> None:
    """A site's report: its county and province are the site's (the register's), its number its site and
    quarter (one report per site and quarter)."""
    with engine.connect() as conn:
        sites = pd.DataFrame(conn.execute(select(RelocationSite.site_code, RelocationSite.county_code)
                                          .where(RelocationSite.site_code.in_(f["site_code"].dropna().unique().tolist())))
                             .all(), columns=["site_code", "county_code"]).set_index("site_code")["county_code"]
    f["county_code"] = f["county_code"].fillna(f["site_code"].map(sites).astype(object))
    f["province_code"] = f["province_code"].fillna(f["county_code"].str[:2])
    f["report_no"] = f["report_no"].fillna(_numbered(f, ["site_code", "year", "quarter"], "{0}-{1}Q{2}"))


def _fill_progress(engine: Engine, f: pd.DataFrame) -> None:
    """A pairing's quarter: its county and province are its agreement's, its number its pairing and quarter."""
    with engine.connect() as conn:
        counties = pd.DataFrame(conn.execute(select(PairingAgreement.pairing_no, PairingAgreement.county_code).where(
            PairingAgreement.pairing_no.in_(f["pairing_no"].dropna().unique().tolist()))).all(),
            columns=["pairing_no", "county_code"]).drop_duplicates("pairing_no").set_index("pairing_no")["county_code"]
    f["county_code"] = f["county_code"].fillna(f["pairing_no"].map(counties).astype(object))
    f["province_code"] = f["province_code"].fillna(f["county_code"].str[:2])
    f["progress_no"] = f["progress_no"].fillna(_numbered(f, ["pairing_no", "year", "quarter"], "{0}-{1}Q{2}"))


def _numbered(f: pd.DataFrame, parts: list[str], pattern: str) -> pd.Series:
    """A row's number made of its `parts` (None where one is missing): `pattern` over their text."""
    text = [f[p].astype("Int64").astype(str) if p in ("year", "quarter") else f[p] for p in parts]
    made = pd.Series([pattern.format(*values) for values in zip(*text, strict=True)], index=f.index, dtype=object)
    return made.where(f[parts].notna().all(axis=1))


def county_of(engine: Engine, rows: SubmittedRows) -> str | None:
    """The county most rows belong to (their own county code, else their household's), for routing."""
    f = rows.frame
    counties = f["county_code"] if "county_code" in f else pd.Series(dtype=object)
    if counties.isna().all():
        counties = f["household_no"].map(households_of(engine, f["household_no"])["county_code"])
    counties = counties.dropna()
    return str(counties.mode().iloc[0]) if not counties.empty else None


def households_of(engine: Engine, numbers: pd.Series) -> pd.DataFrame:
    """The roster's households among `numbers`, with their province and county, indexed by 户编号."""
    wanted = numbers.dropna().unique().tolist()
    parts = []
    with engine.connect() as conn:
        for start in range(0, len(wanted), LOOKUP_CHUNK):
            chunk = wanted[start:start + LOOKUP_CHUNK]
            query = select(Household.household_no, Household.province_code, Household.county_code) \
                .where(Household.household_no.in_(chunk))
            parts.append(pd.DataFrame(conn.execute(query).all(),
                                      columns=["household_no", "province_code", "county_code"]))
    found = pd.concat(parts) if parts else pd.DataFrame(columns=["household_no", "province_code", "county_code"])
    return found.drop_duplicates("household_no").set_index("household_no")


def _person_numbers(engine: Engine, f: pd.DataFrame) -> pd.Series:
    """A person already in the roster keeps their number; a new one gets 户编号-P<hash of the ID>."""
    ids = f["id_number"].dropna().unique().tolist()
    existing: dict[str, str] = {}
    with engine.connect() as conn:
        for start in range(0, len(ids), LOOKUP_CHUNK):
            chunk = ids[start:start + LOOKUP_CHUNK]
            query = select(Person.id_number, Person.person_no).where(Person.id_number.in_(chunk))
            existing.update(dict(conn.execute(query).all()))
    kept = f["id_number"].map(existing).astype(object)
    made = f["household_no"] + "-P" + f["id_number"].map(_digest, na_action="ignore")
    return kept.fillna(made)


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]
