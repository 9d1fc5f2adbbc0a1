"""The jobs' tasks: each takes the job's id, the service does the rest; and the daily clean-up."""

from celery import shared_task

from . import services


@shared_task(name="cases.jobs.run_import_job", acks_late=True)
def run_import_job(job_id: int) -> str:
    return services.run_job(job_id)


@shared_task(name="cases.jobs.run_export_job", acks_late=True)
def run_export_job(job_id: int) -> str:
    from . import exports

    return exports.run_export(job_id)


@shared_task(name="cases.jobs.purge_old_files")
def purge_old_files() -> dict:
    from . import cleanup

    return cleanup.purge_old_files()
