"""The argument parser of every lorabench command: a bad argument is one line on stderr and exit 2."""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

USAGE_ERROR = 2


def say_error(prog: str, message: str) -> None:
    print(f"{prog}: error: {message}", file=sys.stderr)


class CommandParser(argparse.ArgumentParser):
    """argparse without the usage block before an error: the error line names the option, `--help` the rest."""

    def error(self, message: str) -> NoReturn:
        say_error(self.prog, message)
        sys.exit(USAGE_ERROR)
