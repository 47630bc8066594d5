"""Campaign runs and their stages: the run record (one per campaign, period and mode), the checkpoint-and-notify
half of every stage, the roster input stage, and the audit trail."""
