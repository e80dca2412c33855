"""`fugong import chat FILE.txt`: an exported group chat into work orders."""

from django.utils.translation import gettext as _

from fugong.core.excel import ImportReport, RowError, register_text_importer

from . import services


@register_text_importer("chat")
def import_chat(user, text, skip_bad=False):
    proposals = services.preview_chat(user, text)
    report = ImportReport(kind="chat", rows=len(proposals))
    report.errors = [RowError(p.line, p.sender, p.reason) for p in proposals if p.reason]
    report.skipped_rows = report.bad_rows
    if not proposals:
        report.errors.append(RowError(0, "", _("没有可以形成工单的消息")))
        return report
    if report.errors and not skip_bad:
        return report
    report.created = len(services.import_chat(user, proposals))
    report.written = True
    return report
