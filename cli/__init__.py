"""The ``iran-sim`` command line: one module per subcommand, registered in ``cli.main``."""
