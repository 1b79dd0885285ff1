"""Grounded analysis: facts computed from the dataset, prompts that fit the context
window, answers in a JSON schema, and every figure the model writes checked.

The path is ``digest`` (dataset and inventory to facts) -> ``prompts`` and
``budget`` (facts to a prompt that fits) -> ``ask`` (one call, its retries) ->
``verify`` (figures and citations checked against the facts and the dataset).
"""
