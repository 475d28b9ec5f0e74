"""The only place that imports FastAPI/Starlette: app factory, routes, templates, static."""
