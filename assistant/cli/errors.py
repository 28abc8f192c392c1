"""The error the command line prints as one German line (exit code 1); its own module so that the
subcommands and `eval` raise it without importing the command line's entry point."""


class CliError(Exception):
    """A user-facing error: printed as one German line, exit code 1."""
