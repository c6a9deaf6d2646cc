"""api of sg989."""
