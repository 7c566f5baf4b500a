"""Output paths checked before any work is done.

A leaf: it imports nothing of ours. The command line and
:func:`~sklearn_siamese.demo.run_demo` both check their outputs here.
"""

import os


def prepare_output(path, name, *, folder=False, example):
    """Fail now, rather than after training, when ``path`` cannot be written.

    The one check of the outputs of the command line's ``fit``, ``embed``
    and ``demo``, and of :func:`~sklearn_siamese.demo.run_demo`. ``path`` is
    a file to write, whose folder must exist, or with ``folder=True`` a
    folder to write files in, created here (with its missing parents) once
    checked; ``name`` is the option or parameter that gave it, and
    ``example`` a file (or folder) name to suggest. A link is checked as
    what it points to.

    Raises
    ------
    OSError
        With a one-line message naming ``path`` and the fix, when ``path``
        is empty; is a link to nothing (but a file link may name a file to
        create, in a folder that exists); is a folder where a file is
        wanted, or a file where a folder is; is a file without write
        permission; or when its nearest existing parent is not a folder, is
        a folder without write permission, or (for a file) is not the
        file's own folder; or when the folder cannot be created.
    """
    path = os.fspath(path)
    kind = "folder" if folder else "file"
    cannot = f"cannot write in {path}" if folder else f"cannot write {path}"
    if not path:
        raise FileNotFoundError(f"{name} is empty; give a {kind} name, e.g. {example}")
    target = path  # what gets written: path, or the file a link names
    if os.path.islink(path) and not os.path.exists(path):
        # A link to a file to create is fine; a link into a missing folder,
        # a link in a loop (realpath stops at a link) or a folder link is not.
        target = os.path.realpath(path)
        if (
            folder
            or os.path.islink(target)
            or not os.path.isdir(os.path.dirname(target))
        ):
            raise FileNotFoundError(
                f"{cannot}: it is a broken link (to {os.readlink(path)}); "
                f"remove it, or give another {name}"
            )
    if os.path.isdir(path):
        if not folder:
            raise IsADirectoryError(
                f"{name} {path} is a folder; give a file name, e.g. "
                f"{os.path.join(path, example)}"
            )
        parent = path
    elif os.path.exists(path):
        if folder:
            raise NotADirectoryError(
                f"{name} {path} is a file, not a folder; give another {name}"
            )
        if not os.access(path, os.W_OK):
            raise PermissionError(
                f"{cannot}: no permission to write the file; make it writable, "
                f"or give another {name}"
            )
        return
    else:
        if not folder and not os.path.basename(path):
            raise IsADirectoryError(
                f"{name} {path} names a folder; give a file name, e.g. "
                f"{os.path.join(path, example)}"
            )
        parents = []  # the missing folders, then the nearest existing one
        parent = target
        while not parents or not os.path.lexists(parent):
            parent = os.path.dirname(parent.rstrip(os.sep) or os.sep) or os.curdir
            parents.append(parent)
        if not os.path.isdir(parent):
            problem = "a broken link" if os.path.islink(parent) else "a file"
            raise NotADirectoryError(f"{cannot}: {parent} is {problem}, not a folder")
        if not folder and len(parents) > 1:
            raise FileNotFoundError(
                f"{cannot}: folder {parents[0]} does not exist; create it first"
            )
    if not os.access(parent, os.W_OK | os.X_OK):
        raise PermissionError(f"{cannot}: no permission to write in {parent}")
    if folder:
        try:
            os.makedirs(path, exist_ok=True)
        except OSError as exc:
            raise type(exc)(f"{cannot}: {exc.strerror or exc}") from None
