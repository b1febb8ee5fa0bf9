"""Reporting: every Plotly figure and HTML report, shared by the command line and the
dashboard."""
