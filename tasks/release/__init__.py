"""The routine press data releases (新闻发布: 一季度, 上半年, 前三季度, 全年): the period, the figures year to date,
their checks before publication, and the draft, approval and publication around them."""
