"""
Every string the Email page's script shows, translated on the server.

The template renders them into the page as JSON, so the script holds no English and the
strings are found by ``makemessages`` like any other Python string. Placeholders use the
``%(name)s`` form translators know.
"""
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..recipients import EmptySelection
from ..validation import BODY_MISSING, SUBJECT_MISSING

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
        **_draft_strings(),
        **_template_strings(),
        **_guard_strings(),
    }


def _compose_strings():
    return {
        "composeHeading": _("Send an email"),
        "editHeading": _("Edit a scheduled email"),
        "messageLabel": _("Message"),
        "subjectLabel": _("Subject:"),
        "linkPrompt": _("Address of the link (https://...)"),
        "loadingGroups": _("Loading recipient groups..."),
        "totalNone": _("Nobody is selected yet."),
        "totalCounting": _("Counting recipients..."),
        "countedAt": _("Counted at %(time)s; it may have changed since."),
        "countEstimated": _("Estimated from a sample of this large course; counting everyone..."),
        "timeZoneNote": _("Times are in your time zone, %(zone)s."),
        "sendButton": _("Send now"),
        "scheduleButton": _("Schedule"),
        "saveChanges": _("Save changes"),
        "needSubject": str(SUBJECT_MISSING),
        "needBody": str(BODY_MISSING),
        "needTargets": str(EmptySelection()),
        "needSchedule": _("Choose the date and the time to send the email."),
        "fixFields": _("Please correct the fields marked below."),
        "sendingNotice": _("Your email is being sent. Follow its progress under Message history."),
        "finishedNotice": _("“%(subject)s”: %(state)s. %(counts)s."),
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
        "removeNotFound": _("Remove the learners marked “not found”: they are not enrolled in "
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
        "firstRecipients": _("%(shown)s of %(count)s people (the oldest accounts), by username."),
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
        "countsText": _("%(counts)s of %(total)s"),
        "countsSeparator": _(", "),
        "countSent": _("%(count)s sent"),
        "countFailed": _("%(count)s failed"),
        "countSkipped": _("%(count)s skipped"),
        "countSuppressed": _("%(count)s suppressed"),
        "countCancelled": _("%(count)s not sent: stopped"),
        "preparingText": _("Preparing the recipient list…"),
        "preparingSentText": _("%(count)s sent so far; the rest of the recipient list is being prepared…"),
        "suppressedLabel": _("Bounced or complained before"),
        "progressLabel": _("Progress of “%(subject)s”"),
        "stateAnnouncement": _("“%(subject)s”: %(state)s. %(counts)s."),
        "progressAnnouncement": _("“%(subject)s”: still sending. %(counts)s."),
        "deletedNotice": _("The scheduled email “%(subject)s” is deleted and will not be sent."),
        "cancelledNotice": _("Sending of “%(subject)s” is stopped."),
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
        "deleteQuestion": _("“%(subject)s”, due %(when)s, will not be sent."),
        "cancelSendHeading": _("Stop sending this email?"),
        "cancelSendQuestion": _(
            "Recipients who have not received “%(subject)s” yet will not get it. "
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
            "“%(subject)s” will be sent now to %(count)s person.",
            "“%(subject)s” will be sent now to %(count)s people."),
        "confirmSchedule": plural_forms(
            "The email will be sent to %(count)s person on %(when)s.",
            "The email will be sent to %(count)s people on %(when)s."),
        "failuresHeading": plural_forms("%(count)s recipient not reached", "%(count)s recipients not reached"),
    }


def _draft_strings():
    return {
        "draftSaving": _("Saving the draft…"),
        "draftSaved": _("Draft saved %(when)s."),
        "draftNotSaved": _("Not saved: %(reason)s"),
        "draftConflict": _("%(who)s changed this draft at %(when)s: reload it to see their changes."),
        "draftSavedAgain": _("The draft you were writing was sent or deleted meanwhile; your text is saved as "
                             "a new draft."),
        "draftNothingToSave": _("Nothing to save yet: write a subject, a message or choose recipients."),
        "draftGone": _("This draft was sent or deleted meanwhile."),
        "draftOpenedNotice": _("The draft “%(subject)s” is open in the form."),
        "newEmailNotice": _("The form is empty for a new email; what you wrote before is under Drafts."),
        "draftIsOpen": _("(open in the form)"),
        "noSubject": _("(no subject)"),
        "noRecipients": _("nobody chosen yet"),
        "editedBy": _("%(who)s, %(when)s"),
        "columnLastEdited": _("Last edited"),
        "openButton": _("Open"),
        "draftDeleteHeading": _("Delete this draft?"),
        "draftDeleteQuestion": _("The draft “%(subject)s” will be deleted for the whole course team."),
        "draftDeletedNotice": _("The draft “%(subject)s” is deleted."),
    }


def _template_strings():
    return {
        "saveTemplateHeading": _("Save as a template"),
        "saveTemplateButton": _("Save template"),
        "templateNameLabel": _("Template name"),
        "templateSavedNotice": _("Saved as the template “%(name)s”."),
        "needTemplateContent": _("Write a subject or a message to save as a template."),
        "useButton": _("Use"),
        "renameButton": _("Rename"),
        "renameTemplateHeading": _("Rename the template"),
        "templateRenamedNotice": _("The template is now named “%(name)s”."),
        "templateDeleteHeading": _("Delete this template?"),
        "templateDeleteQuestion": _("The template “%(name)s” will be deleted. Emails already written "
                                    "from it do not change."),
        "templateDeletedNotice": _("The template “%(name)s” is deleted."),
        "templateUsedNotice": _("The subject and message of “%(name)s” are in the form; editing them "
                                "does not change the template."),
        "columnLastChanged": _("Last changed"),
        "templatesNotJson": _("%(file)s is not a JSON file of templates."),
        "templatesNotImported": _("Nothing was imported from %(file)s:"),
        "templatesNoneInFile": _("The file has no templates."),
        "templatesCreated": plural_forms("%(count)s template added.", "%(count)s templates added."),
        "templatesReplaced": plural_forms("%(count)s template replaced.", "%(count)s templates replaced."),
        "templatesSkipped": plural_forms(
            "%(count)s skipped because a template with that name exists: %(names)s.",
            "%(count)s skipped because templates with those names exist: %(names)s."),
    }


def _guard_strings():
    return {
        "recentEmails": plural_forms(
            "Some learners in this selection already have %(count)s other email from this course within "
            "%(days)s days of this one (sent or scheduled).",
            "Some learners in this selection already have %(count)s other emails from this course within "
            "%(days)s days of this one (sent or scheduled)."),
        "recentEmailsUpTo": plural_forms(
            "Learners in this selection may already have up to %(count)s other email from this course within "
            "%(days)s days of this one (sent or scheduled).",
            "Learners in this selection may already have up to %(count)s other emails from this course within "
            "%(days)s days of this one (sent or scheduled)."),
        "recentEmailsAdvice": _("The Open edX guide advises at most one email a week, unless there is good reason."),
    }
