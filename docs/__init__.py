"""The project's documentation, installed with the package: the dashboard shows the ODD
description, the validation against history and the shipped results of the claims
audit, sensitivity analysis and frontier map from here (no code)."""
