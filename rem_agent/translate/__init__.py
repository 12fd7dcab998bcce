"""One request from text to REM, in the order it happens:

    screen → request (prepare: clean, screen, dates, key) → prompts → spec (decode spec)
           → pipeline (decode, check, retry) → review (retry test, warnings) → translation

`rem_agent.agent.RemAgent` is the way in; these modules are the path.
"""
