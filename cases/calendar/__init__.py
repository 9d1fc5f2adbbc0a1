"""The working-day calendar the office can correct.

- `models`: the table of holidays and adjusted working days (调休上班), and the years whose
  official arrangement has been entered;
- `parser`: the State Council's yearly notice (节假日安排的通知) → days (pure Python);
- `importer`: parsed notice → table rows (preview and apply);
- `banner`: "the working days of YEAR are not known yet";
- `admin`: the tables and the paste → preview → confirm import page;
- `signals`: a saved or deleted row makes every process read the table again;
- `demo`: the demo's (invented, labelled) 2027 arrangement.

The day functions everyone calls (`is_working_day`, `working_days_between`, …) are in
`cases.holidays`, the one place that layers this table over `chinese_calendar`.
"""
