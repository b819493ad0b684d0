"""The ``undersigned`` console command: Django's management commands plus our own."""

import os
import sys

# Set once the data directory has been named: the processes a command starts (serve's workers
# and scheduler) use the same one and do not repeat it.
DATA_DIR_NAMED = "UNDERSIGNED_DATA_DIR_NAMED"


def name_data_dir() -> None:
    """Say on stderr which data directory (database, media, secret key) this command uses, so
    that running it from another folder or with another setting never goes unnoticed; its
    children inherit the same directory."""
    from django.conf import settings

    config = settings.CONFIG
    if os.environ.get(DATA_DIR_NAMED) != str(config.data_dir):
        how = ("UNDERSIGNED_DATA_DIR" if config.data_dir_from_environment
               else "the default; set UNDERSIGNED_DATA_DIR to use another")
        sys.stderr.write(f"undersigned: data directory {config.data_dir} ({how})\n")
    os.environ["UNDERSIGNED_DATA_DIR"] = os.environ[DATA_DIR_NAMED] = str(config.data_dir)


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "undersigned.settings")
    from django.core.management import execute_from_command_line

    name_data_dir()
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
