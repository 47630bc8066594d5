"""Entry points: how the campaigns are started. The command line (cli), the deployments and their schedules
(definitions), a local server serving them (serve), the calendar of scheduled runs, and backfills of past
periods. They import flows; nothing in tasks/ or flows/ imports them. The two configuration files kept here
for coordinators to edit, channels.toml and assessment.toml, are read by tasks/ as data (the defaults of
CAMPAIGNS_SLACK_CHANNELS_FILE and of the assessment's --config)."""
