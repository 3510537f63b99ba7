"""`python -m lorabench COMMAND`: see `lorabench.cli.main`."""

import sys

from lorabench.cli.main import main

sys.exit(main())
