"""Forms people fill: the form for one person (YAML with Vietnamese comments, or an Excel score
sheet), and the checks that read a filled form back and report everything wrong with it at once.

- `context`: what a form knows of its person (unit, scheme, units to review, ballot questions).
- `yaml_form`, `xlsx_form`: writing the form; `read`: reading a filled one (YAML, JSON, .xlsx).
- `checks`: validating what was read, every problem at once, in Vietnamese, by field or cell.
"""
