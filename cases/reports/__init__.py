"""The periodic report (周汇总 / 月调度) for the weekly or monthly meeting.

- `periods`: the report's period (a week or a month; by default the last one that ended).
- `selectors`: the report's figures, from `cases.selectors` (the dashboard's), the look-backs'
  and the outcome figures' selectors over the same scoped measures, so they agree.
- `images`: the dashboard's SVG charts as PNG for the document.
- `document`: the .docx; `views`: the printable page, its download and the subscriptions.
- `models`: `ReportSubscription` (who gets which report, weekly or monthly) and `ReportDelivery`
  (each mail sent, unique per subscription, period and address); `tasks`, `delivery`: sending them.
- `letters`: the hook for the urging ladder's letters (督办函).
"""
