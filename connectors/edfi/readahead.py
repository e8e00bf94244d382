"""Reading an Ed-Fi submission ahead, in a second process.

Parsing the XML and flattening its elements (libxml2 and lxml) is about half of the connector's CPU,
and lxml holds the GIL while it parses, so a thread cannot overlap it with the rest. A second process
can. It parses each file, flattens each element the reading uses, and hands the texts over in
batches. The publishing process makes each element's ``View`` of them, then maps, checks, encodes
and sends it as if it had read the element itself: the same items in the same order.

The batches are marshal'd plain data (about 2 µs an element, both ends together; an element's
shape, its paths and counts, crosses once). They go through a spool, a temporary file, and a pipe
carries one empty word per batch written, or the reason the reading failed. A pipe alone held the
reading process back: its first passes (schools, programs, associations kept aside) cost it the most
and the publishing process little, the later ones the other way round, so it must be free to run
far ahead. Measured on 282 MB of XML, reading and encoding without Kafka: a pipe alone, or one
emptied by a thread, 11-15 s; the spool, 10-11 s; one process, 16-17 s. The spool lives in the
page cache, a third of the XML's size at most, and leaves the folder as soon as both processes have
it open. Memory stays flat in both processes.
"""

from __future__ import annotations

import contextlib
import marshal
import multiprocessing
import os
import tempfile
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from typing import Any

from connectors.edfi.descriptors import Tables
from connectors.edfi.view import View, stripped
from connectors.edfi.xmlfile import Broken, Paths, Top, flatten_shaped

BATCH = 512
"""Elements a message: large enough that sending costs little per element, small enough that the
two processes overlap from the first batch."""

Element = tuple[Top, bool]
"""A top-level element, and whether the reading uses it."""
Found = tuple[Top, View | None] | Broken
"""An element as the reading hands it over: with its view when the reading uses it, or why the file
stopped being readable."""


class Sender:
    """The reading process's end: ``found`` each element of a file, then ``done``.

    An element the reading uses crosses as its shape's key and its leaves' texts, as they are
    (``flatten_shaped``): pairing them with their paths and stripping them is left to the other end,
    which has time to spare. Its children of the names ``repeated`` that occur more than once cross
    too, each as its stripped text (a leaf) or as its shape and texts."""

    def __init__(self, conn: Connection, spool: str) -> None:
        self._conn = conn
        self._spool = open(spool, "ab")  # noqa: SIM115 - open for the reading's life, closed by close()
        # Both ends have it open now: gone from the folder, it cannot outlive them, however they end.
        os.unlink(spool)
        self._shapes: dict[int, tuple[int, tuple[str, ...], dict[str, int]]] = {}
        """id(paths) -> (key, paths, counts): each shape sent once (held here, so an id stays unique)."""
        self._batch: list[tuple[Any, ...]] = []

    def found(
        self, index: int, bytes_read: int, found: Element | Broken, paths: Paths, repeated: tuple[str, ...]
    ) -> None:
        if isinstance(found, Broken):
            self._batch.append(("!", found.line, found.column, found.reason))
        else:
            top, used = found
            if not used:
                self._batch.append((top.name, top.line, top.number))
            else:
                key, texts, counts = self._flat(top.element, paths.namespace)
                shipped: dict[str, list[Any]] | None = None
                for name in repeated:
                    if counts.get(name, 0) > 1:
                        shipped = shipped or {}
                        shipped[name] = [
                            self._flat(c, paths.namespace)[:2] if len(c) else (c.text or "").strip()
                            for c in top.element.iterfind(paths(name))
                        ]
                self._batch.append((top.name, top.line, top.number, key, texts, shipped))
        if len(self._batch) >= BATCH:
            self._send(index, bytes_read, done=False)

    def done(self, index: int, bytes_read: int) -> None:
        self._send(index, bytes_read, done=True)

    def failed(self, reason: str) -> None:
        self._conn.send_bytes(reason.encode() or b"?")

    def close(self) -> None:
        self._spool.close()
        self._conn.close()

    def _flat(self, element: Any, namespace: str) -> tuple[int, tuple[str | None, ...], dict[str, int]]:
        paths, texts, counts = flatten_shaped(element, namespace)
        known = self._shapes.get(id(paths))
        if known is None:
            known = self._shapes[id(paths)] = (len(self._shapes), paths, counts)
            self._batch.append(("c", known[0], paths, counts))
        return known[0], texts, counts

    def _send(self, index: int, bytes_read: int, done: bool) -> None:
        data = marshal.dumps((index, bytes_read, done, self._batch))
        self._spool.write(len(data).to_bytes(4, "little"))
        self._spool.write(data)
        self._spool.flush()  # in the page cache, where the other end reads it, before it is told
        self._conn.send_bytes(b"")
        self._batch = []


