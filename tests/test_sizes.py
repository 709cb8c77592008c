import pytest

from indexadvisor.errors import InputError
from indexadvisor.pg.sizes import format_size, parse_size


@pytest.mark.parametrize("text, expected", [("500MB", 500 * 1024**2), ("2GB", 2 * 1024**3), ("1.5 gb", int(1.5 * 1024**3)),
                                            ("64kB", 65536), ("1000", 1000), ("3M", 3 * 1024**2)])
def test_parse_size(text, expected):
    assert parse_size(text) == expected


@pytest.mark.parametrize("text", ["", "MB", "-1GB", "1 PB", "ten MB"])
def test_parse_size_rejects(text):
    with pytest.raises(InputError):
        parse_size(text)


def test_format_size():
    assert format_size(512) == "512 bytes"
    assert format_size(3 * 1024**2) == "3.0 MB"
    assert format_size(None) == "-"
