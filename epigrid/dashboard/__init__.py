"""The command dashboard: key figures, the battle map, the epidemic curve and Rt (issue 9).

Reads everything through other apps' selectors and owns no personal data.
"""
