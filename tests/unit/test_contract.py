"""The data contract as counties read it (expectations/data_contract.md, the XLSX templates)."""

from tasks.ingest.template import type_label
from tasks.model.contract import CONTRACTS


def test_an_amount_is_named_in_the_unit_its_header_gives():
    funds = CONTRACTS["relocation_reports"].column("funds_received")
    income = CONTRACTS["households"].column("net_income")
    assert "万元" in funds.zh and type_label(funds) == "金额(万元) amount in 10,000 yuan"
    assert type_label(income) == "金额(元) amount in yuan"
