"""One flow per campaign: parameters in, stages wired, summaries out; the work itself is in tasks/."""
