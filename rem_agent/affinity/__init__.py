"""Edge affinity: how one resource's text relates to another's, on the same loaded model.

`evidence` finds the subject words two texts share and the band of scores they allow;
`judge` asks the model for a relation and a score under a JSON schema, within that band.
Nothing here loads the REM language or the dates.
"""
