// Invoices, credit notes and statements of account as PDF: pure functions from plain data to a
// base64 PDF. Drawn with pdf-lib and the standard Helvetica fonts (nothing to embed, nothing to
// fetch), so they render inside the sandbox, which has no Node APIs, no TextEncoder and no timers.
import { degrees, PDFDocument, type PDFFont, type PDFImage, type PDFPage, type RGB, rgb, StandardFonts } from 'pdf-lib';

/** A calendar date, 'YYYY-MM-DD'. */
export type CalendarDate = string;

/** An amount in the document's currency as a decimal string, already rounded ("1234.50", "-3.00"). */
export type Amount = string;

/** From one calendar date to another, both included. */
export interface DatePeriod {
  readonly from: CalendarDate;
  readonly to: CalendarDate;
}

/** The seller's logo: a PNG or JPEG, base64 (a data: URI works too). Drawn at most 160 × 56 pt. */
export interface DocumentLogo {
  readonly data: string;
  readonly type: 'png' | 'jpeg';
}

/** Who issues the document. */
export interface DocumentSeller {
  readonly name: string;
  readonly address: readonly string[];
  /** Registration and tax numbers printed under the address, e.g. { label: 'VAT', value: 'NG-123' }. */
  readonly taxNumbers: readonly { readonly label: string; readonly value: string }[];
  readonly logo?: DocumentLogo;
  readonly email?: string;
  readonly phone?: string;
}

/** Who the document is for. */
export interface DocumentCustomer {
  readonly name: string;
  readonly accountNumber: string;
  readonly address: readonly string[];
  /** Why the customer pays no tax (a certificate number, a legal reference); printed under the address. */
  readonly taxExemption?: string | null;
}

/** One line of an invoice or credit note; every figure is computed by the caller. */
export interface InvoiceDocumentLine {
  readonly description: string;
  /** A decimal string, e.g. "1" or "2.5". */
  readonly quantity: string;
  readonly unitPrice: Amount;
  /** Quantity × unit price, before discount and tax. */
  readonly amount: Amount;
  readonly discount: Amount;
  readonly tax: Amount;
  readonly total: Amount;
  /** The service period the line bills, printed under its description. */
  readonly period?: DatePeriod;
}

/** One tax of the tax summary. */
export interface InvoiceDocumentTax {
  readonly name: string;
  /** A percentage as a decimal string: "7.5" is printed 7.5%. */
  readonly rate: string;
  readonly taxable: Amount;
  readonly amount: Amount;
}

/** What invoices and credit notes have in common. */
export interface InvoiceDocumentFields {
  readonly seller: DocumentSeller;
  readonly customer: DocumentCustomer;
  readonly number: string;
  readonly issuedAt: CalendarDate;
  /** ISO 4217 code; amounts are printed with it, never with a symbol the standard fonts may lack. */
  readonly currency: string;
  /** BCP 47 tag ('en-NG') for how numbers and dates are written; the labels are English. */
  readonly locale: string;
  readonly lines: readonly InvoiceDocumentLine[];
  readonly taxes: readonly InvoiceDocumentTax[];
  readonly subtotal: Amount;
  readonly discountTotal: Amount;
  readonly taxTotal: Amount;
  readonly total: Amount;
  readonly amountPaid: Amount;
  readonly amountDue: Amount;
  /** Printed as a fact ('partially-paid' → Partially paid); 'draft' and 'void' also mark every page. */
  readonly status: string;
  readonly notes?: string | null;
  /** Lines printed under "How to pay" (bank, account, reference…). */
  readonly paymentInstructions?: readonly string[];
}

/** An invoice, or a credit note that credits an earlier invoice. */
export type InvoiceDocument = InvoiceDocumentFields &
  (
    | { readonly kind: 'invoice'; readonly dueAt: CalendarDate }
    | { readonly kind: 'credit-note'; readonly creditedInvoiceNumber: string }
  );

/** One movement on a statement of account; the running balance is the caller's. */
export interface StatementEntry {
  readonly date: CalendarDate;
  readonly description: string;
  readonly reference: string;
  readonly debit: Amount | null;
  readonly credit: Amount | null;
  readonly balance: Amount;
}

/** A customer's statement of account over a period. */
export interface StatementDocument {
  readonly seller: DocumentSeller;
  readonly customer: DocumentCustomer;
  readonly issuedAt: CalendarDate;
  readonly period: DatePeriod;
  readonly currency: string;
  readonly locale: string;
  readonly openingBalance: Amount;
  readonly entries: readonly StatementEntry[];
  readonly closingBalance: Amount;
  readonly notes?: string | null;
}

