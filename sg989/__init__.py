"""Composition root of sg989: settings, logging, CLI and worker."""
