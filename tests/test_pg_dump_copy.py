"""A full `pg_dump` (with data) as --schema: COPY ... FROM stdin blocks are data, not SQL."""

from __future__ import annotations

from indexadvisor import api

DUMP = """--
-- PostgreSQL database dump
--
CREATE TABLE public.customers (
    id bigint NOT NULL,
    name text,
    email text
);

COPY public.customers (id, name, email) FROM stdin;
1\tO'Brien; the first\tob@example.com
2\tD'Arcy\t\\N
\\.

ALTER TABLE ONLY public.customers
    ADD CONSTRAINT customers_pkey PRIMARY KEY (id);

CREATE INDEX customers_email_idx ON public.customers USING btree (email);
"""


def test_copy_data_in_a_schema_file_is_skipped(tmp_path):
    schema = tmp_path / "dump.sql"
    schema.write_text(DUMP)
    workload = tmp_path / "workload.sql"
    workload.write_text("SELECT * FROM customers WHERE email = $1;\nSELECT * FROM customers WHERE id = $1;\n")

    report = api.analyze([workload], schema=[schema])

    assert not report.errors, report.errors
    assert report.recommendations == []  # the primary key and the email index after the data were read
    served = {s.sql.split("WHERE ")[1]: s.served_by_existing for s in report.statements}
    assert served == {"email = $1": ["customers_email_idx"], "id = $1": ["customers_pkey"]}
