"""The `campaigns` command line: it parses and prints; the work is in flows/ and tasks/. One module per group
of commands: `run` (the campaigns, the demo), `data` (schema, seed, reference data, approvers), `ingest`
(county files), `ops` (outbox, calendar, board, serving, backfills, settings)."""

from __future__ import annotations

import logging

from deployments.cli import data, ingest, ops, run  # noqa: F401 (each declares its commands on the app)
from deployments.cli.app import app

__all__ = ["app", "main"]


def main() -> None:  # pragma: no cover - console entry for `python -m deployments.cli`
    logging.basicConfig(level=logging.INFO)
    app()
