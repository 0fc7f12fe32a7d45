"""chmgen: static site generator for national CBD Clearing-House Mechanism websites."""

import atexit as _atexit

from chmgen import classcode as _classcode

__version__ = "0.1.0"

# Before any of the package's dataclasses is made (see classcode). The command line saves
# what was compiled before it ends the process; other uses of the package save it at exit.
_classcode.install()
_atexit.register(_classcode.save)
