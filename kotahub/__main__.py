"""``python -m kotahub`` runs the command line."""

from kotahub.cli import main

raise SystemExit(main())
