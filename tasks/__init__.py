"""Building blocks of the campaigns: settings, storage, runs and stages, partitioning, the data model, reference
data, quality checks, notifications, outputs and each campaign's pure steps."""
