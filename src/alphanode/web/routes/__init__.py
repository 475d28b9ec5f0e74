"""HTTP routes: reader pages, feeds and discovery, the JSON API."""
