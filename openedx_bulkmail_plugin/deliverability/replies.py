"""
Which SMTP replies mean that a mailbox does not exist, so that mailing it again only hurts.

RFC 3463 puts address troubles in the ``5.1.x`` enhanced status codes (5.1.1 bad mailbox,
5.1.2 bad domain, 5.1.3 bad syntax, 5.1.6 mailbox moved, 5.1.10 null MX); the reply codes
that carry them for a recipient are 550, 551 and 553. Other permanent refusals (policy,
content, 5.7.x) are about this message or this sender, not the address: they fail one
delivery and say nothing about the next.
"""
import re

MAILBOX_GONE = re.compile(r"^\s*(550|551|553)[ -]5\.1\.(\d{1,3})\b")
# 5.1.7 and 5.1.8 speak of the sender's address, not the recipient's.
ABOUT_THE_SENDER = {"7", "8"}
TEMPORARY_CODE = re.compile(r"^\s*4\d\d\b")
ENHANCED_STATUS = re.compile(r"\b([245])\.\d{1,3}\.\d{1,3}\b")


def mailbox_does_not_exist(reply):
    """Whether the server's ``reply`` (``"550 5.1.1 User unknown"``) says the recipient's mailbox is gone."""
    match = MAILBOX_GONE.match(reply or "")
    return bool(match) and match.group(2) not in ABOUT_THE_SENDER


def is_temporary(reply):
    """Whether ``reply`` is a 4xx reply, or carries only 4.x.x enhanced statuses: a soft bounce."""
    reply = reply or ""
    if TEMPORARY_CODE.match(reply):
        return True
    return set(ENHANCED_STATUS.findall(reply)) == {"4"}
