"""The linkage-fund project ledger (衔接资金项目台账, 联农带农), quarterly: tasks.funds.ledger computes,
tasks.funds.report writes and tells."""
