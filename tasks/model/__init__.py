"""The data model: every table of the project, on one metadata."""

from tasks.model.base import Base, zh_labels
from tasks.model.bookkeeping import (
    AuditEvent,
    CampaignRun,
    ColumnMapping,
    CountyIndicator,
    IngestedFile,
    OutboxMessage,
    QualityResult,
    QuarantinedRow,
    Release,
    ScreeningFinding,
    SetAsideWorkbook,
)
from tasks.model.funds import FundProject
from tasks.model.history import HISTORY, KEYS, VERSIONED, RosterBatch
from tasks.model.pairings import PairingAgreement, PairingProgress, VillageTeam
from tasks.model.programme import Employment, LinkageFund, MicrocreditLoan, RuralIncome, TrainingEnrolment
from tasks.model.reference import County, MonitoringThreshold, Province, RelocationSite
from tasks.model.relocation import RelocationReport
from tasks.model.roster import Household, Lead, Measure, Person

metadata = Base.metadata

__all__ = [
    "HISTORY",
    "KEYS",
    "VERSIONED",
    "AuditEvent",
    "Base",
    "CampaignRun",
    "ColumnMapping",
    "County",
    "CountyIndicator",
    "Employment",
    "FundProject",
    "Household",
    "IngestedFile",
    "Lead",
    "LinkageFund",
    "Measure",
    "MicrocreditLoan",
    "MonitoringThreshold",
    "OutboxMessage",
    "PairingAgreement",
    "PairingProgress",
    "Person",
    "Province",
    "QualityResult",
    "QuarantinedRow",
    "Release",
    "RelocationReport",
    "RelocationSite",
    "RosterBatch",
    "RuralIncome",
    "ScreeningFinding",
    "SetAsideWorkbook",
    "TrainingEnrolment",
    "VillageTeam",
    "metadata",
    "zh_labels",
]
