"""Stage a submission: read only the exercise files out of a folder or a zip, safely.

Nothing from the submission is executed here and nothing is extracted to disk
by path: members are read into memory (with size caps) and written under the
grader's own job folder by exercise name. A hostile zip (path traversal,
absolute paths, symbolic links, a bomb) is refused whole, with a message.
"""

from __future__ import annotations

import ast
import os
import re
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from layerlab.table import load_table

MAX_FILE_BYTES = 1024 * 1024  # an exercise file is a few KB; 1 MB is generous
MAX_ZIP_TOTAL = 64 * 1024 * 1024  # declared uncompressed size of the whole archive
MAX_ZIP_MEMBERS = 10_000
MAX_RATIO = 200  # a member that compresses more than this is a bomb
EXERCISE_FILE = re.compile(r"ex\d\d_\w+\.py")  # how an exercise file is named: ex02_conv2d.py
EXERCISES_SUBFOLDER = "exercises"  # a learner's repository keeps them here
MAX_DEPTH = 8  # folders below the submission that are searched for exercise files
NOT_SEARCHED = ("__MACOSX", "__pycache__", "site-packages", "node_modules")  # and hidden folders, venvs
UNSAFE_NAME_CHARACTERS = re.compile(r"[^\w.+@=(),' -]")  # \w keeps letters of every script: 김민준 stays
MAX_NAME_LENGTH = 80
REPORT_SUFFIXES = (".csv", ".json", ".xml", ".txt", ".md", ".html")  # the grader's own files end like these


class Refused(Exception):
    """The submission cannot be graded at all (a hostile or corrupt archive)."""


@dataclass
class Staged:
    """module -> source text for the exercise files found; problems per module."""

    name: str
    sources: dict = field(default_factory=dict)
    problems: dict = field(default_factory=dict)  # module -> (status, words)
    notes: list = field(default_factory=list)
    found: dict = field(default_factory=dict)  # file name -> where it was, relative to the submission


def submission_name(path: Path) -> str:
    """The name a submission's results go under: its folder or zip name, made safe as a folder name.

    Characters a folder name or a report should not carry become '_', a name
    never starts with '.' ('.', '..', hidden folders) and never ends like one of
    the grader's own report files (gradebook.csv). Uniqueness is unique_names' job.
    """
    path = Path(path)
    raw = path.stem if path.suffix == ".zip" else path.resolve().name
    name = UNSAFE_NAME_CHARACTERS.sub("_", raw)[:MAX_NAME_LENGTH]
    if name.startswith("."):
        name = "_" + name[1:]
    stem, dot, suffix = name.rpartition(".")
    if dot and f".{suffix.lower()}" in REPORT_SUFFIXES:
        name = f"{stem}_{suffix}"
    return name or "submission"


def _expected() -> dict[str, str]:
    return {f"{e.module}.py": e.module for e in load_table()}


def stage(path: Path) -> Staged:
    """Read the exercise files of a submission folder or zip."""
    path = Path(path)
    staged = Staged(submission_name(path))
    if path.is_file() and path.suffix == ".zip":
        raw = _read_zip(path, staged)
    elif path.is_dir():
        try:
            raw = _read_folder(path, staged)
        except OSError as error:  # a folder the grader may not list
            raise Refused(f"{path.name}: the folder cannot be read ({error.strerror})") from None
    else:
        raise Refused(f"{path}: not a folder or a .zip file")
    folders = sorted({str(PurePosixPath(where).parent) for where in staged.found.values()} - {"."})
    if folders:
        staged.notes.append(f"exercise files read from {', '.join(f'{folder}/' for folder in folders)}")
    for filename, module in _expected().items():
        if filename not in raw:
            continue
        data = raw[filename]
        try:
            source = data.decode("utf-8")
        except UnicodeDecodeError as error:
            staged.problems[module] = ("syntax_error", f"{filename} is not UTF-8 text (byte {error.start})")
            continue
        try:
            ast.parse(source, filename=filename)
        except SyntaxError as error:
            staged.problems[module] = ("syntax_error", f"{filename} line {error.lineno}: syntax error: {error.msg}")
            continue
        except ValueError as error:  # null bytes
            staged.problems[module] = ("syntax_error", f"{filename}: {error}")
            continue
        staged.sources[module] = source
    return staged


