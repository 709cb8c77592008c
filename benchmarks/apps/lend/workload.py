"""The lending app's workload: 11 statement shapes in hand-written SQL, 10,100 calls, literals
sampled from the data (heavy borrowers more often: calls follow rows)."""

from __future__ import annotations

from functools import partial

import psycopg
from calls import Calls


def statements(conn: psycopg.Connection, seed: int = 7) -> list[str]:
    """Every call, in a deterministic shuffled order."""
    borrowers = [r[0] for r in conn.execute(
        "SELECT member_id FROM loans TABLESAMPLE SYSTEM (1) REPEATABLE (1) ORDER BY id").fetchall()]
    members = conn.execute("SELECT id, email, library_id FROM members TABLESAMPLE SYSTEM (5) REPEATABLE (1) ORDER BY id").fetchall()
    books = conn.execute("SELECT id, isbn FROM books TABLESAMPLE SYSTEM (2) REPEATABLE (1) ORDER BY id").fetchall()
    calls = Calls(seed)
    rng = calls.rng
    member = partial(calls.pick, members)
    book = partial(calls.pick, books)
    add = calls.add
    add(500, lambda: f"SELECT * FROM members WHERE lower(email) = lower('{member()[1]}')")
    add(2000, lambda: f"SELECT * FROM loans WHERE member_id = {rng.choice(borrowers)} ORDER BY borrowed_at DESC LIMIT 20")
    add(50, lambda: "SELECT * FROM loans WHERE returned_at IS NULL AND due_at < now()")
    add(1000, lambda: f"SELECT count(*) FROM loans WHERE book_id = {book()[0]} AND returned_at IS NULL")
    add(1000, lambda: f"SELECT * FROM books WHERE isbn = '{book()[1]}'")
    add(800, lambda: f"SELECT * FROM holds WHERE book_id = {book()[0]} AND NOT fulfilled ORDER BY created_at LIMIT 1")
    add(30, lambda: (lambda month: f"SELECT l.*, b.title FROM loans l JOIN books b ON b.id = l.book_id WHERE l.library_id = "
                                   f"{rng.randint(1, 50)} AND l.borrowed_at >= '2023-{month:02d}-01' AND l.borrowed_at < '2023-{month:02d}-08'")(
        rng.randint(1, 12)))
    add(3000, lambda: f"UPDATE loans SET returned_at = now() WHERE id = {rng.randint(1, 3000000)}")
    add(20, lambda: f"SELECT * FROM members WHERE library_id = {member()[2]} AND status = 'suspended'")
    add(200, lambda: "SELECT id, title FROM books WHERE title ILIKE "
                     f"'%{rng.choice('abcdef0123456789')}{rng.choice('abcdef0123456789')}{rng.choice('abcdef')}%' LIMIT 20")
    add(1500, lambda: f"INSERT INTO loans (id, member_id, book_id, library_id, borrowed_at, due_at) VALUES ({rng.randint(3000001, 9000000)}, "
                      f"{member()[0]}, {book()[0]}, {rng.randint(1, 50)}, now(), now() + interval '21 days')")
    return calls.shuffled()
