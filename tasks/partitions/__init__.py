"""Partitioning: which provinces go together (plan), how a province too large for one is cut into parts
(province_cut), where partitions run (runner), and the counting campaigns' roster stage per partition (roster)."""