/** The invoice or credit note as a PDF, base64. */
export async function invoicePdf(doc: InvoiceDocument): Promise<string> {
  const credit = doc.kind === 'credit-note';
  const title = credit ? 'CREDIT NOTE' : 'INVOICE';
  const sheet = await Sheet.create({
    title: `${credit ? 'Credit note' : 'Invoice'} ${doc.number}`,
    runningTitle: `${title} ${doc.number}`,
    seller: doc.seller,
    issuedAt: doc.issuedAt,
    locale: doc.locale,
    watermark: WATERMARKS.get(doc.status),
  });
  const f = sheet.formats;
  await sheet.heading(doc.seller, title, doc.number, [
    ['Issued', f.date(doc.issuedAt)],
    doc.kind === 'invoice' ? ['Due', f.date(doc.dueAt)] : ['Credits invoice', doc.creditedInvoiceNumber],
    ['Account', doc.customer.accountNumber],
    ['Status', statusLabel(doc.status)],
  ]);
  sheet.customer(credit ? 'CREDIT TO' : 'BILL TO', doc.customer);
  sheet.caption(`Amounts in ${doc.currency}`);
  sheet.table<InvoiceDocumentLine>(
    [
      { header: 'Description', align: 'left', flexible: true, cell: (l) => l.description, note: (l) => periodOf(f, l) },
      { header: 'Qty', align: 'right', cell: (l) => f.number(l.quantity) },
      { header: 'Unit price', align: 'right', cell: (l) => f.number(l.unitPrice) },
      { header: 'Amount', align: 'right', cell: (l) => f.number(l.amount) },
      { header: 'Discount', align: 'right', cell: (l) => f.number(l.discount) },
      { header: 'Tax', align: 'right', cell: (l) => f.number(l.tax) },
      { header: 'Total', align: 'right', cell: (l) => f.number(l.total) },
    ],
    doc.lines,
  );
  const money = (amount: Amount) => `${doc.currency} ${f.number(amount)}`;
  sheet.summary(
    doc.taxes.length === 0
      ? undefined
      : {
          columns: [
            { header: 'Tax', align: 'left', flexible: true, cell: (t) => t.name },
            { header: 'Rate', align: 'right', cell: (t) => `${f.number(t.rate)}%` },
            { header: 'Taxable', align: 'right', cell: (t) => f.number(t.taxable) },
            { header: 'Tax amount', align: 'right', cell: (t) => f.number(t.amount) },
          ],
          rows: doc.taxes,
        },
    [
      { label: 'Subtotal', value: money(doc.subtotal) },
      ...(isZero(doc.discountTotal) ? [] : [{ label: 'Discounts', value: money(doc.discountTotal) }]),
      { label: doc.customer.taxExemption ? 'Tax (exempt)' : 'Tax', value: money(doc.taxTotal) },
      { label: credit ? 'Total credit' : 'Total', value: money(doc.total), strong: true },
      { label: credit ? 'Credit applied' : 'Amount paid', value: money(doc.amountPaid) },
      { label: credit ? 'Credit remaining' : 'Amount due', value: money(doc.amountDue), strong: true, shaded: true },
    ],
  );
  if (doc.paymentInstructions && doc.paymentInstructions.length > 0 && !credit) {
    sheet.paragraphs('How to pay', doc.paymentInstructions);
  }
  if (doc.notes) sheet.paragraphs('Notes', doc.notes.split(/\r?\n/));
  return sheet.finish();
}

