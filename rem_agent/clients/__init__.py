"""Clients for other programs that want REM from rem-agent, in process or over HTTP.

`rem_agent.clients.p8fs`: the drop-in for p8fs's NL→REM step (HTTP needs the `server`
extra, for httpx).
"""
