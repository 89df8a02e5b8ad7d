// Reading PDFs back in tests with pdf.js, as a customer's reader would.
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { getDocument, type PDFDocumentProxy } from 'pdfjs-dist/legacy/build/pdf.mjs';

/** Where pdf.js finds the metrics of the standard fonts (it warns on every page without them). */
const STANDARD_FONTS = `${dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'))}/standard_fonts/`;

/** Reads a PDF (bytes, or base64) with pdf.js, hands it to `read`, and closes it. */
export async function readPdf<T>(
  pdfData: string | Uint8Array,
  read: (pdf: PDFDocumentProxy) => Promise<T>,
): Promise<T> {
  const data = typeof pdfData === 'string' ? new Uint8Array(Buffer.from(pdfData, 'base64')) : pdfData;
  const pdf = await getDocument({
    data,
    useSystemFonts: false,
    disableFontFace: true,
    standardFontDataUrl: STANDARD_FONTS,
  }).promise;
  try {
    return await read(pdf);
  } finally {
    await pdf.destroy();
  }
}

/** The text of each page, one line per text item. */
export function pagesOf(pdfData: string | Uint8Array): Promise<string[]> {
  return readPdf(pdfData, async (pdf) => {
    const pages: string[] = [];
    for (let i = 1; i <= pdf.numPages; i++) {
      const content = await (await pdf.getPage(i)).getTextContent();
      pages.push(content.items.map((item) => ('str' in item ? item.str : '')).join('\n'));
    }
    return pages;
  });
}