def exercise_folder(folder: Path) -> Path | None:
    """Where a submission folder keeps its exercise files: itself, else its exercises/ sub-folder."""
    for candidate in (folder, folder / EXERCISES_SUBFOLDER):
        if candidate.is_symlink() or not candidate.is_dir():
            continue
        if any(EXERCISE_FILE.fullmatch(entry.name) and entry.is_file(follow_symlinks=False)
               for entry in os.scandir(candidate)):
            return candidate
    return None


def expand(paths: list[Path], notes: list[str] | None = None) -> list[Path]:
    """Submissions named by `paths`; a folder of submissions stands for its entries, sorted by name.

    A folder is one submission when it (or its exercises/ sub-folder) holds an
    exercise file. Otherwise, when it holds sub-folders or .zip files, each of
    those is a submission; anything else in it is skipped, with a note.
    """
    submissions = []
    for path in map(Path, paths):
        if not path.is_dir() or exercise_folder(path) is not None:
            submissions.append(path)
            continue
        entries = sorted(path.iterdir(), key=lambda entry: entry.name)
        chosen = [entry for entry in entries if not entry.name.startswith((".", "__MACOSX"))
                  and not entry.is_symlink()
                  and (entry.is_dir() or (entry.is_file() and entry.suffix == ".zip"))]
        if not chosen:
            submissions.append(path)  # an empty or flat folder: one submission (with nothing in it)
            continue
        submissions += chosen
        if notes is not None:
            notes += [f"{path.name}/{entry.name}: skipped (not a submission folder or .zip)"
                      for entry in entries if entry not in chosen and not entry.name.startswith((".", "__MACOSX"))]
    return submissions


def choose_locations(paths: list[PurePosixPath], where: str) -> dict[str, PurePosixPath]:
    """The exercise files among `paths` (relative paths at any depth), by file name.

    A file name found in two places is ambiguous: the submission is refused with
    both places named, rather than one copy being graded by a guess.
    """
    wanted = _expected()
    venvs = {path.parent for path in paths if path.name == "pyvenv.cfg"}  # a virtual environment's packages
    chosen: dict[str, PurePosixPath] = {}
    for path in sorted(paths):
        if path.name not in wanted or len(path.parts) > MAX_DEPTH + 1 or _not_searched(path.parts[:-1]) \
                or any(venv in path.parents for venv in venvs):
            continue
        if path.name in chosen:
            raise Refused(f"{where}: {path.name} is there twice ({chosen[path.name]} and {path}); "
                          "submit one copy of each exercise file")
        chosen[path.name] = path
    return chosen


def _not_searched(folders: tuple[str, ...]) -> bool:
    return any(part.startswith(".") or part in NOT_SEARCHED for part in folders)


def _folder_paths(folder: Path) -> list[PurePosixPath]:
    """Relative paths of the files below `folder`, without following links (bounded in depth and count)."""
    found, pending, seen = [], [(folder, PurePosixPath())], 0
    while pending:
        current, relative = pending.pop()
        try:
            entries = list(os.scandir(current))
        except OSError:
            if not relative.parts:
                raise  # the submission folder itself: stage() refuses it with the reason
            continue
        for entry in entries:
            seen += 1
            if seen > MAX_ZIP_MEMBERS:
                raise Refused(f"{folder.name}: more than {MAX_ZIP_MEMBERS} entries; submit the exercise files only")
            path = relative / entry.name
            if entry.is_dir(follow_symlinks=False):
                if len(path.parts) <= MAX_DEPTH and not _not_searched((entry.name,)) \
                        and not os.path.exists(os.path.join(entry.path, "pyvenv.cfg")):
                    pending.append((Path(entry.path), path))
            else:
                found.append(path)
    return found


