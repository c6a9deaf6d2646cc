"""Text that names no person and quotes nothing anyone said: task types, phases, milestones.

Temporal shows such text in clear (timer and activity summaries), so its UI's timeline explains
itself without the codec; everything else a case sends to Temporal is sealed (sg989/codec.py).
"""

from __future__ import annotations


class PublicText(str):
    """A summary the payload codec may leave readable. Build it from vocabulary only."""
