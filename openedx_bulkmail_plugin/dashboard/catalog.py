"""
Every string the Email page's script shows, translated on the server.

The template renders them into the page as JSON, so the script holds no English and the
strings are found by ``makemessages`` like any other Python string. Placeholders use the
``%(name)s`` form translators know.
"""
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# A number that falls in each plural category of the browser's Intl.PluralRules, for the
# languages Open edX is translated into; the script picks the form by the live count.
PLURAL_SAMPLES = {"zero": 0, "one": 1, "two": 2, "few": 3, "many": 11, "other": 100}


def plural_forms(singular, plural):
    """The translated forms of a counted string, one per plural category."""
    return {category: ngettext(singular, plural, number) for category, number in PLURAL_SAMPLES.items()}


def page_strings():
    """The Email page's script strings in the active language, by key."""
    return {
        **_compose_strings(),
        **_selection_strings(),
        **_list_strings(),
        **_dialog_strings(),
        **_error_strings(),
        **_counted_strings(),
    }


def _compose_strings():
    return {
        "composeHeading": _("Send an email"),
        "editHeading": _("Edit a scheduled email"),
        "messageLabel": _("Message"),
        "subjectLabel": _("Subject:"),
        "linkPrompt": _("Address of the link (https://...)"),
        "loadingGroups": _("Loading recipient groups..."),
        "totalNone": _("Select at least one recipient group or name a learner."),
        "totalCounting": _("Counting recipients..."),
        "countedAt": _("Counted at %(time)s; it may have changed since."),
        "countEstimated": _("Estimated from a sample of this large course; counting everyone..."),
        "timeZoneNote": _("Times are in your time zone, %(zone)s."),
        "sendButton": _("Send now"),
        "scheduleButton": _("Schedule"),
        "saveChanges": _("Save changes"),
        "needSubject": _("Write a subject."),
        "needBody": _("Write a message."),
        "needTargets": _("Select at least one recipient group or name a learner."),
        "needSchedule": _("Choose the date and the time to send the email."),
        "fixFields": _("Please correct the fields marked below."),
        "sendingNotice": _("Your email is being sent. Follow its progress under Message history."),
        "scheduledNotice": _("Your email is scheduled for %(when)s."),
        "savedNotice": _("Your changes to the scheduled email are saved."),
        "testNotice": _("A test copy is on its way to your own address."),
        "editCancelled": _("Editing cancelled; the scheduled email is unchanged."),
        "confirmSendHeading": _("Send this email now?"),
        "confirmScheduleHeading": _("Schedule this email?"),
        "previewHeading": _("Preview"),
    }


def _selection_strings():
    return {
        "chipNotFound": _("not found"),
        "removeLearner": _("Remove %(entry)s"),
        "learnerRemoved": _("%(entry)s removed."),
        "tooManyLearners": _("Name at most %(limit)s learners at once."),
        "removeNotFound": _("Remove the learners marked \u201cnot found\u201d: they are not enrolled in "
                            "this course or on its team."),
        "csvNotText": _("%(file)s is not a text file. Choose a CSV file saved as text (UTF-8)."),
        "csvNoColumn": _("%(file)s has no usable column. Use one column, or a column headed username or email."),
        "csvTooMany": _("%(file)s has %(count)s rows; a file may have at most %(limit)s. Nothing was added."),
        "noneMeetFilters": _("No one selected meets these filters (in a course without computed grades yet, "
                             "nobody has passed)."),
        "excludedNotActivated": _("account not activated"),
        "excludedDisabled": _("account disabled"),
        "excludedOptedOut": _("opted out of this course's email"),
        "excludedFilteredOut": _("does not meet the filters"),
        "seeWhoHeading": _("Who will receive this email"),
        "firstRecipients": _("The first %(shown)s of %(count)s people, by username."),
        "notFoundHeading": _("Not found"),
        "excludedHeading": _("Named but not receiving it"),
        "columnUsername": _("Username"),
        "columnName": _("Name"),
        "columnEmail": _("Email address"),
    }


