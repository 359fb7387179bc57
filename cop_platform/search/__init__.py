"""Search across every content type, each through its own visibility policy.

The apps register what they hold (`registry.register_source`, from their AppConfig.ready()),
so this package imports no app: `engine.search` runs one query over all sources a searcher may
see; Postgres uses stored, weighted tsvectors and `websearch_to_tsquery`, SQLite a simpler
`icontains` fallback with the same results shape.
"""
