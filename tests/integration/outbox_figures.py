"""Print the figures of the last fault run (tests/integration/test_outbox_faults.py):

python -m tests.integration.outbox_figures
"""

import json
from pathlib import Path

FIGURES = Path(__file__).resolve().parents[2] / "artifacts" / "outbox-faults.json"
COLUMNS = [
    "expected", "received", "duplicates", "unexpected", "lost", "recovery_s", "worker_restarted",
    "failed_visible", "emails_with_pdf", "reminders_due", "reminders_recorded",
    "reminders_duplicated",
]  # fmt: skip


def main() -> None:
    table = json.loads(FIGURES.read_text())
    width = max(len(fault) for fault in table)
    print(f"{'fault':<{width}}  " + "  ".join(f"{column:>10}" for column in COLUMNS))
    for fault, figures in table.items():
        cells = "  ".join(f"{str(figures.get(column, '')):>10}" for column in COLUMNS)
        print(f"{fault:<{width}}  {cells}")


if __name__ == "__main__":
    main()
