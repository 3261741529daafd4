"""The ground floor every app may stand on: no models, and nothing of ours imported.

Helpers named by what they hold: API conventions (`api`), domain exceptions
(`exceptions`), dates (`dates`), Chinese numerals (`numerals`) and how a person
is named on a page (`people`).
"""
