"""用地结构调整表: compute (exact figures) → ledger (the one place that rounds) → report (layout).

``compute`` reads codes and areas into records and sums them exactly; ``ledger`` turns them into the
printed table, transition matrix, finance lines and notes; ``report`` lays the ledger out in a
workbook; ``run`` is the orchestration the Processing algorithm and the tests call.
"""
