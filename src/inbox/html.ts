/**
 * HTML built only through `html` templates: every interpolated value is
 * escaped for text and for quoted attribute values alike, unless it is
 * itself a `SafeHtml` made by `html`. Everything the model wrote (arguments,
 * summaries, tool names, reasons) and everything a reviewer typed reaches the
 * page through here.
 */
export class SafeHtml {
  readonly text: string;

  constructor(text: string) {
    this.text = text;
  }

  toString(): string {
    return this.text;
  }
}

const ESCAPES: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", "`": "&#96;" };

/** Text as HTML that shows it literally, in element content and in quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => ESCAPES[c]!);
}

type Interpolated = SafeHtml | string | number | undefined | null | readonly Interpolated[];

function render(value: Interpolated): string {
  if (value === undefined || value === null) return "";
  if (value instanceof SafeHtml) return value.text;
  if (Array.isArray(value)) return value.map(render).join("");
  return escapeHtml(String(value));
}

/** A template whose interpolations are escaped (arrays joined, SafeHtml kept as is). */
export function html(strings: TemplateStringsArray, ...values: Interpolated[]): SafeHtml {
  let out = strings[0]!;
  values.forEach((value, i) => {
    out += render(value) + strings[i + 1]!;
  });
  return new SafeHtml(out);
}
