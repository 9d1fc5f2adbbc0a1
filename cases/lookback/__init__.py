"""Look-backs (回头看): checking completed items again for relapse (反弹回潮).

- `models`: `LookbackPolicy` (when, per item kind, set on an organisation or a case) and
  `Lookback` (one check: due date, outcome held 巩固 / relapsed 反弹回潮, note, who, when).
- `schedule`: the pure date rules (months after completion, reporting periods, working days)
  and the policy resolution case → organisation and its ancestors → defaults.
- `services`: planning the checks of completed items, and recording an outcome (through
  `cases.services`: a held check is a progress entry, a relapse is the reopen transition).
- `selectors`: the queue, 长期坚持 items without an entry in their period (lagging), summaries.
- `views`, `forms`, `urls`, `admin`, `tasks`, `reminders`: the page, the admin, the daily job
  and its e-mails.
"""
