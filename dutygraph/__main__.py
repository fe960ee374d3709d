import sys

from dutygraph.cli import main

sys.exit(main())
