"""Heavy imports as background jobs (notice, ledger, plan): one row per job with its progress.

- `models`: `ImportJob` (who, what, state, progress, the result or the row-by-row report).
- `services`: `should_queue` (the size past which an import leaves the request), `start_job`
  (file stored, row created, task queued on commit), `run_job` (claim, run, record), and the
  registry of runners: the ledger's here, the notice and plan importers' registered by `notices`
  (dependencies point down: cases knows no importer of notices).
- `tasks`: the Celery task, which takes the job's id.
- `views`: the status page, refreshing itself until the job ends.
"""
