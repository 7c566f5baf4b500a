"""Print the N-th command line of README.md's shell code blocks (1-based)."""

import pathlib
import re
import sys

readme = pathlib.Path(__file__).resolve().parent.parent / "README.md"
blocks = re.findall(r"```(?:bash|sh|shell|console)\n(.*?)```", readme.read_text(), re.S)
commands = [
    line.strip()
    for block in blocks
    for line in block.splitlines()
    if line.strip() and not line.strip().startswith("#")
]
print(commands[int(sys.argv[1]) - 1])
