"""The browser dashboard (served by ``server.py``): charts, controls, comparison, texts."""
