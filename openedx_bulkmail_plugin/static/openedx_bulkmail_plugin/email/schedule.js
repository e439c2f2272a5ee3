/**
 * The send date and time, entered in the browser's time zone and sent with its offset.
 */

function twoDigits(number) {
  return String(number).padStart(2, '0');
}

/** ISO-8601 with the local UTC offset, e.g. 2026-12-01T09:00:00+01:00; null if incomplete. */
export function localIso(dateValue, timeValue) {
  if (!dateValue || !timeValue) return null;
  const [year, month, day] = dateValue.split('-').map(Number);
  const [hours, minutes] = timeValue.split(':').map(Number);
  const moment = new Date(year, month - 1, day, hours, minutes);
  if (Number.isNaN(moment.getTime())) return null;
  const offset = -moment.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  const zone = `${sign}${twoDigits(Math.floor(Math.abs(offset) / 60))}:${twoDigits(Math.abs(offset) % 60)}`;
  return `${dateValue}T${timeValue}:00${zone}`;
}

/** The local date and time inputs' values for an ISO moment. */
export function localInputs(iso) {
  const moment = new Date(iso);
  return {
    date: `${moment.getFullYear()}-${twoDigits(moment.getMonth() + 1)}-${twoDigits(moment.getDate())}`,
    time: `${twoDigits(moment.getHours())}:${twoDigits(moment.getMinutes())}`,
  };
}
