"""``python -m autograd_lite`` runs the ``autograd-lite`` command."""

import sys

from .cli import main

sys.exit(main())
