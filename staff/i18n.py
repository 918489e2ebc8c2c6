"""Django strings that its own zh_Hans catalog does not translate yet; listed here so
that makemessages keeps them in ours."""

from django.utils.translation import gettext_noop

EXTRA_MSGIDS = [gettext_noop("- Select an option -")]
