"""Links in messages open in a browser: `campaigns serve` serves the output folder over HTTP and messages
link there, not to a path on the server."""

from __future__ import annotations

import socket
import urllib.request

from deployments.serve import serve_reports
from tasks.outputs.links import report_link
from tasks.settings import get_settings


def test_a_report_link_opens_the_file_it_names(tmp_path, monkeypatch):
    output = tmp_path / "outputs"
    workbook = output / "screening" / "2023" / "隔离行" / "520121开阳县.xlsx"
    workbook.parent.mkdir(parents=True)
    workbook.write_bytes(b"PK\x03\x04 a workbook")
    assert report_link(workbook) == str(workbook.resolve())  # no server: the path, as before

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = serve_reports("127.0.0.1", port, output)
    try:
        monkeypatch.setenv("CAMPAIGNS_REPORTS_URL", f"http://127.0.0.1:{port}/")
        get_settings.cache_clear()
        link = report_link(workbook)
        assert link.startswith(f"http://127.0.0.1:{port}/screening/2023/") and "%E9%9A%94" in link  # 隔, quoted
        with urllib.request.urlopen(link, timeout=10) as response:
            assert response.status == 200 and response.read() == workbook.read_bytes()
        folder = report_link(workbook.parent)
        with urllib.request.urlopen(folder, timeout=10) as response:  # a folder lists its files
            assert "520121" in response.read().decode("utf-8")
        assert report_link(tmp_path / "elsewhere.txt") == str((tmp_path / "elsewhere.txt").resolve())
    finally:
        server.shutdown()
