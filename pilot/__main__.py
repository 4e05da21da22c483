"""``python -m pilot …``: see pilot/cli.py."""
import sys

from pilot.cli import main

sys.exit(main())