class ReadAheadFailed(RuntimeError):
    """The reading process stopped with an error (its reason), or without a word."""


class Reading:
    """The publishing process's end: a reading process started on ``target(*args, sender)``, and each
    file's elements as it sends them (``file``), in the order it reads the files."""

    def __init__(self, target: Callable[..., None], args: tuple[Any, ...], files: int) -> None:
        handle, self._path = tempfile.mkstemp(prefix="msix-edfi-", suffix=".spool")
        self._spool = os.fdopen(handle, "rb")
        # Spawned, not forked: a fork would copy a running progress bar's or librdkafka's locks.
        ctx = multiprocessing.get_context("spawn")
        self._conn, theirs = ctx.Pipe(duplex=False)
        self._process = ctx.Process(
            target=target, args=(*args, theirs, self._path), name="msix-edfi-read-ahead", daemon=True
        )
        self._process.start()
        theirs.close()  # so that its end closing is seen here as end of input
        self._files = files
        self._complete = False
        self._shapes: dict[int, tuple[tuple[str, ...], dict[str, int]]] = {}
        self.bytes_read = 0

    def file(self, index: int, root: str, paths: Paths, tables: Tables) -> Iterator[Found]:
        """The elements of the ``index``-th file read, as ``reader`` would have found them."""
        self.bytes_read = 0
        while True:
            sent_for, self.bytes_read, done, entries = self._receive()
            if sent_for != index:
                raise ReadAheadFailed(f"the Ed-Fi reading process sent file {sent_for}, file {index} was expected")
            for entry in entries:
                kind = entry[0]
                if kind == "c":
                    self._shapes[entry[1]] = (entry[2], entry[3])
                elif kind == "!":
                    yield Broken(entry[1], entry[2], entry[3])
                elif len(entry) == 3:
                    yield Top(kind, None, entry[1], root, entry[2]), None
                else:
                    _, line, number, shape, texts, shipped = entry
                    leaves, counts = self._shapes[shape]
                    if shipped:
                        shipped = {name: [self._child(c) for c in children] for name, children in shipped.items()}
                    view = View.read(stripped(leaves, texts), counts, paths, tables, shipped)
                    yield Top(kind, None, line, root, number), view
            if done:
                self._complete = index == self._files - 1
                return

    def _child(self, sent: Any) -> Any:
        if isinstance(sent, str):
            return sent
        leaves, counts = self._shapes[sent[0]]
        return stripped(leaves, sent[1]), counts

    def close(self) -> None:
        """Stop the reading process (at once, if the reading was left unfinished), wait for it, and
        remove the spool."""
        if self._complete:
            self._process.join(timeout=5)
        if self._process.is_alive():
            self._process.kill()
        self._process.join()
        self._conn.close()
        self._spool.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._path)

    def _receive(self) -> Any:
        try:
            word = self._conn.recv_bytes()
        except EOFError:
            self._process.join(timeout=1)
            code = self._process.exitcode
            raise ReadAheadFailed(f"the Ed-Fi reading process ended early (exit code {code})") from None
        if word:
            raise ReadAheadFailed(f"the Ed-Fi reading process failed: {word.decode(errors='replace')}")
        size = int.from_bytes(self._spool.read(4), "little")
        return marshal.loads(self._spool.read(size))  # noqa: S302 - our own reading process's spool (0600)
