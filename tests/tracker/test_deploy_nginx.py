"""The shipped nginx configuration (docs/deploy/nginx-zw.conf): only the site's own name reaches
the app, and nothing is built from a `Host:` header the client chose."""
from __future__ import annotations

import re
from pathlib import Path

CONF = Path(__file__).resolve().parents[2] / "docs" / "deploy" / "nginx-zw.conf"


def server_blocks(text: str) -> list[str]:
    """The bodies of the top-level `server { ... }` blocks (comments removed)."""
    text = re.sub(r"#[^\n]*", "", text)
    blocks, depth, start = [], 0, None
    for match in re.finditer(r"\bserver\s*\{|\{|\}", text):
        token = match.group(0)
        if token.startswith("server") and depth == 0:
            start, depth = match.end(), 1
        elif token.endswith("{"):
            depth += 1 if depth else 0
        elif depth:
            depth -= 1
            if depth == 0:
                blocks.append(text[start:match.start()])
    return blocks


def directives(block: str, name: str) -> list[str]:
    return [m.group(1).strip() for m in re.finditer(rf"(?:^|[;{{}}])\s*{name}\s+([^;]*);", block,
                                                    re.M)]


def test_a_catch_all_server_closes_every_unknown_host():
    blocks = server_blocks(CONF.read_text())
    catch_all = [b for b in blocks if any("default_server" in listen
                                          for listen in directives(b, "listen"))]
    assert len(catch_all) == 1, "one catch-all server, marked default_server"
    block = catch_all[0]
    assert directives(block, "server_name") == ["_"]
    assert directives(block, "return") == ["444"]
    assert directives(block, "ssl_reject_handshake") == ["on"]
    assert "proxy_pass" not in block
    listens = {tuple(listen.split()[:1]) for listen in directives(block, "listen")}
    site_listens = {tuple(listen.split()[:1]) for b in blocks if b is not block
                    for listen in directives(b, "listen")}
    assert site_listens <= listens, "every address the site listens on has the catch-all"


def test_the_site_servers_answer_to_their_name_only():
    blocks = [b for b in server_blocks(CONF.read_text())
              if not any("default_server" in x for x in directives(b, "listen"))]
    assert len(blocks) == 2
    for block in blocks:
        names = " ".join(directives(block, "server_name")).split()
        assert names and "_" not in names and not any("*" in n or n.startswith(".")
                                                      for n in names)
        for target in directives(block, "return"):  # a redirect never echoes the client's Host
            assert "$host" not in target and "$http_host" not in target, target


def test_nginx_refuses_the_bodies_the_app_would_refuse():
    from tracker.app import MAX_BODY_BYTES

    sizes = [d for block in server_blocks(CONF.read_text())
             for d in directives(block, "client_max_body_size")]
    assert sizes, "client_max_body_size is not set"
    units = {"k": 1024, "m": 1024 * 1024}
    for size in sizes:
        number, unit = re.fullmatch(r"(\d+)([kKmM]?)", size).groups()
        assert int(number) * units.get(unit.lower(), 1) == MAX_BODY_BYTES, size
