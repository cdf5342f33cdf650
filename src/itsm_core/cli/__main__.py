"""``python -m itsm_core.cli``: the ``itsm`` command."""

import sys

from itsm_core.cli import main

sys.exit(main())
