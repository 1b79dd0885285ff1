"""Reports rendered from computed results: each agent's Markdown and HTML report,
and the combined report of a run. Templates live in ``templates/*.j2``.
"""
