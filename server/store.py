"""What `fenjie serve` keeps: SQLite (WAL) for rounds, links and uploads; files by content hash.

A stored file is named by the SHA-256 of its bytes (plus a lower-case extension), written to a
temporary file, fsynced and then hard-linked into place: it is never overwritten and never
named by the uploader. An upload row is written only once its check is done, in one
transaction, so a killed server leaves either the whole upload or none of it.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import sqlite3
import tempfile
import threading
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from validators.findings import FileResult, Finding

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS rounds (
    id INTEGER PRIMARY KEY, kind TEXT NOT NULL, title TEXT NOT NULL,
    county_table TEXT, county_table_name TEXT, assigned TEXT NOT NULL,
    deadline TEXT, created TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS links (
    token TEXT PRIMARY KEY, round_id INTEGER NOT NULL REFERENCES rounds(id), name TEXT NOT NULL,
    position INTEGER NOT NULL, UNIQUE (round_id, name));
CREATE TABLE IF NOT EXISTS uploads (
    id INTEGER PRIMARY KEY, round_id INTEGER NOT NULL REFERENCES rounds(id), name TEXT NOT NULL,
    file_name TEXT NOT NULL, sha256 TEXT NOT NULL, stored TEXT NOT NULL, size INTEGER NOT NULL,
    received TEXT NOT NULL, status TEXT NOT NULL, errors INTEGER NOT NULL,
    warnings INTEGER NOT NULL, result TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS uploads_by_name ON uploads (round_id, name, id);
"""
SUFFIX = re.compile(r"\.[a-z0-9]{1,8}")
CHUNK = 1 << 16


@dataclass
class Round:
    id: int
    kind: str
    title: str
    county_table: str | None          # stored path (relative to the data folder)
    county_table_name: str | None     # the name it was given, for display
    assigned: dict[str, dict[str, float]]
    deadline: str | None
    created: str

    @property
    def label(self) -> str:
        """The title people see: rounds of the same table told apart by number and date."""
        return f"{self.title}（第 {self.id} 轮，{self.created[:10]}）"


@dataclass
class Link:
    token: str
    round_id: int
    name: str                         # the township or unit; the county's link has name ""

    @property
    def is_county(self) -> bool:
        return self.name == ""


@dataclass
class Upload:
    id: int
    round_id: int
    name: str
    file_name: str
    sha256: str
    stored: str
    size: int
    received: str
    status: str
    errors: int
    warnings: int
    result: FileResult


def now() -> str:
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")


