"""The evaluation rendered for people: `text` (terminal table, report.md, report.json),
`plots`, and the risk and fairness parts in `advice_text` and `advice_plots`. Imports
`training.evaluation`; nothing below imports it.
"""