/** The statement of account as a PDF, base64. */
export async function statementPdf(doc: StatementDocument): Promise<string> {
  const sheet = await Sheet.create({
    title: `Statement ${doc.customer.accountNumber} ${doc.period.from} to ${doc.period.to}`,
    runningTitle: `STATEMENT ${doc.customer.accountNumber}`,
    seller: doc.seller,
    issuedAt: doc.issuedAt,
    locale: doc.locale,
  });
  const f = sheet.formats;
  const money = (amount: Amount) => `${doc.currency} ${f.number(amount)}`;
  await sheet.heading(doc.seller, 'STATEMENT OF ACCOUNT', undefined, [
    ['Period', `${f.date(doc.period.from)} – ${f.date(doc.period.to)}`],
    ['Issued', f.date(doc.issuedAt)],
    ['Account', doc.customer.accountNumber],
    ['Opening balance', money(doc.openingBalance)],
    ['Closing balance', money(doc.closingBalance)],
  ]);
  sheet.customer('STATEMENT FOR', doc.customer);
  sheet.caption(`Amounts in ${doc.currency}`);
  const rows: readonly StatementEntry[] = [
    {
      date: doc.period.from,
      description: 'Opening balance',
      reference: '',
      debit: null,
      credit: null,
      balance: doc.openingBalance,
    },
    ...doc.entries,
    {
      date: doc.period.to,
      description: 'Closing balance',
      reference: '',
      debit: null,
      credit: null,
      balance: doc.closingBalance,
    },
  ];
  sheet.table<StatementEntry>(
    [
      { header: 'Date', align: 'left', cell: (e) => f.date(e.date) },
      { header: 'Description', align: 'left', flexible: true, cell: (e) => e.description },
      { header: 'Reference', align: 'left', cell: (e) => e.reference, maxWidth: 110 },
      { header: 'Debit', align: 'right', cell: (e) => (e.debit === null ? '' : f.number(e.debit)) },
      { header: 'Credit', align: 'right', cell: (e) => (e.credit === null ? '' : f.number(e.credit)) },
      { header: 'Balance', align: 'right', cell: (e) => f.number(e.balance) },
    ],
    rows,
  );
  sheet.summary(undefined, [
    { label: 'Opening balance', value: money(doc.openingBalance) },
    { label: 'Closing balance', value: money(doc.closingBalance), strong: true, shaded: true },
  ]);
  if (doc.notes) sheet.paragraphs('Notes', doc.notes.split(/\r?\n/));
  return sheet.finish();
}

/** Statuses whose every page is marked, so that the document is not taken for one to pay. */
const WATERMARKS: ReadonlyMap<string, string> = new Map([
  ['draft', 'DRAFT'],
  ['void', 'VOID'],
]);

