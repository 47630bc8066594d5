"""The approval page of a paused release, served beside the reports (`campaigns serve`, the UI's port + 1):
the same form as the Prefect UI's Resume dialog, with the approval code in a password field (the UI's
schema form has none: it shows a code as it is typed) and the draft's figures above the fields at any
screen size.

It holds no rule of its own: it reads the form's schema and description the paused run saved on the Prefect
server and resumes the run with the answer through the server's API, which validates it against the same
schema; the run then checks the approver and the code as for an answer from the UI."""

from __future__ import annotations

import html
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler
from urllib.parse import parse_qs, unquote, urlsplit

import httpx
from markdown_it import MarkdownIt

from tasks.outputs.links import APPROVAL_PATH

_MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table")  # the description's own HTML stays text
_STYLE = ("body{font:15px/1.6 system-ui,'Noto Sans CJK SC',sans-serif;max-width:60rem;margin:1.5rem auto;"
          "padding:0 1rem}label{display:block;font-weight:600;margin-top:1rem}.help{white-space:pre-wrap;"
          "color:#333;margin:.2rem 0}.must{background:#fff8e1;border-left:4px solid #f0a000;padding:.5rem 1rem;"
          "white-space:pre-wrap}input[type=text],input[type=password],select,textarea{width:100%;"
          "box-sizing:border-box;font:inherit;padding:.3rem}.error{color:#b00020;font-weight:600}"
          "button{margin-top:1.2rem;font:inherit;padding:.4rem 1.5rem}")


class PausedRun:
    """A paused flow run's form as its Prefect server keeps it: schema, description, and a way to answer."""

    def __init__(self, api: str, flow_run_id: str, auth: str | None = None) -> None:
        self.api, self.id = api.rstrip("/"), flow_run_id
        self._auth = tuple(auth.split(":", 1)) if auth else None

    def _call(self, method: str, path: str, **kwargs) -> httpx.Response:
        return httpx.request(method, f"{self.api}/flow_runs/{self.id}{path}", auth=self._auth, timeout=30,
                             **kwargs)

    def form(self) -> tuple[str, dict] | None:
        """(description, schema) of the form the run waits on; None when it is not waiting for one."""
        run = self._call("GET", "")
        if run.status_code != 200:
            return None
        state = run.json().get("state") or {}
        keyset = (state.get("state_details") or {}).get("run_input_keyset")
        if state.get("type") != "PAUSED" or not keyset:
            return None
        schema = self._call("GET", f"/input/{keyset['schema']}")
        description = self._call("GET", f"/input/{keyset['description']}")
        if schema.status_code != 200:
            return None
        return (description.json() if description.status_code == 200 else ""), schema.json()

    def answer(self, values: dict) -> str | None:
        """Resume the run with `values`; None when the server took them, else its reason."""
        result = self._call("POST", "/resume", json={"run_input": values})
        if result.status_code != 201 and result.status_code != 200:
            return f"HTTP {result.status_code}"
        body = result.json()
        return None if body.get("status") == "ACCEPT" else str((body.get("details") or {}).get("reason", body))


def _field(name: str, spec: dict, defs: dict, required: bool, first: bool) -> str:
    """One field as the schema gives it: a list of choices, a tick box, a password, a box of text."""
    spec = {**defs.get(spec.get("$ref", "").rsplit("/", 1)[-1], {}), **spec}
    label = html.escape(spec.get("title", name)) + ("（必填）" if required else "")
    help_text = spec.get("description", "")
    # The first field's description carries what must be read before deciding (tasks.release.approval).
    help_html = f'<div class="{"must" if first else "help"}">{html.escape(help_text)}</div>' if help_text else ""
    attrs = f'name="{name}" id="{name}"' + (" required" if required else "")
    if "enum" in spec:
        options = "".join(f'<option value="{html.escape(v)}">{html.escape(v)}</option>' for v in spec["enum"])
        control = f'<select {attrs}><option value="" disabled selected>请选择 / choose</option>{options}</select>'
    elif spec.get("type") == "boolean":
        return f'<label><input type="checkbox" name="{name}" value="true"> {label}</label>{help_html}'
    elif spec.get("format") == "password":
        control = f'<input type="password" autocomplete="off" {attrs}>'
    elif spec.get("maxLength", 0) > 200:
        control = f"<textarea rows=3 {attrs}></textarea>"
    else:
        control = f'<input type="text" {attrs}>'
    return f'<label for="{name}">{label}</label>{help_html}{control}'


def page(description: str, schema: dict, error: str = "") -> str:
    required = set(schema.get("required", []))
    fields = "".join(_field(name, spec, schema.get("$defs", {}), name in required, index == 0)
                     for index, (name, spec) in enumerate(schema.get("properties", {}).items()))
    shown_error = f'<p class="error">未提交 / not submitted: {html.escape(error)}</p>' if error else ""
    return (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>发布审核 / approval</title>'
            f'<meta name="viewport" content="width=device-width"><style>{_STYLE}</style></head><body>'
            f"<h1>发布审核 / approval of a release</h1>{_MARKDOWN.render(description)}{shown_error}"
            f'<form method="post">{fields}<button type="submit">提交 / submit</button></form></body></html>')


def answer_of(body: str, schema: dict) -> dict:
    """The form's answer as the schema's types: a tick box sent is true, one not sent false."""
    sent = {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}
    values = {}
    for name, spec in schema.get("properties", {}).items():
        if spec.get("type") == "boolean":
            values[name] = sent.get(name) == "true"
        elif name in sent:
            values[name] = sent[name]
    return values


def handler_class(api: str, auth: str | None = None) -> type[SimpleHTTPRequestHandler]:
    """The reports' handler, with the approval page at /approve/<flow run id> for runs on `api`."""

    class ReportsHandler(SimpleHTTPRequestHandler):
        def _paused_run(self) -> PausedRun | None:
            path = unquote(urlsplit(self.path).path)
            if not path.startswith("/" + APPROVAL_PATH):
                return None
            return PausedRun(api, path[len(APPROVAL_PATH) + 1:].strip("/"), auth)

        def _reply(self, status: HTTPStatus, text: str) -> None:
            data = text.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")  # a form with a code in it is not kept
            self.end_headers()
            self.wfile.write(data)

        def _not_waiting(self) -> None:
            self._reply(HTTPStatus.NOT_FOUND, "<!doctype html><meta charset=utf-8><p>该运行当前不在等待审核 / this "
                        "run is not waiting for an approval (already answered, expired or not found)</p>")

        def do_GET(self) -> None:
            run = self._paused_run()
            if run is None:
                return super().do_GET()
            form = run.form()
            if form is None:
                return self._not_waiting()
            self._reply(HTTPStatus.OK, page(*form))

        def do_POST(self) -> None:
            run = self._paused_run()
            if run is None:
                return self.send_error(HTTPStatus.METHOD_NOT_ALLOWED)
            form = run.form()
            if form is None:
                return self._not_waiting()
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8")
            refused = run.answer(answer_of(body, form[1]))
            if refused:
                return self._reply(HTTPStatus.UNPROCESSABLE_ENTITY, page(*form, error=refused))
            self._reply(HTTPStatus.OK, "<!doctype html><meta charset=utf-8><p>已提交 / submitted. 流程将核对审核人和"
                        "审核码；如未采纳或须补充，本页刷新后可再次填写 / the run checks the approver and the code; "
                        "if it asks again, reload this page.</p>")

    return ReportsHandler
