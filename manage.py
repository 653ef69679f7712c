#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    from sclero_clinic.envfile import development_when_unconfigured, load_env_file

    load_env_file()
    development_when_unconfigured()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sclero_clinic.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
