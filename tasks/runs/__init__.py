"""Campaign runs and their stages: opening and closing a run (campaign), the run record (one per campaign, period
and mode), the checkpoint-and-notify half of every stage, the roster input stage, the roster as of a period's
end (as_of), and the audit trail."""
