"""动态监测与实施评估: change between two survey vintages (变化图斑分析) and what it means for the
control lines.  ``change`` computes exact m² (compute), ``ledger`` rounds and states every figure,
``report`` lays out the workbook — the same one-way flow as the other jobs (DESIGN §2)."""
from .change import (
    ChangeGroups,
    ChangeRules,
    ChangeRun,
    MonitoringDataError,
    Vintage,
    run_changes,
)

__all__ = ["ChangeGroups", "ChangeRules", "ChangeRun", "MonitoringDataError", "Vintage", "run_changes"]
