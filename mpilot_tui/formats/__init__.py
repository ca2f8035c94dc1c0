"""How listings are shown and written: the columns and the CLI's table (:mod:`.table`),
JSON, NDJSON and CSV (:mod:`.writers`), the browser's export to a file (:mod:`.export`) and
terminal-safe text (:mod:`.text`). Textual-free and network-free: the CLI and the UI share it.
"""