function statusLabel(status: string): string {
  const words = status.replace(/[-_]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function periodOf(f: Formats, line: InvoiceDocumentLine): string | undefined {
  return line.period ? `${f.date(line.period.from)} – ${f.date(line.period.to)}` : undefined;
}

function isZero(amount: Amount): boolean {
  return /^[-+]?0*(\.0*)?$/.test(amount.trim());
}

// ---- text the standard fonts can draw ------------------------------------------------------

/**
 * Signs of currencies WinAnsi lacks, written as their ISO code instead. Signs shared by several
 * currencies ($, £, ¥, €) are in WinAnsi and kept as they are.
 */
const CURRENCY_SIGNS: Readonly<Record<string, string>> = {
  '₦': 'NGN',
  '₵': 'GHS',
  '₹': 'INR',
  '₱': 'PHP',
  '₺': 'TRY',
  '₽': 'RUB',
  '₩': 'KRW',
  '₫': 'VND',
  '₴': 'UAH',
  '₪': 'ILS',
  '₸': 'KZT',
  '₲': 'PYG',
  '₡': 'CRC',
  '₼': 'AZN',
  '₾': 'GEL',
  '৳': 'BDT',
};

/**
 * Rewrites text into characters the standard fonts encode (WinAnsi), which pdf-lib otherwise
 * refuses with an exception: 'Ọlá Adébáyọ̀' → 'Olá Adébáyò', '₦' → 'NGN', other characters '?'.
 */
function encoderFor(charset: ReadonlySet<number>): (text: string) => string {
  const encodable = (text: string) => {
    for (const ch of text) if (!charset.has(ch.codePointAt(0) ?? 0)) return false;
    return true;
  };
  const cluster = (whole: string, base: string | undefined): string => {
    if (base === undefined) return ''; // combining marks with nothing to combine with
    if (encodable(whole)) return whole;
    const sign = CURRENCY_SIGNS[base];
    if (sign) return sign;
    // Keep the base letter with the one accent WinAnsi has for it, if any (ọ̀ → ò, Ọ → O).
    const [letter = '', ...marks] = whole.normalize('NFD');
    for (const mark of marks) {
      const composed = (letter + mark).normalize('NFC');
      if (encodable(composed)) return composed;
    }
    if (encodable(letter)) return letter;
    // Compatibility forms: ligatures, full-width letters, circled digits (ﬁ → fi, Ａ → A).
    const compatible = whole.normalize('NFKD').replace(/\p{M}/gu, '');
    return compatible !== '' && encodable(compatible) ? compatible : '?';
  };
  return (text) =>
    text
      .normalize('NFC')
      .replace(/[\t\n\r\u2000-\u200a\u202f\u205f\u3000]/g, ' ')
      .replace(/[\u2010-\u2012\u2212]/g, '-')
      .replace(/[\p{Cc}\p{Cf}]/gu, '')
      .replace(/(\P{M})\p{M}*|\p{M}+/gu, cluster);
}

// ---- numbers and dates in the document's locale -------------------------------------------

const DECIMAL = /^[-+]?\d+(\.\d+)?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Writes decimal strings and calendar dates the locale's way, in Latin digits, exactly (no float). */
class Formats {
  private readonly locale: string;
  private readonly numberFormats = new Map<number, Intl.NumberFormat>();
  private readonly dateFormat: Intl.DateTimeFormat;

  constructor(
    locale: string,
    private readonly encode: (text: string) => string,
  ) {
    this.locale = canonicalLocale(locale);
    const named = new Intl.DateTimeFormat(this.locale, {
      dateStyle: 'medium',
      timeZone: 'UTC',
      numberingSystem: 'latn',
    });
    // Month names in a script WinAnsi lacks (Cyrillic, Greek…) would print as '?': use digits.
    const sample = named.format(Date.UTC(2025, 8, 30));
    this.dateFormat =
      this.encode(sample) === sample
        ? named
        : new Intl.DateTimeFormat(this.locale, {
            year: 'numeric',
            month: '2-digit',
            day: '2-digit',
            timeZone: 'UTC',
            numberingSystem: 'latn',
          });
  }

  /** "1234.50" → "1,234.50" (en), "1 234,50" (fr); as many decimals as given. Anything else as it is. */
  number(text: string): string {
    const value = text.trim();
    if (!DECIMAL.test(value)) return text;
    const decimals = Math.min(value.split('.')[1]?.length ?? 0, 20);
    let format = this.numberFormats.get(decimals);
    if (!format) {
      format = new Intl.NumberFormat(this.locale, {
        minimumFractionDigits: decimals,
        maximumFractionDigits: decimals,
        numberingSystem: 'latn',
      });
      this.numberFormats.set(decimals, format);
    }
    // A string, not a Number: Intl formats decimal strings exactly, however many digits.
    return format.format(value as `${number}`);
  }

  /** '2025-03-01' → '1 Mar 2025' (en-NG). Anything else as it is. */
  date(text: CalendarDate): string {
    const parts = DATE.exec(text);
    if (!parts) return text;
    return this.dateFormat.format(Date.UTC(Number(parts[1]), Number(parts[2]) - 1, Number(parts[3])));
  }
}

function canonicalLocale(locale: string): string {
  try {
    return Intl.getCanonicalLocales(locale)[0] ?? 'en';
  } catch {
    return 'en';
  }
}

/** Letter paper where it is the custom; A4 everywhere else. */
const LETTER_REGIONS = new Set(['US', 'CA', 'MX', 'PH', 'CL', 'CO', 'VE']);
const A4: [number, number] = [595.28, 841.89];
const LETTER: [number, number] = [612, 792];

/** The paper of the locale's region; A4 when the locale names none ('en'). */
function paperFor(locale: string): [number, number] {
  const region = new Intl.Locale(locale).region;
  return region && LETTER_REGIONS.has(region) ? LETTER : A4;
}

// ---- layout --------------------------------------------------------------------------------

const MARGIN = 42;
const MARGIN_BOTTOM = 58;
const FOOTER_Y = 30;
const LOGO_BOX = { width: 160, height: 56 };
const INK = rgb(0.12, 0.12, 0.14);
const MUTED = rgb(0.42, 0.42, 0.46);
const RULE = rgb(0.82, 0.82, 0.85);
const SHADE = rgb(0.94, 0.94, 0.96);
const TABLE_SIZE = 8.5;
const MIN_TABLE_SIZE = 6;
const CELL_PAD = 5;
/** Lines of a wrapping cell before it is cut with '…'. */
const MAX_CELL_LINES = 4;

interface TextStyle {
  readonly size: number;
  readonly bold?: boolean;
  readonly color?: RGB;
  readonly align?: 'left' | 'right';
}

/** One column of a table. */
interface Column<Row> {
  readonly header: string;
  readonly align: 'left' | 'right';
  /** Takes the width the other columns leave, and wraps; one per table. */
  readonly flexible?: boolean;
  /** A width the column's text is cut to (with '…'); a fixed column otherwise fits its widest cell. */
  readonly maxWidth?: number;
  readonly cell: (row: Row) => string;
  /** A second, smaller line under the cell (the flexible column only). */
  readonly note?: (row: Row) => string | undefined;
}

interface TotalRow {
  readonly label: string;
  readonly value: string;
  readonly strong?: boolean;
  readonly shaded?: boolean;
}

interface SheetOptions {
  /** The PDF's title, as readers show it. */
  readonly title: string;
  /** Heads every page after the first, and the footer. */
  readonly runningTitle: string;
  readonly seller: DocumentSeller;
  readonly issuedAt: CalendarDate;
  readonly locale: string;
  readonly watermark?: string;
}

/** A document being drawn top to bottom: the page being filled, the pen's height, page breaks. */
class Sheet {
  readonly formats: Formats;
  private readonly pages: PDFPage[] = [];
  private page: PDFPage;
  /** The top of the space left on the page. */
  private y = 0;
  /** Drawn after the running head of each page a table breaks onto: the table's header. */
  private continueTable: (() => void) | undefined;

  private constructor(
    private readonly pdf: PDFDocument,
    private readonly regular: PDFFont,
    private readonly bold: PDFFont,
    private readonly encode: (text: string) => string,
    private readonly paper: [number, number],
    private readonly options: SheetOptions,
  ) {
    this.formats = new Formats(options.locale, encode);
    this.page = this.addPage();
  }

  static async create(options: SheetOptions): Promise<Sheet> {
    // No automatic metadata: it would stamp the current time, and the same document should give the same bytes.
    const pdf = await PDFDocument.create({ updateMetadata: false });
    const issued = DATE.exec(options.issuedAt);
    const date = issued ? new Date(Date.UTC(Number(issued[1]), Number(issued[2]) - 1, Number(issued[3]))) : undefined;
    pdf.setTitle(options.title);
    pdf.setAuthor(options.seller.name);
    pdf.setCreator('DotMac');
    pdf.setProducer('DotMac');
    if (date) {
      pdf.setCreationDate(date);
      pdf.setModificationDate(date);
    }
    const regular = pdf.embedStandardFont(StandardFonts.Helvetica);
    const bold = pdf.embedStandardFont(StandardFonts.HelveticaBold);
    const encode = encoderFor(new Set(regular.getCharacterSet()));
    return new Sheet(pdf, regular, bold, encode, paperFor(canonicalLocale(options.locale)), options);
  }

  private get left(): number {
    return MARGIN;
  }

  private get right(): number {
    return this.paper[0] - MARGIN;
  }

  private addPage(): PDFPage {
    const page = this.pdf.addPage(this.paper);
    this.pages.push(page);
    this.page = page;
    this.y = this.paper[1] - MARGIN;
    const mark = this.options.watermark;
    if (mark) {
      const size = 110;
      const width = this.bold.widthOfTextAtSize(mark, size);
      const [w, h] = this.paper;
      const angle = Math.PI / 5;
      page.drawText(mark, {
        x: w / 2 - (Math.cos(angle) * width) / 2,
        y: h / 2 - (Math.sin(angle) * width) / 2,
        size,
        font: this.bold,
        color: rgb(0.9, 0.9, 0.92),
        rotate: degrees((angle * 180) / Math.PI),
      });
    }
    if (this.pages.length > 1) {
      this.text(this.options.seller.name, this.left, this.y - 10, { size: 10, bold: true });
      this.text(`${this.options.runningTitle} (continued)`, this.right, this.y - 10, {
        size: 10,
        bold: true,
        align: 'right',
      });
      this.y -= 28;
      this.continueTable?.();
    }
    return page;
  }

  /** Starts a new page unless `height` fits above the footer. */
  private room(height: number): void {
    if (this.y - height < MARGIN_BOTTOM) this.addPage();
  }

  private font(bold: boolean | undefined): PDFFont {
    return bold ? this.bold : this.regular;
  }

  private width(text: string, size: number, bold?: boolean): number {
    return this.font(bold).widthOfTextAtSize(this.encode(text), size);
  }

  /** Draws one line of text with its baseline at `y`; `x` is its right edge when aligned right. */
  private text(text: string, x: number, y: number, style: TextStyle): void {
    const safe = this.encode(text);
    if (safe === '') return;
    const font = this.font(style.bold);
    const left = style.align === 'right' ? x - font.widthOfTextAtSize(safe, style.size) : x;
    this.page.drawText(safe, { x: left, y, size: style.size, font, color: style.color ?? INK });
  }

  /** `text` cut with '…' to fit `width`. */
  private fit(text: string, width: number, size: number, bold?: boolean): string {
    const safe = this.encode(text);
    if (this.width(safe, size, bold) <= width) return safe;
    const chars = [...safe];
    let low = 0;
    let high = chars.length;
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      if (this.width(`${chars.slice(0, mid).join('').trimEnd()}…`, size, bold) <= width) low = mid;
      else high = mid - 1;
    }
    return `${chars.slice(0, low).join('').trimEnd()}…`;
  }

  /** `text` broken into lines no wider than `width`, at most `maxLines` (the last cut with '…'). */
  private wrap(text: string, width: number, size: number, maxLines: number, bold?: boolean): string[] {
    const lines: string[] = [];
    let line = '';
    const words = this.encode(text).split(' ').filter(Boolean);
    for (const word of words) {
      const candidate = line === '' ? word : `${line} ${word}`;
      if (this.width(candidate, size, bold) <= width) {
        line = candidate;
        continue;
      }
      if (line !== '') lines.push(line);
      line = word;
      // A word wider than the column is broken where it must be.
      while (this.width(line, size, bold) > width && line.length > 1) {
        const chars = [...line];
        let take = chars.length - 1;
        while (take > 1 && this.width(chars.slice(0, take).join(''), size, bold) > width) take--;
        lines.push(chars.slice(0, take).join(''));
        line = chars.slice(take).join('');
      }
    }
    if (line !== '') lines.push(line);
    if (lines.length <= maxLines) return lines;
    const kept = lines.slice(0, maxLines);
    kept[maxLines - 1] = this.fit(`${kept[maxLines - 1]} ${lines[maxLines]}`, width, size, bold);
    return kept;
  }

  /** Logo, seller, and the title with its number and facts; the first page's head. */
  async heading(
    seller: DocumentSeller,
    title: string,
    number: string | undefined,
    facts: readonly (readonly [string, string])[],
  ): Promise<void> {
    const top = this.y;
    const column = (this.right - this.left) / 2 - 12;
    let left = top;
    if (seller.logo) {
      const logo = await this.embedLogo(seller.logo);
      const scale = Math.min(LOGO_BOX.width / logo.width, LOGO_BOX.height / logo.height, 1);
      const height = logo.height * scale;
      this.page.drawImage(logo, { x: this.left, y: top - height, width: logo.width * scale, height });
      left = top - height - 14;
    }
    left -= 11;
    this.text(this.fit(seller.name, column, 11, true), this.left, left, { size: 11, bold: true });
    const details = [
      ...seller.address,
      ...(seller.email ? [seller.email] : []),
      ...(seller.phone ? [seller.phone] : []),
      ...seller.taxNumbers.map((t) => `${t.label}: ${t.value}`),
    ];
    for (const detail of details) {
      left -= 11.5;
      this.text(this.fit(detail, column, 8.5), this.left, left, { size: 8.5, color: MUTED });
    }

    let right = top - 18;
    this.text(title, this.right, right, { size: 18, bold: true, align: 'right' });
    if (number !== undefined) {
      right -= 16;
      this.text(this.fit(number, column, 11, true), this.right, right, { size: 11, bold: true, align: 'right' });
    }
    right -= 6;
    for (const [label, value] of facts) {
      right -= 12;
      const shown = this.fit(value, column * 0.6, 8.5);
      this.text(shown, this.right, right, { size: 8.5, align: 'right' });
      this.text(label, this.right - this.width(shown, 8.5) - 8, right, { size: 8.5, color: MUTED, align: 'right' });
    }
    this.y = Math.min(left, right) - 24;
  }

  private async embedLogo(logo: DocumentLogo): Promise<PDFImage> {
    try {
      return logo.type === 'png' ? await this.pdf.embedPng(logo.data) : await this.pdf.embedJpg(logo.data);
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      throw new RangeError(`the seller's logo is not a ${logo.type.toUpperCase()} image pdf-lib can read (${reason})`);
    }
  }

  /** The customer block: a small label, the name, account, address and any tax exemption. */
  customer(label: string, customer: DocumentCustomer): void {
    const width = (this.right - this.left) / 2;
    this.text(label, this.left, this.y - 8, { size: 7.5, bold: true, color: MUTED });
    this.y -= 22;
    this.text(this.fit(customer.name, width, 10.5, true), this.left, this.y, { size: 10.5, bold: true });
    const details = [
      `Account ${customer.accountNumber}`,
      ...customer.address,
      ...(customer.taxExemption ? [`Tax exempt: ${customer.taxExemption}`] : []),
    ];
    for (const detail of details) {
      this.y -= 11.5;
      this.text(this.fit(detail, width, 8.5), this.left, this.y, { size: 8.5, color: MUTED });
    }
    this.y -= 22;
  }

  /** A small note right-aligned above what follows ("Amounts in NGN"). */
  caption(text: string): void {
    this.room(60);
    this.text(text, this.right, this.y - 8, { size: 7.5, color: MUTED, align: 'right' });
    this.y -= 13;
  }

  /** Column widths and the type size that fits them in `width`. */
  private columnWidths<Row>(columns: readonly Column<Row>[], rows: readonly Row[], width: number) {
    for (let size = TABLE_SIZE; ; size -= 0.5) {
      const widths = columns.map((c) => {
        if (c.flexible) return 0;
        const widest = rows.reduce(
          (w, row) => Math.max(w, this.width(c.cell(row), size)),
          this.width(c.header, size, true),
        );
        return Math.min(widest, c.maxWidth ?? Number.POSITIVE_INFINITY) + 2 * CELL_PAD;
      });
      const rest = width - widths.reduce((a, b) => a + b, 0);
      // The flexible column keeps at least a third of the table, or the type gets smaller.
      if (rest >= width / 3 || size <= MIN_TABLE_SIZE) {
        return { size, widths: columns.map((c, i) => (c.flexible ? Math.max(rest, 0) : (widths[i] ?? 0))) };
      }
    }
  }

  /** The lines of each cell of `row`, as drawn. */
  private rowCells<Row>(
    columns: readonly Column<Row>[],
    widths: readonly number[],
    row: Row,
    size: number,
    maxLines: number,
  ) {
    return columns.map((c, i) => {
      const inner = (widths[i] ?? 0) - 2 * CELL_PAD;
      const lines = c.flexible ? this.wrap(c.cell(row), inner, size, maxLines) : [this.fit(c.cell(row), inner, size)];
      const note = c.note?.(row);
      return { lines, note: note ? this.fit(note, inner, size - 1) : undefined };
    });
  }

  private rowHeight(cells: readonly { lines: readonly string[]; note?: string }[], size: number): number {
    const lines = Math.max(1, ...cells.map((c) => c.lines.length + (c.note ? 1 : 0)));
    return lines * size * 1.3 + 2 * CELL_PAD - size * 0.3;
  }

  /** A table across the page: a shaded header, repeated on each page the rows break onto. */
  table<Row>(columns: readonly Column<Row>[], rows: readonly Row[]): void {
    this.drawTable(columns, rows, this.left, this.right - this.left, MAX_CELL_LINES);
  }

  /** Draws the table at `x`, `width` wide, from the pen down; returns nothing, moves the pen. */
  private drawTable<Row>(
    columns: readonly Column<Row>[],
    rows: readonly Row[],
    x: number,
    width: number,
    maxLines: number,
  ): void {
    const { size, widths } = this.columnWidths(columns, rows, width);
    const lefts = widths.map((_, i) => x + widths.slice(0, i).reduce((a, b) => a + b, 0));
    const cellX = (i: number) =>
      columns[i]?.align === 'right' ? (lefts[i] ?? 0) + (widths[i] ?? 0) - CELL_PAD : (lefts[i] ?? 0) + CELL_PAD;
    const headerHeight = size * 1.3 + 2 * CELL_PAD - size * 0.3;
    const header = () => {
      this.page.drawRectangle({ x, y: this.y - headerHeight, width, height: headerHeight, color: SHADE });
      columns.forEach((c, i) => {
        this.text(c.header, cellX(i), this.y - CELL_PAD - size * 0.8, { size, bold: true, align: c.align });
      });
      this.y -= headerHeight;
    };
    const laidOut = rows.map((row) => {
      const cells = this.rowCells(columns, widths, row, size, maxLines);
      return { cells, height: this.rowHeight(cells, size) };
    });
    // A header is never left alone at the foot of a page.
    this.room(headerHeight + (laidOut[0]?.height ?? 0));
    header();
    this.continueTable = header;
    for (const { cells, height } of laidOut) {
      this.room(height);
      cells.forEach((cell, i) => {
        const align = columns[i]?.align;
        let baseline = this.y - CELL_PAD - size * 0.8;
        for (const line of cell.lines) {
          this.text(line, cellX(i), baseline, { size, align });
          baseline -= size * 1.3;
        }
        if (cell.note) this.text(cell.note, cellX(i), baseline, { size: size - 1, color: MUTED, align });
      });
      this.y -= height;
      this.page.drawLine({ start: { x, y: this.y }, end: { x: x + width, y: this.y }, thickness: 0.5, color: RULE });
    }
    this.continueTable = undefined;
    this.y -= 14;
  }

  /** A small table on the left (the tax summary) beside the totals on the right, kept on one page. */
  summary<Row>(
    left: { readonly columns: readonly Column<Row>[]; readonly rows: readonly Row[] } | undefined,
    totals: readonly TotalRow[],
  ): void {
    const gap = 24;
    const totalsWidth = Math.min(240, (this.right - this.left) * 0.45);
    const leftWidth = this.right - this.left - totalsWidth - gap;
    const rowHeight = 16;
    let leftHeight = 0;
    if (left) {
      const { size, widths } = this.columnWidths(left.columns, left.rows, leftWidth);
      leftHeight =
        this.rowHeight([{ lines: [''] }], size) +
        left.rows.reduce((h, row) => h + this.rowHeight(this.rowCells(left.columns, widths, row, size, 1), size), 0);
    }
    this.room(Math.max(leftHeight, totals.length * rowHeight) + 4);
    const top = this.y;

    const x = this.right - totalsWidth;
    let y = top;
    for (const total of totals) {
      if (total.strong) {
        this.page.drawLine({ start: { x, y }, end: { x: this.right, y }, thickness: 0.75, color: INK });
      }
      if (total.shaded) {
        this.page.drawRectangle({ x, y: y - rowHeight, width: totalsWidth, height: rowHeight, color: SHADE });
      }
      const size = total.strong ? 9.5 : 8.5;
      const value = this.fit(total.value, totalsWidth * 0.6, size, total.strong);
      this.text(value, this.right - 4, y - 11.5, { size, bold: total.strong, align: 'right' });
      const labelWidth = totalsWidth - this.width(value, size, total.strong) - 16;
      this.text(this.fit(total.label, labelWidth, size, total.strong), x + 4, y - 11.5, { size, bold: total.strong });
      y -= rowHeight;
    }
    const totalsBottom = y;

    if (left) {
      this.y = top;
      this.drawTable(left.columns, left.rows, this.left, leftWidth, 1);
      this.y = Math.min(this.y + 14, totalsBottom) - 20;
    } else {
      this.y = totalsBottom - 20;
    }
  }

  /** A heading and wrapped paragraphs, breaking onto new pages as needed. */
  paragraphs(heading: string, paragraphs: readonly string[]): void {
    const size = 8.5;
    const width = this.right - this.left;
    this.room(30);
    this.text(heading, this.left, this.y - 9, { size: 9.5, bold: true });
    this.y -= 15;
    for (const paragraph of paragraphs) {
      const lines = paragraph.trim() === '' ? [''] : this.wrap(paragraph, width, size, Number.POSITIVE_INFINITY);
      for (const line of lines) {
        this.room(size * 1.4);
        this.y -= size * 1.4;
        this.text(line, this.left, this.y + size * 0.35, { size });
      }
    }
    this.y -= 16;
  }

  /** Adds the footers ("page x of y") and serialises the PDF. */
  async finish(): Promise<string> {
    const count = this.pages.length;
    this.pages.forEach((page, i) => {
      this.page = page;
      this.page.drawLine({
        start: { x: this.left, y: FOOTER_Y + 12 },
        end: { x: this.right, y: FOOTER_Y + 12 },
        thickness: 0.5,
        color: RULE,
      });
      const who = this.fit(`${this.options.seller.name} · ${this.options.runningTitle}`, 380, 7.5);
      this.text(who, this.left, FOOTER_Y, { size: 7.5, color: MUTED });
      this.text(`Page ${i + 1} of ${count}`, this.right, FOOTER_Y, { size: 7.5, color: MUTED, align: 'right' });
    });
    // pdf-lib pauses with setTimeout every `objectsPerTick` objects; the sandbox has no timers.
    return this.pdf.saveAsBase64({ objectsPerTick: Number.POSITIVE_INFINITY });
  }
}
