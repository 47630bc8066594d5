"""Ingest of county submissions (CSV and XLSX with the national system's column names)."""
