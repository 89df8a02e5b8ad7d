// The tenant's locale, currency and time zone, the defaults of formatMoney and formatDate (the
// shell sets them from the tenant it shows; one tenant per page).

/** Formatting defaults; undefined means the browser's locale and time zone, and no currency. */
export interface FormatDefaults {
  readonly locale?: string | undefined;
  readonly currency?: string | undefined;
  readonly timeZone?: string | undefined;
}

let current: FormatDefaults = {};

/** Shell-only: sets the tenant's formatting defaults. */
export function setFormatDefaults(defaults: FormatDefaults): void {
  current = defaults;
}

export function formatDefaults(): FormatDefaults {
  return current;
}
