"""GX Data Docs for one campaign run, built into the run's output folder, without personal data: the
results are stripped of failing values before GX renders them."""

from __future__ import annotations

import copy
import hashlib
import logging
import threading
from datetime import datetime
from pathlib import Path

from tasks.quality.gx import gx_context
from tasks.quality.offline import make_offline

log = logging.getLogger(__name__)

# What a rendered result may show: counts and shares; never the failing values or rows.
SAFE_RESULT_KEYS = {"element_count", "unexpected_count", "unexpected_percent", "unexpected_percent_total",
                    "unexpected_percent_nonmissing", "missing_count", "missing_percent", "observed_value"}
_lock = threading.Lock()  # the process shares one GX context and its results store


class RunDataDocs:
    """Collects a run's validation results and (re)builds its Data Docs site after each checkpoint."""

    def __init__(self, folder: Path, run_id: str) -> None:
        self.folder = folder
        # One site per output folder: a rerun of the same run writes to its own new folder.
        self.site = f"run-{run_id}-{hashlib.sha1(str(folder.resolve()).encode()).hexdigest()[:10]}"
        self._results: list[tuple[str, object]] = []

    @property
    def index(self) -> Path:
        return self.folder / "index.html"

    def add(self, batch_name: str, validation_result) -> None:
        """Keep a result for the site; `build` renders them all (once per run, not per checkpoint)."""
        self._results.append((batch_name, _without_values(validation_result)))

    def merge(self, other: RunDataDocs) -> None:
        """Take the results a partition task collected (already stripped of values)."""
        self._results.extend(other._results)

    def build(self) -> Path | None:
        if not self._results:
            return None
        from great_expectations.core.run_identifier import RunIdentifier
        from great_expectations.data_context.types.resource_identifiers import (
            ExpectationSuiteIdentifier,
            ValidationResultIdentifier,
        )

        context = gx_context()
        self.folder.mkdir(parents=True, exist_ok=True)
        with _lock:
            if self.site not in (context.variables.data_docs_sites or {}):
                context.add_data_docs_site(self.site, {
                    "class_name": "SiteBuilder",
                    "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                                      "base_directory": str(self.folder.resolve())},
                    "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                })
            store = context.validation_results_store
            for key in store.list_keys():  # other runs of this process are not this run's docs
                store.remove_key(key)
            for batch_name, result in self._results:
                suite = result.suite_name
                key = ValidationResultIdentifier(
                    expectation_suite_identifier=ExpectationSuiteIdentifier(name=suite),
                    run_id=RunIdentifier(run_name=batch_name, run_time=datetime.now()),
                    batch_identifier=batch_name,
                )
                store.set(key, result)
            context.build_data_docs(site_names=[self.site])
        remote = make_offline(self.folder)
        if remote:  # GX changed its templates: these pages will be blank offline until vendor/ has them
            log.warning("Data Docs still load from the Internet: %s", ", ".join(remote))
        return self.index


def _without_values(validation_result):
    clean = copy.deepcopy(validation_result)
    for item in clean.results:
        observed = item.result.get("observed_value") if item.result else None
        item.result = {k: v for k, v in (item.result or {}).items() if k in SAFE_RESULT_KEYS}
        if isinstance(observed, list) and len(observed) > 50:
            item.result.pop("observed_value", None)
    clean.meta = {k: v for k, v in (clean.meta or {}).items() if k != "batch_spec"}
    return clean
