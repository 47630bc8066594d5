"""Entry points: how the campaigns are started. The command line (cli), the deployments and their schedules
(definitions), a local server serving them (serve), the calendar of scheduled runs, and backfills of past
periods. They import flows; nothing in tasks/ or flows/ imports them."""
