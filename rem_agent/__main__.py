from rem_agent.cli import run

run()
