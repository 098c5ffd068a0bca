"""`python -m collabd.simulate`: the `collabd simulate` command on its own."""

import sys

from .cli import main

sys.exit(main())
