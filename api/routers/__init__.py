"""HTTP routers of the API."""
