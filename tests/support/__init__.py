"""Helpers of the tests: fake servers (Slack, robots, HTTP), a throwaway PostgreSQL, county files, release
helpers and the independent disclosure attacker."""
