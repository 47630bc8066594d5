"""Data quality: the Great Expectations checkpoints, their records, and the outlier tests."""
