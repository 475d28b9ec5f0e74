"""The only place that runs SQL: engine, schema, migrations and queries."""
