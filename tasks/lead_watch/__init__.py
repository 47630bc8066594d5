"""The year-round lead watch (常态化): each week, each county's overdue and late problem leads."""
