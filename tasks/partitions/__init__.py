"""Partitioning: which provinces go together (plan), how a province too large for one is cut into parts
(partition), and where partitions run (runner). The flows fan out over them (flows.fan_out)."""
