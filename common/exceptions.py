"""Errors raised by services; the web pages and the API turn each into one clear answer."""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A rule of the domain refused the action; nothing was changed."""

    code = "domain_error"
    status = 400
    default_message = _("操作无法完成。")

    def __init__(self, message=None, *, code: str | None = None):
        self.message = message or self.default_message
        if code:
            self.code = code
        super().__init__(str(self.message))


class ActionForbidden(DomainError):
    """The actor's role or department may not do this."""

    code = "forbidden"
    status = 403
    default_message = _("您没有权限执行此操作。")


class InvalidTransition(DomainError):
    """The case's current state does not allow this transition."""

    code = "invalid_transition"
    status = 409
    default_message = _("案件当前状态不允许此操作。")


class ConcurrentChange(DomainError):
    """Someone else changed the case between reading and acting."""

    code = "conflict"
    status = 409
    default_message = _("该案件刚被其他人修改，请刷新后重试。")
