"""The annual assessment (考核评估): indicator configuration, per-province and key-county indicators, scores,
grades, ranks and the red line (pure pandas), plus the flow's input, report and message stages."""
