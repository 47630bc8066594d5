"""Properties of the synthetic data that campaigns and their tests rely on."""

import numpy as np
import pandas as pd
import pytest

from tasks.privacy import id_number_problems
from tasks.reference.codes import CODE_TABLES, LEAD_CHANNEL
from tasks.reference.counties import counties as reference_counties
from tasks.reference.provinces import PROVINCE_BY_CODE
from tasks.synthetic import allocate_households, generate_province
from tasks.synthetic.counties import build_counties
from tasks.synthetic.defects import KINDS


@pytest.fixture(scope="module")
def guizhou():
    return generate_province(PROVINCE_BY_CODE["52"], 5000, 2023, 42)


def test_same_seed_same_data_other_seed_other_data(guizhou):
    again = generate_province(PROVINCE_BY_CODE["52"], 5000, 2023, 42)
    for name, frame in guizhou.tables.items():
        pd.testing.assert_frame_equal(frame, again.tables[name], obj=name)
    other = generate_province(PROVINCE_BY_CODE["52"], 5000, 2023, 43)
    assert not guizhou.tables["persons"]["id_number"].equals(other.tables["persons"]["id_number"])


def test_id_numbers_valid_unique_and_consistent_with_sex_and_birth(guizhou):
    persons = guizhou.tables["persons"]
    ids = persons["id_number"]
    assert id_number_problems(ids).isna().all()
    assert ids.is_unique
    seventeenth = ids.str[16].astype(int)
    assert ((seventeenth % 2 == 1) == (persons["sex"] == "1")).all()
    assert (ids.str[6:14] == persons["birth_date"].dt.strftime("%Y%m%d")).all()
    households = guizhou.tables["households"].set_index("household_no")
    assert (ids.str[:6] == persons["household_no"].map(households["county_code"])).all()


def test_households_and_persons_fit_together(guizhou):
    households, persons = guizhou.tables["households"], guizhou.tables["persons"]
    members = persons.groupby("household_no").size()
    assert (households.set_index("household_no")["household_size"] == members).all()
    heads = persons[persons["relation"] == "head"].groupby("household_no").size()
    assert len(heads) == len(households) and (heads == 1).all()
    assert 3.2 < persons.shape[0] / households.shape[0] < 3.8


def test_incomes_add_up_and_sit_around_the_threshold(guizhou):
    h = guizhou.tables["households"]
    for prefix in ("", "prev_"):
        parts = (h[f"{prefix}wage_income"] + h[f"{prefix}business_income"] + h[f"{prefix}property_income"]
                 + h[f"{prefix}transfer_income"] - h[f"{prefix}business_expenses"])
        assert np.allclose(parts, h[f"{prefix}net_income"], atol=0.011)
        assert np.allclose(h[f"{prefix}net_income"] / h["household_size"], h[f"{prefix}per_capita_net_income"],
                           atol=0.011)
    threshold = guizhou.tables["monitoring_thresholds"].set_index("year").loc[2023, "threshold"]
    below = (h["per_capita_net_income"] < threshold).mean()
    assert 0.02 < below < 0.15  # something for the screening to find, not a crisis


def test_coded_fields_use_the_code_tables(guizhou):
    t = guizhou.tables
    checks = [("households", "monitoring_type", "monitoring_type"), ("households", "risk_code_1", "risk_category"),
              ("persons", "labour_skill", "labour_skill"), ("persons", "relation", "relation"),
              ("persons", "schooling", "schooling"), ("persons", "health", "health"),
              ("persons", "ethnicity", "ethnicity"), ("measures", "category", "measure_category"),
              ("leads", "channel", "lead_channel"), ("leads", "risk_code", "risk_category"),
              ("leads", "status", "lead_status"), ("linkage_funds", "use", "fund_use"),
              ("training_enrolments", "programme", "training_programme")]
    for table, column, code_table in checks:
        values = set(t[table][column].dropna())
        assert values and values <= set(CODE_TABLES[code_table].codes), (table, column)
    assert set(t["leads"]["channel"]) == set(LEAD_CHANNEL.codes)  # all four channels


