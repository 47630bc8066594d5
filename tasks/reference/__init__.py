"""Reference data shipped with the project: provinces (GB/T 2260) and the national code tables."""

from tasks.reference.codes import CODE_TABLES, CodeTable, label_of
from tasks.reference.provinces import PROVINCES, Province, load_provinces, province_name

__all__ = ["CODE_TABLES", "PROVINCES", "CodeTable", "Province", "label_of", "load_provinces", "province_name"]
