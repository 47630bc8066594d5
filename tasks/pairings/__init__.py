"""The assistance pairings (东西部协作, 中央单位定点帮扶, 驻村帮扶), quarterly: tasks.pairings.progress computes,
tasks.pairings.report writes and tells."""