def safe_file_name(name: str | None) -> str:
    """The uploader's file name, for display only: no folders, no control characters."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip()
    return base[:200] or "未命名文件"


def suffix_of(name: str) -> str:
    suffix = Path(name).suffix.lower()
    return suffix if SUFFIX.fullmatch(suffix) else ""


def result_to_json(result: FileResult) -> str:
    return json.dumps(asdict(result), ensure_ascii=False)


def result_from_json(text: str) -> FileResult:
    data = json.loads(text)
    data["findings"] = [Finding(**f) for f in data.get("findings", [])]
    return FileResult(**data)


class Store:
    """The data folder: store.sqlite3 and files/ab/<sha256><ext>."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.files = self.folder / "files"
        self.spool = self.folder / "tmp"
        for d in (self.folder, self.files, self.spool):
            d.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.folder / "store.sqlite3", check_same_thread=False,
                                   isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(SCHEMA)

    def clear_spool(self) -> None:
        """Half-received uploads of a server that was killed: never acknowledged, so dropped."""
        for leftover in self.spool.glob("upload-*"):
            leftover.unlink(missing_ok=True)

    def close(self) -> None:
        self._db.close()

    def _rows(self, sql: str, *args) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    # -- files -------------------------------------------------------------------------------

    def spool_file(self) -> tuple[int, str]:
        """A new temporary file in the data folder (same file system as files/)."""
        return tempfile.mkstemp(dir=self.spool, prefix="upload-")

    def keep(self, spooled: str | Path, suffix: str) -> tuple[str, str, int]:
        """Move a spooled file into files/ under its hash; (sha256, stored path, size).

        The bytes are fsynced before the file is linked into place and the folder after."""
        spooled = Path(spooled)
        digest = hashlib.sha256()
        with open(spooled, "rb") as f:
            for chunk in iter(lambda: f.read(CHUNK), b""):
                digest.update(chunk)
            os.fsync(f.fileno())
        sha = digest.hexdigest()
        target = self.files / sha[:2] / f"{sha}{suffix}"
        target.parent.mkdir(exist_ok=True)
        try:
            os.link(spooled, target)             # fails rather than overwrite
            _fsync_dir(target.parent)
        except FileExistsError:
            pass
        finally:
            spooled.unlink(missing_ok=True)
        return sha, str(target.relative_to(self.folder)), target.stat().st_size

    def keep_bytes(self, data: bytes, suffix: str) -> tuple[str, str, int]:
        fd, path = self.spool_file()
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        return self.keep(path, suffix)

    def path(self, stored: str) -> Path:
        return self.folder / stored

    # -- county token --------------------------------------------------------------------------

    def county_token(self) -> str:
        """The county's link token, made once per data folder."""
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key='county_token'").fetchone()
            if row:
                return row[0]
            token = secrets.token_urlsafe(18)
            self._db.execute("INSERT INTO meta VALUES ('county_token', ?)", (token,))
            return token

    # -- rounds and links ----------------------------------------------------------------------

    def open_round(self, kind: str, title: str, names: list[str], assigned: dict,
                   county_table: str | None = None, county_table_name: str | None = None,
                   deadline: str | None = None) -> Round:
        """A new round with one unguessable link per name, in one transaction."""
        with self._lock:
            cur = self._db.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                cur.execute("INSERT INTO rounds (kind, title, county_table, county_table_name, assigned,"
                            " deadline, created) VALUES (?,?,?,?,?,?,?)",
                            (kind, title, county_table, county_table_name,
                             json.dumps(assigned, ensure_ascii=False), deadline, now()))
                round_id = cur.lastrowid
                for position, name in enumerate(names):
                    cur.execute("INSERT INTO links VALUES (?,?,?,?)",
                                (secrets.token_urlsafe(18), round_id, name, position))
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
        return self.round(round_id)

    def current_round(self, kind: str) -> Round | None:
        """The latest round of `kind`: the one townships of that kind report to."""
        return next((r for r in reversed(self.rounds()) if r.kind == kind), None)

    def rounds(self) -> list[Round]:
        return [Round(*row[:5], json.loads(row[5]), *row[6:])
                for row in self._rows("SELECT id, kind, title, county_table, county_table_name, assigned,"
                                      " deadline, created FROM rounds ORDER BY id")]

    def round(self, round_id: int) -> Round | None:
        return next((r for r in self.rounds() if r.id == round_id), None)

    def link(self, token: str) -> Link | None:
        rows = self._rows("SELECT token, round_id, name FROM links WHERE token=?", token)
        return Link(*rows[0]) if rows else None

    def links(self, round_id: int) -> list[Link]:
        return [Link(*row) for row in self._rows(
            "SELECT token, round_id, name FROM links WHERE round_id=? ORDER BY position", round_id)]

    # -- uploads ---------------------------------------------------------------------------------

    def add_upload(self, round_id: int, name: str, file_name: str, sha256: str, stored: str,
                   size: int, result: FileResult) -> Upload:
        """Record a checked upload (its file is already on disk) in one committed transaction."""
        received = now()
        with self._lock:
            cur = self._db.execute(
                "INSERT INTO uploads (round_id, name, file_name, sha256, stored, size, received, status,"
                " errors, warnings, result) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (round_id, name, file_name, sha256, stored, size, received, result.status,
                 result.errors, result.warnings, result_to_json(result)))
            upload_id = cur.lastrowid
        return self.upload(upload_id)

    _UPLOAD_COLUMNS = ("id, round_id, name, file_name, sha256, stored, size, received, status, errors,"
                       " warnings, result")

    def _upload(self, row) -> Upload:
        return Upload(*row[:-1], result_from_json(row[-1]))

    def upload(self, upload_id: int) -> Upload | None:
        rows = self._rows(f"SELECT {self._UPLOAD_COLUMNS} FROM uploads WHERE id=?", upload_id)
        return self._upload(rows[0]) if rows else None

    def uploads(self, round_id: int, name: str | None = None) -> list[Upload]:
        """A round's uploads (one name's, when given), newest first."""
        if name is None:
            rows = self._rows(f"SELECT {self._UPLOAD_COLUMNS} FROM uploads WHERE round_id=?"
                              " ORDER BY id DESC", round_id)
        else:
            rows = self._rows(f"SELECT {self._UPLOAD_COLUMNS} FROM uploads WHERE round_id=? AND name=?"
                              " ORDER BY id DESC", round_id, name)
        return [self._upload(r) for r in rows]

    def latest(self, round_id: int) -> dict[str, Upload]:
        """Each name's latest upload: the one that counts."""
        latest: dict[str, Upload] = {}
        for upload in reversed(self.uploads(round_id)):
            latest[upload.name] = upload
        return latest

    def counts(self, round_id: int) -> dict[str, int]:
        return dict(self._rows("SELECT name, COUNT(*) FROM uploads WHERE round_id=? GROUP BY name", round_id))


def _fsync_dir(folder: Path) -> None:
    """Make a new name in `folder` durable (POSIX; Windows cannot open a folder, NTFS journals it)."""
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
