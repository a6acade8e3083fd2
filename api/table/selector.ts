// Label selectors as the printers show them; invalid selectors never throw.
import { formatLabelSelector } from '../selectors.ts';
import type { LabelSelector } from '../meta.ts';
import { rec } from './loose.ts';

/** Returns metav1.FormatLabelSelector: the selector string, `<none>` when empty, `<error>` when invalid. */
export function formatSelector(sel: unknown): string {
  if (sel === undefined || sel === null) return '<none>';
  try {
    return formatLabelSelector(rec(sel) as LabelSelector);
  } catch {
    return '<error>';
  }
}

/** Returns LabelSelectorAsSelector(sel).String(): '' for an empty or absent selector, `<invalid>` when invalid. */
export function selectorString(sel: unknown): string {
  const s = formatSelector(sel);
  if (s === '<none>') return '';
  return s === '<error>' ? '<invalid>' : s;
}
