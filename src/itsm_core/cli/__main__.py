"""``python -m itsm_core.cli``: the ``itsm`` command."""

import sys

from itsm_core.cli import main

if __name__ == "__main__":
    sys.exit(main())