def _read_folder(folder: Path, staged: Staged) -> dict[str, bytes]:
    found = {}
    for filename, relative in choose_locations(_folder_paths(folder), folder.name).items():
        candidate = folder / relative
        try:
            info = candidate.lstat()
        except FileNotFoundError:
            continue
        if stat.S_ISLNK(info.st_mode):
            staged.notes.append(f"{relative} is a symbolic link: ignored (submit the file itself)")
            continue
        if not stat.S_ISREG(info.st_mode):
            staged.notes.append(f"{relative} is not a regular file: ignored")
            continue
        if info.st_size > MAX_FILE_BYTES:
            staged.notes.append(f"{relative} is larger than {MAX_FILE_BYTES // 1024} KB: ignored")
            continue
        try:
            found[filename] = candidate.read_bytes()
        except OSError as error:
            staged.notes.append(f"{relative} cannot be read ({error.strerror}): ignored")
            continue
        staged.found[filename] = relative.as_posix()
    return found


def _read_zip(archive: Path, staged: Staged) -> dict[str, bytes]:
    try:
        with zipfile.ZipFile(archive) as bundle:
            members = bundle.infolist()
            _refuse_hostile(archive, members)
            files = [(PurePosixPath(m.filename.replace("\\", "/")), m) for m in members if not m.is_dir()]
            located = choose_locations([path for path, _ in files], archive.name)  # refuses a name twice
            by_path = dict(files)
            chosen = {name: by_path[path] for name, path in located.items()}
            found = {}
            for name, member in chosen.items():
                if member.file_size > MAX_FILE_BYTES:
                    staged.notes.append(f"{member.filename} is larger than {MAX_FILE_BYTES // 1024} KB: ignored")
                    continue
                with bundle.open(member) as handle:
                    data = handle.read(MAX_FILE_BYTES + 1)  # never trust the declared size alone
                if len(data) > MAX_FILE_BYTES:
                    raise Refused(f"{archive.name}: {member.filename} is larger than it declares (a zip bomb?)")
                found[name] = data
                staged.found[name] = member.filename
            return found
    except zipfile.BadZipFile as error:
        raise Refused(f"{archive.name}: not a valid zip file ({error})") from None
    except Refused:
        raise
    except Exception as error:  # noqa: BLE001 - a hostile archive can make zipfile raise almost anything
        # (a name that is not UTF-8 under the UTF-8 flag, a corrupt deflate stream, an encrypted member,
        # a truncated file, a CRC error): every one is the archive's problem, never the grader's.
        raise Refused(f"{archive.name}: cannot read the zip ({type(error).__name__}: {str(error)[:300]})") from None


def _refuse_hostile(archive: Path, members: list[zipfile.ZipInfo]) -> None:
    if len(members) > MAX_ZIP_MEMBERS:
        raise Refused(f"{archive.name}: {len(members)} entries; a submission has at most {MAX_ZIP_MEMBERS}")
    total = 0
    for member in members:
        name = member.filename
        parts = PurePosixPath(name.replace("\\", "/")).parts
        if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
            raise Refused(f"{archive.name}: entry '{name}' has an absolute path")
        if ".." in parts:
            raise Refused(f"{archive.name}: entry '{name}' climbs out of the folder with '..'")
        mode = member.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise Refused(f"{archive.name}: entry '{name}' is a symbolic link")
        total += member.file_size
        if member.compress_size and member.file_size / member.compress_size > MAX_RATIO \
                and member.file_size > MAX_FILE_BYTES:
            raise Refused(f"{archive.name}: entry '{name}' expands {member.file_size // member.compress_size}x "
                          "(a zip bomb?)")
    if total > MAX_ZIP_TOTAL:
        raise Refused(f"{archive.name}: {total // (1024 * 1024)} MB uncompressed; the limit is "
                      f"{MAX_ZIP_TOTAL // (1024 * 1024)} MB")
