#!/usr/bin/env python3
"""Writes the playground's generated scripts into PKG (web/pkg):

- escalate_wasm_bytes.js: the WebAssembly module as base64 (a page opened from a file share
  may not fetch files, but may load scripts);
- example.js: the bundled example, policies/ooh_callbacks.policy with examples/data/ooh.

usage: playground-assets.py PKG
"""
import base64
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_POLICY = ROOT / "policies" / "ooh_callbacks.policy"
EXAMPLE_DATA = ROOT / "examples" / "data" / "ooh"
EXAMPLE_AS_OF = "2026-10"


def main(pkg: Path) -> None:
    module = (pkg / "escalate_wasm_bg.wasm").read_bytes()
    encoded = base64.b64encode(module).decode("ascii")
    (pkg / "escalate_wasm_bytes.js").write_text(
        f'window.ESCALATE_WASM_BASE64 = "{encoded}";\n', encoding="utf-8"
    )
    example = {
        "policy": EXAMPLE_POLICY.read_text(encoding="utf-8"),
        "data": {p.stem: p.read_text(encoding="utf-8") for p in sorted(EXAMPLE_DATA.glob("*.csv"))},
        "asOf": EXAMPLE_AS_OF,
    }
    (pkg / "example.js").write_text(
        "window.ESCALATE_EXAMPLE = " + json.dumps(example, indent=1) + ";\n", encoding="utf-8"
    )


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(Path(sys.argv[1]))