def _list_strings():
    return {
        "columnSendDate": _("Send date"),
        "columnSendTo": _("Send to"),
        "columnSubject": _("Subject"),
        "columnAuthor": _("Author"),
        "columnActions": _("Actions"),
        "columnSubmitted": _("Submitted"),
        "columnState": _("State"),
        "columnProgress": _("Progress"),
        "columnRecipient": _("Recipient"),
        "columnAttempts": _("Attempts"),
        "columnError": _("Error"),
        "viewButton": _("View"),
        "editButton": _("Edit"),
        "deleteButton": _("Delete"),
        "detailsButton": _("Details"),
        "cancelSendButton": _("Stop sending"),
        "dueText": _("Due %(when)s"),
        "countsText": _("%(sent)s sent, %(failed)s failed, %(skipped)s skipped of %(total)s"),
        "countsWithSuppressedText": _(
            "%(sent)s sent, %(failed)s failed, %(skipped)s skipped, %(suppressed)s suppressed of %(total)s"),
        "suppressedLabel": _("Bounced or complained before"),
        "progressLabel": _("Progress of \u201c%(subject)s\u201d"),
        "stateAnnouncement": _("\u201c%(subject)s\u201d: %(state)s. %(counts)s."),
        "progressAnnouncement": _("\u201c%(subject)s\u201d: still sending. %(counts)s."),
        "deletedNotice": _("The scheduled email \u201c%(subject)s\u201d is deleted and will not be sent."),
        "cancelledNotice": _("Sending of \u201c%(subject)s\u201d is stopped."),
        "createdLabel": _("Submitted"),
        "startedLabel": _("Started"),
        "finishedLabel": _("Finished"),
        "failureReasonLabel": _("Reason"),
        "deliveriesCsv": _("Download the status of every recipient (CSV)"),
        "moreFailures": _("Only the first 100 are listed; the CSV download has them all."),
    }


def _dialog_strings():
    return {
        "cancel": _("Cancel"),
        "close": _("Close"),
        "viewHeading": _("Scheduled email"),
        "detailsHeading": _("Email details"),
        "messageFrameTitle": _("The message as recipients see it"),
        "deleteHeading": _("Delete this scheduled email?"),
        "deleteQuestion": _("\u201c%(subject)s\u201d, due %(when)s, will not be sent."),
        "cancelSendHeading": _("Stop sending this email?"),
        "cancelSendQuestion": _(
            "Recipients who have not received \u201c%(subject)s\u201d yet will not get it. "
            "This cannot be undone."),
    }


def _error_strings():
    return {
        "errorNetwork": _("The server could not be reached. Check your connection and try again."),
        "errorSession": _("Your session has ended. Sign in again, then reload this page."),
        "errorForbidden": _("You are not allowed to do this for this course."),
        "errorGone": _("This email no longer exists. Reload the page to see the current list."),
        "errorConflict": _("This email has changed state and can no longer be changed this way."),
        "errorServer": _("Something went wrong on the server. Please try again in a moment."),
    }


def _counted_strings():
    return {
        "totalPeople": plural_forms(
            "This message will go to %(count)s person.", "This message will go to %(count)s people."),
        "groupCount": plural_forms("(%(count)s person)", "(%(count)s people)"),
        "groupCountAbout": plural_forms("(about %(count)s person)", "(about %(count)s people)"),
        "totalPeopleAbout": plural_forms(
            "This message will go to about %(count)s person.", "This message will go to about %(count)s people."),
        "learnersAdded": plural_forms("%(count)s learner added.", "%(count)s learners added."),
        "notFoundCount": plural_forms(
            "%(count)s named learner was not found.", "%(count)s named learners were not found."),
        "confirmSend": plural_forms(
            "\u201c%(subject)s\u201d will be sent now to %(count)s person.",
            "\u201c%(subject)s\u201d will be sent now to %(count)s people."),
        "confirmSchedule": plural_forms(
            "The email will be sent to %(count)s person on %(when)s.",
            "The email will be sent to %(count)s people on %(when)s."),
        "failuresHeading": plural_forms("%(count)s recipient not reached", "%(count)s recipients not reached"),
    }