def test_monitoring_population_is_realistic(guizhou):
    h = guizhou.tables["households"]
    monitored = h["monitoring_type"].notna()
    assert 0.04 < monitored.mean() < 0.10
    eliminated = (h.loc[monitored, "risk_status"] == "eliminated").mean()
    assert 0.4 < eliminated < 0.75  # published: about 60 % of monitored people
    assert (h.loc[monitored, "identified_on"].notna()).all()
    elim = h[h["risk_status"] == "eliminated"]
    assert (elim["eliminated_on"] > elim["identified_on"]).all()


def test_leads_are_timed_in_order_and_some_are_outside_the_roster(guizhou):
    leads, persons = guizhou.tables["leads"], guizhou.tables["persons"]
    assert (leads["accepted_at"] >= leads["reported_at"]).all()
    verified = leads["verified_at"].notna()
    assert (leads.loc[verified, "verified_at"] >= leads.loc[verified, "accepted_at"]).all()
    assert (leads.loc[~verified, "status"] == "pending").all()
    with_id = leads["id_number"].notna()
    outside = ~leads.loc[with_id, "id_number"].isin(persons["id_number"])
    assert 0.05 < outside.mean() < 0.35
    assert id_number_problems(leads.loc[with_id, "id_number"]).isna().all()


def test_defect_rate_gives_about_that_share_of_documented_defects():
    clean = generate_province(PROVINCE_BY_CODE["53"], 20000, 2023, 7)
    dirty = generate_province(PROVINCE_BY_CODE["53"], 20000, 2023, 7, defect_rate=0.02)
    log = dirty.defects
    for table, kinds in KINDS.items():
        share = (log["table"] == table).sum() / len(dirty.tables[table])
        assert 0.012 < share < 0.03, (table, share)
        assert set(log.loc[log["table"] == table, "kind"]) == set(kinds)
    # Every logged defect is really there: the damaged rows differ from the clean data, the rest do not.
    for table, key in (("persons", "person_no"), ("households", "household_no")):
        before = clean.tables[table].set_index(key)
        after = dirty.tables[table].set_index(key)
        changed = ~((before == after) | (before.isna() & after.isna())).all(axis=1)
        logged = set(log.loc[log["table"] == table, "key"])
        assert set(changed[changed].index) <= logged
        assert len(logged - set(changed[changed].index)) <= 0.01 * len(logged)  # e.g. a duplicate of itself
    persons = dirty.tables["persons"]
    assert (id_number_problems(persons["id_number"]) == "checksum").sum() == (
        (log["table"] == "persons") & (log["kind"] == "bad_checksum")).sum()
    assert persons["id_number"].duplicated().sum() > 0


def test_allocation_follows_weights_and_counts_are_exact():
    alloc = allocate_households(1_000_000)
    assert sum(alloc.values()) == 1_000_000
    assert alloc["52"] > alloc["33"] > alloc["31"]  # 贵州 > 浙江 > 上海
    assert min(allocate_households(40).values()) >= 1


def test_counties_are_the_real_ones_and_carry_the_national_flags():
    counties = build_counties()
    reference = {c.code: c for c in reference_counties()}
    assert len(counties) == len(reference) == 2850 and counties["code"].is_unique
    assert all(reference[r.code].name == r.name and reference[r.code].province_code == r.province_code
               for r in counties.itertuples())
    assert reference["653229"].name == "和安县" and reference["441900"].type == "不设区的地级市"
    assert reference["500105"].name == "江北区" and "500157" not in reference  # 两江新区 is no division
    assert counties["is_former_poor"].sum() == 832
    assert counties.groupby("province_code")["is_former_poor"].any().sum() == 22
    key = counties[counties["is_key_assistance"]]
    assert len(key) == 160 and key["is_former_poor"].all()
    western = {"15", "45", "50", "51", "52", "53", "61", "62", "63", "64"}
    assert set(key["province_code"]) == western
