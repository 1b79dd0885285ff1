"""The tuples a ``RowSink`` keeps while a file is read: the order of a record's
fields and of a measurement row's fields.

Rows are plain tuples because a file can hold hundreds of thousands of them;
these names say what each position holds.
"""

from __future__ import annotations

from chimera.ingest.vocabulary import CONFIG_COLUMNS

# Internal column: where the model name came from ("data", "hint", "name").
MODEL_SOURCE = "_model_source"

RECORD_FIELDS = (
    "record_id", "model", "quantization", "backend", *CONFIG_COLUMNS, "params",
    "timestamp", MODEL_SOURCE,
)  # fmt: skip
ROW_FIELDS = (
    "_record", "locator", "metric", "value", "unit", "original_name",
    "original_value", "original_unit", "status", "error", "stat", "_number",
)  # fmt: skip

RECORD_ID = RECORD_FIELDS.index("record_id")
RECORD_MODEL = RECORD_FIELDS.index("model")
RECORD_MODEL_SOURCE = RECORD_FIELDS.index(MODEL_SOURCE)
RECORD_CONFIG = slice(
    RECORD_FIELDS.index(CONFIG_COLUMNS[0]), RECORD_FIELDS.index(CONFIG_COLUMNS[-1]) + 1
)
ROW_RECORD = ROW_FIELDS.index("_record")
ROW_NAME = ROW_FIELDS.index("original_name")
ROW_STATUS = ROW_FIELDS.index("status")
ROW_NUMBER = ROW_FIELDS.index("_number")
