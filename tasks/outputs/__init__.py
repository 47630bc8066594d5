"""What people open: spreadsheets made safe for Excel, charts with Chinese labels, the roster overview."""
