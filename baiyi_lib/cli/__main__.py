"""python -m baiyi_lib.cli: the same as the baiyi command."""

from .run import main

raise SystemExit(main())
